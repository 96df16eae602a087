/**
 * The newcomer's path: clone the repository, `npm install && npx exaudit demo`, and check the demo's reports
 * exist and validate. Slow (an npm install), so it runs in CI (CI=true) or with EXAUDIT_FRESH_CLONE=1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResultDocument } from '../src/contract.js';

const enabled = process.env['CI'] === 'true' || process.env['EXAUDIT_FRESH_CLONE'] === '1';
const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'exaudit-clone-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(enabled)('fresh clone', () => {
  it('npm install && npx exaudit demo works and writes valid reports', () => {
    execFileSync('git', ['clone', '--quiet', repo, join(dir, 'exaudit')], { stdio: 'pipe' });
    const cwd = join(dir, 'exaudit');
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
      cwd,
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(install.status, install.stderr).toBe(0);
    const demo = spawnSync('npx', ['exaudit', 'demo'], {
      cwd,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    // The lab fleet has vulnerable servers, so the demo exits 1 (findings at or above --fail-on).
    expect([0, 1], demo.stderr).toContain(demo.status);
    expect(demo.stdout).toMatch(/exaudit-demo/);
    const out = join(cwd, 'exaudit-demo');
    const doc = ResultDocument.parse(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
    expect(doc.targets.length).toBeGreaterThan(3);
    expect(JSON.parse(readFileSync(join(out, 'exaudit.sarif'), 'utf8')).version).toBe('2.1.0');
    expect(readFileSync(join(out, 'TEST-exaudit.xml'), 'utf8')).toMatch(/<testsuites/);
    expect(readFileSync(join(out, 'exaudit.csv'), 'utf8')).toMatch(/^target,checkId,status/);
    expect(existsSync(join(out, 'exaudit.txt'))).toBe(true);
    const verify = spawnSync('npx', ['exaudit', 'verify', join(out, 'evidence')], {
      cwd,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    // The demo leaves nothing running: its lab servers are closed before it exits.
    expect(doc.targets.some((t) => t.facts?.http?.mitigationProbes?.some((p) => p.outcome === 'blocked'))).toBe(true);
  }, 900_000);
});
