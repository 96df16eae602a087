/**
 * Real OpenSSH (Debian's sshd, installed by .ci/run) on 127.0.0.1 with a fake powershell as ForceCommand:
 * key exchange, key authentication, host key pinning and the exec round trip as a real server does them.
 */
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSH_COMMAND } from '../../../src/collect/ssh/index.js';
import { runCliAsync } from '../../helpers/cli.js';
import { ResultDocument } from '../../../src/engine/result.js';
import { haveSshd, startSshd, type Sshd } from '../../helpers/sshd.js';

const have = haveSshd;
if (!have) console.warn('WARNING: Debian openssh-server (sshd, ssh-keygen) is not installed; the real OpenSSH test is skipped. .ci/run installs it.');
const FACTS = join(import.meta.dirname, '../../../fixtures/demo/facts/ex19-mbx01.contoso.test.json');

let sshd: Sshd | undefined; let dir = ''; let port = 0;

beforeAll(async () => {
  if (!have) return;
  sshd = await startSshd((d) => {
    const fake = join(d, 'fake-powershell.sh');
    copyFileSync(join(import.meta.dirname, 'sshd/fake-powershell.sh'), fake);
    chmodSync(fake, 0o755);
    writeFileSync(join(d, 'expected-command'), SSH_COMMAND);
    return [`ForceCommand ${fake}`, `SetEnv FAKE_FACTS=${FACTS}`];
  });
  ({ dir, port } = sshd);
}, 30_000);
afterAll(() => sshd?.stop());

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
