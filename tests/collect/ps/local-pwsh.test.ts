/**
 * `audit --local --pwsh` end to end: the CLI starts node-powershell, which starts the real pwsh (through
 * pwsh-fake-world.sh, which loads the same fake world as the Pester tests: HealthChecker's recorded Exchange 2016
 * server), sends the shipped collector, and the facts are validated and judged. A collector that hangs is ended at
 * --timeout and its shell process is gone afterwards.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCliAsync } from '../../helpers/cli.js';
import { LocalRunner } from '../../../src/collect/pwsh/index.js';
import { describeWithPwsh, REPO } from './_pwsh.js';

const WRAPPER = join(REPO, 'tests/collect/ps/pwsh-fake-world.sh');
const dir = mkdtempSync(join(tmpdir(), 'exaudit-local-pwsh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Waits (bounded: 5 s) for processes to end: a killed pwsh's input feeder ends once its pipe is closed. */
async function gone(list: number[]): Promise<number[]> {
  for (let i = 0; i < 50 && list.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  return list.filter(alive);
}
const pids = (file: string) => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number);

describeWithPwsh('audit --local --pwsh against the real pwsh with the fake world loaded', ({ pwsh }) => {
  const env = (extra: Record<string, string> = {}) => ({
    NODE_POWERSHELL: WRAPPER,
    EXAUDIT_PWSH: pwsh,
    FAKE_WORLD: join(REPO, 'fixtures/collector/hc-e16-cu22'),
    ...extra,
  });

  it('collects through node-powershell, validates and judges the facts', async () => {
    const r = await runCliAsync(
      ['audit', '--local', '--pwsh', '--format', 'json', '--fail-on', 'none', '--as-of', '2026-11-25'],
      env(),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const target = doc.targets[0];
    // The tenant side of hybrid is never visible from a server: the collector says so, and that alone is no gap in
    // the server's collection (the target is assessed, not partial).
    expect(target.status).toBe('assessed');
    expect(target.facts.notCollected.map((n: { group: string }) => n.group)).toEqual([
      'hybrid.firstPartySpKeyCredentials',
    ]);
    expect(target.facts.target.transport).toBe('local');
    expect(target.facts.exchange).toMatchObject({ build: '15.1.2375.7', precision: 'exact', roles: ['Mailbox'] });
    expect(target.facts.collectors[0].errors).toEqual([]);
    expect(target.facts.config.eems).toMatchObject({ orgEnabled: true, serverEnabled: true, serviceStatus: 'Running' });
    const got = (checkId: string) =>
      target.findings
        .filter((f: { checkId: string }) => f.checkId === checkId)
        .map((f: { status: string }) => f.status);
    expect(got('exchange-build')).toEqual(['pass']);
    expect(got('emergency-mitigation-service')).toEqual(['pass']);
    expect(got('extended-protection')).toEqual(['fail']);
    expect(got('proxylogon')).toEqual(['pass']);
  });

  it('a collector that hangs is stopped at the timeout, and its pwsh process is gone', async () => {
    const file = join(dir, 'pids-hang');
    const saved = { ...process.env };
    Object.assign(process.env, env({ FAKE_HANG: 'Get-SettingOverride', FAKE_PWSH_PIDS: file }));
    const runner = new LocalRunner({ executable: 'pwsh', timeoutMs: 8000 });
    try {
      const r = await runner.collect('localhost');
      expect(r.failure?.error).toMatch(/did not finish within 8000 ms; the shell was discarded/);
      // the launcher, its input feeder and the shell's own process ($PID, below the launcher of a .NET global tool)
      const all = pids(file);
      expect(all).toHaveLength(3);
      expect(alive(all[0]!)).toBe(false);
      expect(await gone(all)).toEqual([]);
    } finally {
      await runner.dispose();
      process.env = saved;
    }
  });

  it('audit --local --pwsh --timeout reports the hung server as an error, exit 3, and leaves no pwsh behind', async () => {
    const file = join(dir, 'pids-cli');
    const r = await runCliAsync(
      ['audit', '--local', '--pwsh', '--timeout', '8000', '--format', 'json', '--as-of', '2026-11-25'],
      env({ FAKE_HANG: 'Get-SettingOverride', FAKE_PWSH_PIDS: file }),
    );
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc.targets[0].status).toBe('error');
    expect(doc.targets[0].error).toMatch(/did not finish within 8000 ms/);
    expect(pids(file)).toHaveLength(3);
    expect(await gone(pids(file))).toEqual([]);
  });
});
