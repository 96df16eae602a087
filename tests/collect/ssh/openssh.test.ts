/**
 * Real OpenSSH (Debian's sshd, installed by .ci/run) on 127.0.0.1 with a fake powershell as ForceCommand:
 * key exchange, key authentication, host key pinning and the exec round trip as a real server does them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSH_COMMAND } from '../../../src/collect/ssh/index.js';
import { runCliAsync } from '../../helpers/cli.js';
import { ResultDocument } from '../../../src/engine/result.js';

const SSHD = '/usr/sbin/sshd';
const have = existsSync(SSHD) && spawnSync('ssh-keygen', ['-?']).error === undefined;
if (!have) console.warn('WARNING: Debian openssh-server (sshd, ssh-keygen) is not installed; the real OpenSSH test is skipped. .ci/run installs it.');
const FACTS = join(import.meta.dirname, '../../../fixtures/demo/facts/ex19-mbx01.contoso.test.json');

let dir: string; let port = 0; let sshd: ChildProcess | undefined;
const freePort = () => new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });

beforeAll(async () => {
  if (!have) return;
  dir = mkdtempSync(join(tmpdir(), 'exaudit-sshd-'));
  port = await freePort();
  const kg = (f: string) => spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, f)]);
  kg('host_key'); kg('client_key');
  copyFileSync(join(dir, 'client_key.pub'), join(dir, 'authorized_keys'));
  const fake = join(dir, 'fake-powershell.sh');
  copyFileSync(join(import.meta.dirname, 'sshd/fake-powershell.sh'), fake);
  chmodSync(fake, 0o755);
  writeFileSync(join(dir, 'expected-command'), SSH_COMMAND);
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', `PidFile ${join(dir, 'sshd.pid')}`,
    `ForceCommand ${fake}`, `SetEnv FAKE_FACTS=${FACTS}`, 'PermitRootLogin yes', 'LogLevel ERROR',
  ].join('\n') + '\n');
  spawnSync('mkdir', ['-p', '/run/sshd']);
  sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Wait (bounded) until it listens.
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolve) => { const c = createServer(); c.once('error', () => resolve(true)); c.listen(port, '127.0.0.1', () => c.close(() => resolve(false))); });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const pub = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${pub[0]} ${pub[1]}\n`);
}, 30_000);
afterAll(() => { sshd?.kill('SIGTERM'); if (dir) rmSync(dir, { recursive: true, force: true }); });

describe.skipIf(!have)('audit --ssh against Debian OpenSSH', () => {
  it('gives the same findings as audit --facts on the facts it returned', async () => {
    const saved = join(dir, 'saved');
    const user = process.env['USER'] ?? 'root';
    const live = await runCliAsync(['audit', '--ssh', `${user}@127.0.0.1:${port}`, '--identity', join(dir, 'client_key'), '--known-hosts', join(dir, 'known_hosts'), '--save-facts', saved, '--format', 'json', '--fail-on', 'none', '--as-of', '2026-11-25', '--quiet']);
    const liveDoc = ResultDocument.parse(JSON.parse(live.stdout));
    expect(liveDoc.targets[0]!.status, liveDoc.targets[0]!.error).toBe('assessed');
    expect(liveDoc.targets[0]!.facts!.exchange!.build).toBe('15.2.1748.49');
    const off = ResultDocument.parse(JSON.parse((await runCliAsync(['audit', '--facts', saved, '--format', 'json', '--fail-on', 'none', '--as-of', '2026-11-25'])).stdout));
    const strip = (d: typeof liveDoc) => d.targets[0]!.findings.map((f) => [f.checkId, f.status, f.code, f.fingerprint]);
    expect(strip(off)).toEqual(strip(liveDoc));
  });

  it('refuses the real server when its key is not the pinned one', async () => {
    const wrong = join(dir, 'known_hosts_wrong');
    const other = readFileSync(join(dir, 'client_key.pub'), 'utf8').trim().split(' ');
    writeFileSync(wrong, `[127.0.0.1]:${port} ${other[0]} ${other[1]}\n`);
    const r = await runCliAsync(['audit', '--ssh', `root@127.0.0.1:${port}`, '--identity', join(dir, 'client_key'), '--known-hosts', wrong, '--format', 'json', '--fail-on', 'none', '--quiet']);
    expect(ResultDocument.parse(JSON.parse(r.stdout)).targets[0]!.error).toMatch(/HOST KEY CHANGED/);
  });
});
