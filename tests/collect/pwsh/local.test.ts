import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LocalRunner } from '../../../src/collect/pwsh/index.js';

const FAKE = join(import.meta.dirname, 'fake-pwsh.mjs');
const FACTS = join(import.meta.dirname, '../../../fixtures/demo/facts/exse-mbx01.contoso.test.json');
const dir = mkdtempSync(join(tmpdir(), 'exaudit-pwsh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = (mode: string) =>
  Object.assign(process.env, {
    NODE_POWERSHELL: FAKE,
    FAKE_FACTS: FACTS,
    FAKE_PWSH_MODE: mode,
    FAKE_PWSH_STATE: join(dir, `state-${mode}`),
    FAKE_PWSH_PIDS: join(dir, `pids-${mode}`),
  });
const pids = (mode: string) =>
  readFileSync(join(dir, `pids-${mode}`), 'utf8')
    .trim()
    .split('\n')
    .map(Number);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
let runner: LocalRunner | undefined;
afterEach(async () => {
  await runner?.dispose();
});

describe('local collection through node-powershell', () => {
  it('runs the collector and returns validated facts', async () => {
    env('facts');
    runner = new LocalRunner({ timeoutMs: 5000 });
    const r = await runner.collect('localhost');
    expect(r.failure).toBeUndefined();
    expect(r.facts).toMatchObject({ exchange: { build: '15.2.2562.46' }, target: { transport: 'local' } });
  });
  it.each(['hang-once', 'hang-once-stubborn'])(
    'a timed-out shell is ended, not reused, and the next run uses a fresh one (%s)',
    async (mode) => {
      env(mode);
      runner = new LocalRunner({ timeoutMs: 800 });
      const first = await runner.collect('localhost');
      expect(first.failure?.error).toMatch(/did not finish within 800 ms/);
      // The hung shell is gone (a stubborn one that ignores SIGTERM is killed), before the next run starts.
      const [hungPid] = pids(mode);
      expect(alive(hungPid!)).toBe(false);
      const second = await runner.collect('localhost');
      expect(second.facts?.exchange?.build).toBe('15.2.2562.46');
      expect(pids(mode)).toHaveLength(2);
      await runner.dispose();
      expect(pids(mode).filter(alive)).toEqual([]);
    },
  );
  it('a PowerShell that cannot start is one clear line', async () => {
    env('facts');
    process.env['NODE_POWERSHELL'] = join(dir, 'no-such-pwsh');
    runner = new LocalRunner({ timeoutMs: 5000 });
    const r = await runner.collect('localhost');
    expect(r.failure?.error).toMatch(/^cannot start .*no-such-pwsh: not found/);
    expect(r.failure?.error).not.toMatch(/\n/);
  });
  it('output without facts is a clear error', async () => {
    env('garbage');
    runner = new LocalRunner({ timeoutMs: 5000 });
    expect((await runner.collect('localhost')).failure?.error).toMatch(/no facts/);
  });
});

describe('exaudit audit --local', () => {
  it('judges the facts the local collector returns', async () => {
    const { runCliAsync } = await import('../../helpers/cli.js');
    const saved = join(dir, 'saved-local');
    const r = await runCliAsync(
      ['audit', '--local', '--save-facts', saved, '--format', 'json', '--fail-on', 'none', '--as-of', '2026-11-25'],
      { NODE_POWERSHELL: FAKE, FAKE_FACTS: FACTS, FAKE_PWSH_MODE: 'facts' },
    );
    const doc = JSON.parse(r.stdout);
    expect(doc.targets[0]).toMatchObject({ status: 'assessed', facts: { exchange: { build: '15.2.2562.46' } } });
    // --save-facts keeps the local server's facts too, and they judge the same offline.
    expect(readdirSync(saved)).toHaveLength(1);
    const off = JSON.parse(
      (await runCliAsync(['audit', '--facts', saved, '--format', 'json', '--fail-on', 'none', '--as-of', '2026-11-25']))
        .stdout,
    );
    const strip = (d: { targets: { findings: { checkId: string; status: string; code: string }[] }[] }) =>
      d.targets[0]!.findings.map((f) => [f.checkId, f.status, f.code]);
    expect(strip(off)).toEqual(strip(doc));
  });
});
