/**
 * The newcomer's path: clone the repository, run the README's first command exactly as written there
 * (`npm install && npx exaudit demo`) in a shell, and check the demo's reports exist and validate. Slow (an npm
 * install), so it runs in CI (CI=true) or with EXAUDIT_FRESH_CLONE=1. The bin is a committed executable shim, so
 * it runs whatever order npm links the bin and compiles (prepare) in; that part is checked on every run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResultDocument } from '../src/contract.js';

const enabled = process.env['CI'] === 'true' || process.env['EXAUDIT_FRESH_CLONE'] === '1';
const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'exaudit-clone-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The README's first command: the first line of its first code block, without the comment. */
export function firstCommand(readme: string): string {
  const block = /```[a-z]*\n([^\n]*)/.exec(readme);
  return (block?.[1] ?? '').replace(/\s+#.*$/, '').trim();
}

describe('the bin', () => {
  it('is a committed executable shim that runs the compiled CLI, or says in one line how to build it', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ exaudit: 'bin/exaudit.js' });
    expect(execFileSync('git', ['ls-files', '-s', 'bin/exaudit.js'], { cwd: repo, encoding: 'utf8' })).toMatch(
      /^100755 /,
    );
    const ok = spawnSync(join(repo, 'bin', 'exaudit.js'), ['--version'], { encoding: 'utf8' });
    expect(ok.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    // A copy of the shim with no dist/ beside it: one line, exit 2, no stack trace.
    const bare = join(dir, 'bare', 'bin');
    mkdirSync(bare, { recursive: true });
    copyFileSync(join(repo, 'bin', 'exaudit.js'), join(bare, 'exaudit.js'));
    const missing = spawnSync(process.execPath, [join(bare, 'exaudit.js'), 'demo'], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^exaudit: the compiled CLI is missing .*run `npm install` or `npm run build`/);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
  it("the README's first command is the one the fresh-clone test runs", () => {
    expect(firstCommand(readFileSync(join(repo, 'README.md'), 'utf8'))).toBe('npm install && npx exaudit demo');
  });
});

describe.runIf(enabled)('fresh clone', () => {
  it("the README's first command works and writes valid reports", () => {
    execFileSync('git', ['clone', '--quiet', repo, join(dir, 'exaudit')], { stdio: 'pipe' });
    const cwd = join(dir, 'exaudit');
    const command = firstCommand(readFileSync(join(cwd, 'README.md'), 'utf8'));
    const demo = spawnSync('sh', ['-c', command], {
      cwd,
      encoding: 'utf8',
      timeout: 900_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    // The lab fleet has vulnerable servers, so the demo exits 1 (findings at or above --fail-on).
    expect([0, 1], demo.stderr).toContain(demo.status);
    expect(demo.stdout).toMatch(/exaudit-demo/);
    const out = join(cwd, 'exaudit-demo');
    const doc = ResultDocument.parse(JSON.parse(readFileSync(join(out, 'exaudit.json'), 'utf8')));
    expect(doc.targets.length).toBeGreaterThan(3);
    expect(JSON.parse(readFileSync(join(out, 'exaudit.sarif'), 'utf8')).version).toBe('2.1.0');
    expect(readFileSync(join(out, 'exaudit.junit.xml'), 'utf8')).toMatch(/<testsuites/);
    expect(readFileSync(join(out, 'exaudit.csv'), 'utf8')).toMatch(/^target,checkId,status/);
    expect(existsSync(join(out, 'exaudit.txt'))).toBe(true);
    expect(readFileSync(join(out, 'exaudit.html'), 'utf8')).toMatch(/<!doctype html>/i);
    const verify = spawnSync('npx', ['exaudit', 'verify', out], {
      cwd,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    // The demo leaves nothing running: its lab servers are closed before it exits.
    expect(doc.targets.some((t) => t.facts?.http?.mitigationProbes?.some((p) => p.outcome === 'blocked'))).toBe(true);
  }, 900_000);
});
