import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LocalRunner } from '../../../src/collect/pwsh/index.js';

const FAKE = join(import.meta.dirname, 'fake-pwsh.mjs');
const FACTS = join(import.meta.dirname, '../../../fixtures/demo/facts/exse-mbx01.contoso.test.json');
const dir = mkdtempSync(join(tmpdir(), 'exaudit-pwsh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = (mode: string) => Object.assign(process.env, { NODE_POWERSHELL: FAKE, FAKE_FACTS: FACTS, FAKE_PWSH_MODE: mode, FAKE_PWSH_STATE: join(dir, `state-${mode}`) });
let runner: LocalRunner | undefined;
afterEach(async () => { await runner?.dispose(); });

describe('local collection through node-powershell', () => {
  it('runs the collector and returns validated facts', async () => {
    env('facts');
    runner = new LocalRunner({ timeoutMs: 5000 });
    const r = await runner.collect('localhost');
    expect(r.failure).toBeUndefined();
    expect(r.facts).toMatchObject({ exchange: { build: '15.2.2562.46' }, target: { transport: 'local' } });
  });
  it('a timed-out shell is discarded and the next run uses a fresh one', async () => {
    env('hang-once');
    runner = new LocalRunner({ timeoutMs: 800 });
    const first = await runner.collect('localhost');
    expect(first.failure?.error).toMatch(/did not finish within 800 ms|failed/);
    const second = await runner.collect('localhost');
    expect(second.facts?.exchange?.build).toBe('15.2.2562.46');
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
    const r = await runCliAsync(['audit', '--local', '--format', 'json', '--fail-on', 'none', '--as-of', '2026-11-25'], { NODE_POWERSHELL: FAKE, FAKE_FACTS: FACTS, FAKE_PWSH_MODE: 'facts' });
    const doc = JSON.parse(r.stdout);
    expect(doc.targets[0]).toMatchObject({ status: 'assessed', facts: { exchange: { build: '15.2.2562.46' } } });
  });
});
