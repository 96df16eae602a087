/**
 * Real OpenSSH (Debian's sshd, installed by .ci/run) on 127.0.0.1 with a fake `powershell` on the session's PATH:
 * key exchange, key authentication, host key pinning, the login shell running exaudit's command line, the script
 * over standard input, and the failure cases as a real server produces them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectOverSsh, SSH_COMMAND, type SshOptions } from '../../../src/collect/ssh/index.js';
import { runCliAsync } from '../../helpers/cli.js';
import { ResultDocument } from '../../../src/contract.js';
import { haveSshd, startSshd, type Sshd } from '../../helpers/sshd.js';
import { COLLECTOR_PATH } from '../../../src/collect/ps/script.js';

const have = haveSshd;
if (!have)
  console.warn(
    'WARNING: Debian openssh-server (sshd, ssh-keygen) is not installed; the real OpenSSH tests are SKIPPED. .ci/run installs it.',
  );
const FACTS = join(import.meta.dirname, '../../../fixtures/demo/facts/ex19-mbx01.contoso.test.json');
const user = process.env['USER'] ?? 'root';

let sshd: Sshd | undefined;
let dir = '';
let port = 0;
let bin = '';
const setMode = (mode: string) => writeFileSync(join(bin, 'mode'), mode);

beforeAll(async () => {
  if (!have) return;
  sshd = await startSshd((d) => {
    bin = join(d, 'bin');
    mkdirSync(bin);
    copyFileSync(join(import.meta.dirname, 'sshd/fake-powershell.sh'), join(bin, 'powershell'));
    chmodSync(join(bin, 'powershell'), 0o755);
    copyFileSync(COLLECTOR_PATH, join(bin, 'expected-script'));
    writeFileSync(
      join(bin, 'expected-bootstrap'),
      Buffer.from(SSH_COMMAND.split(' ').at(-1)!, 'base64').toString('utf16le'),
    );
    return [`SetEnv PATH=${bin}:/usr/bin:/bin FAKE_FACTS=${FACTS}`];
  });
  ({ dir, port } = sshd);
}, 30_000);
afterAll(() => sshd?.stop());

describe.skipIf(!have)('audit --ssh against Debian OpenSSH', () => {
  it('gives the same findings as audit --facts on the facts it returned', async () => {
    setMode('facts');
    const saved = join(dir, 'saved');
    const live = await runCliAsync([
      'audit',
      '--ssh',
      `${user}@127.0.0.1:${port}`,
      '--identity',
      join(dir, 'client_key'),
      '--known-hosts',
      join(dir, 'known_hosts'),
      '--save-facts',
      saved,
      '--format',
      'json',
      '--fail-on',
      'none',
      '--as-of',
      '2026-11-25',
      '--quiet',
    ]);
    const liveDoc = ResultDocument.parse(JSON.parse(live.stdout));
    expect(liveDoc.targets[0]!.status, liveDoc.targets[0]!.error).toBe('assessed');
    expect(liveDoc.targets[0]!.facts!.exchange!.build).toBe('15.2.1748.49');
    expect(liveDoc.targets[0]!.facts!.target).toMatchObject({ transport: 'ssh', port });
    const off = ResultDocument.parse(
      JSON.parse(
        (
          await runCliAsync([
            'audit',
            '--facts',
            saved,
            '--format',
            'json',
            '--fail-on',
            'none',
            '--as-of',
            '2026-11-25',
          ])
        ).stdout,
      ),
    );
    const strip = (d: typeof liveDoc) =>
      d.targets[0]!.findings.map((f) => [f.checkId, f.status, f.code, f.fingerprint, f.message]);
    expect(strip(liveDoc).length).toBeGreaterThan(5);
    expect(strip(off)).toEqual(strip(liveDoc));
    expect(off.targets[0]!.factsDigest).toBe(liveDoc.targets[0]!.factsDigest);
  });

  it('refuses the real server when its key is not the pinned one', async () => {
    const wrong = join(dir, 'known_hosts_wrong');
    const other = readFileSync(join(dir, 'client_key.pub'), 'utf8').trim().split(' ');
    writeFileSync(wrong, `[127.0.0.1]:${port} ${other[0]} ${other[1]}\n`);
    const r = await runCliAsync([
      'audit',
      '--ssh',
      `${user}@127.0.0.1:${port}`,
      '--identity',
      join(dir, 'client_key'),
      '--known-hosts',
      wrong,
      '--format',
      'json',
      '--fail-on',
      'none',
      '--quiet',
    ]);
    expect(ResultDocument.parse(JSON.parse(r.stdout)).targets[0]!.error).toMatch(/HOST KEY CHANGED/);
    expect(r.code).toBe(3); // not assessed, nothing failed
  });

  it('turns failed authentication, a hung command, garbage, oversized output and a dropped connection into per-target errors', async () => {
    const t = { user, host: '127.0.0.1', port, name: `127.0.0.1:${port}` };
    const opts: SshOptions = {
      identity: join(dir, 'client_key'),
      knownHostsFile: join(dir, 'known_hosts'),
      connectTimeoutMs: 10_000,
      commandTimeoutMs: 1500,
      maxOutputBytes: 1024 * 1024,
    };
    const cases: [string, RegExp][] = [
      ['hang', /did not finish within 1500 ms/],
      ['garbage', /no facts in the collector's output \(exit 1\)/],
      ['huge', /output exceeded 1048576 bytes/],
      ['drop', /the connection closed in the middle of the collector's output/],
    ];
    for (const [mode, why] of cases) {
      setMode(mode);
      // Only the hang case should meet the command timeout; the others get room on a loaded machine.
      const r = await collectOverSsh(t, { ...opts, commandTimeoutMs: mode === 'hang' ? 1500 : 30_000 });
      expect(r.failure?.error, mode).toMatch(why);
    }
    setMode('facts');
    const noKey = await collectOverSsh(t, { ...opts, identity: join(dir, 'host_key') }); // a key the server does not accept
    expect(noKey.failure?.error).toMatch(/authentication failed/);
  }, 60_000);

  it.skipIf(spawnSync('ssh-agent', ['-h']).error !== undefined)(
    'logs in with a key held by the SSH agent (SSH_AUTH_SOCK)',
    async () => {
      setMode('facts');
      const sock = join(dir, 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
      const saved = process.env['SSH_AUTH_SOCK'];
      try {
        for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
        expect(
          spawnSync('ssh-add', [join(dir, 'client_key')], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).status,
        ).toBe(0);
        process.env['SSH_AUTH_SOCK'] = sock;
        const t = { user, host: '127.0.0.1', port, name: `127.0.0.1:${port}` };
        const r = await collectOverSsh(t, {
          knownHostsFile: join(dir, 'known_hosts'),
          connectTimeoutMs: 10_000,
          commandTimeoutMs: 30_000,
        });
        expect(r.failure).toBeUndefined();
        expect(r.facts?.exchange?.build).toBe('15.2.1748.49');
      } finally {
        if (saved === undefined) delete process.env['SSH_AUTH_SOCK'];
        else process.env['SSH_AUTH_SOCK'] = saved;
        agent.kill('SIGTERM');
      }
    },
  );
});
