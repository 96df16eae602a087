import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { assess } from '../../src/engine/run.js';
import { loadChecks } from '../../src/engine/loader.js';
import type { ResultDocument } from '../../src/engine/result.js';
import { applyWaivers, loadWaivers } from '../../src/engine/waivers.js';
import { toHtml } from '../../reports/html.js';
import { directiveStatus, DIRECTIVES } from '../../reports/directives.js';
import { InputError } from '../../src/util/errors.js';
import { cat, facts, AS_OF } from '../checks/_facts.js';

let dir: string;
let doc: ResultDocument;
let resultFile: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exaudit-evidence-'));
  doc = assess([
    { target: 'ex13.contoso.test', facts: facts('15.0.1497.2') },
    { target: 'se.contoso.test', facts: facts('15.2.2562.49') },
    { target: 'down.contoso.test', failure: { status: 'unreachable', error: 'timeout' } },
  ], { catalog: cat(), checks: await loadChecks(), command: 'audit', startedAt: '2026-11-25T00:00:00Z', finishedAt: '2026-11-25T00:00:02Z', asOf: AS_OF });
  resultFile = join(dir, 'result.json');
  writeFileSync(resultFile, JSON.stringify(doc));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('waivers', () => {
  it('marks matching findings waived, reports expired and unused waivers, and keeps --fail-on honest', () => {
    const fp = doc.targets[0]!.findings.find((f) => f.checkId === 'lifecycle')!.fingerprint;
    const w = applyWaivers(doc, [
      { fingerprint: fp, reason: 'replacement scheduled', owner: 'ops', expires: '2027-01-31' },
      { check: 'proxylogon', target: 'ex13.contoso.test', reason: 'isolated lab', expires: '2020-01-01' },
      { check: 'amsi', target: 'nobody', reason: 'none' },
    ], AS_OF);
    expect(w.targets[0]!.findings.find((f) => f.fingerprint === fp)!.waived).toMatchObject({ owner: 'ops' });
    expect(w.targets[0]!.findings.find((f) => f.checkId === 'proxylogon')!.waived).toBeUndefined();
    expect(w.waivers!.map((x) => x.state)).toEqual(['applied', 'expired', 'unused']);
    expect(w.summary.waived).toBe(1);
  });
  it('rejects a malformed waivers file with file and field', () => {
    const f = join(dir, 'w.yaml');
    writeFileSync(f, '- check: lifecycle\n  reason: accepted risk\n  expires: tomorrow\n');
    expect(() => loadWaivers(f)).toThrow(InputError);
    try { loadWaivers(f); } catch (e) { expect((e as InputError).message).toMatch(/w\.yaml: 0\.expires: expected YYYY-MM-DD/); }
  });
});

describe('directive evidence', () => {
  it('derives each action\'s status per server from the mapped checks', () => {
    const rows = directiveStatus(doc, DIRECTIVES['ed-21-02']!);
    const pl = rows.filter((r) => /March 2021/.test(r.action));
    expect(pl.map((r) => r.status)).toEqual(['not met', 'met', 'not assessed']);
    expect(rows.some((r) => r.status === 'needs attestation')).toBe(true);
  });
  it('the HTML is self-contained: CSP, no external URLs loaded, escaped text, embedded result', () => {
    const html = toHtml(doc, { directive: 'ed-21-02' });
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/);
    expect(html).not.toMatch(/<(link|img|script)[^>]+(src|href)=/i);
    expect(html).toMatch(/id="exaudit-result">\{/);
    expect(html).not.toMatch(/exaudit-result">[^]*<\/h1>/); // no markup inside the embedded JSON
  });
});

describe('report and verify', () => {
  it('writes an evidence directory that verifies, and names any changed, missing or extra file', () => {
    const out = join(dir, 'evidence');
    const r = runCli(['report', resultFile, '--directive', 'ed-21-02', '--evidence', '--output', out, '--fail-on', 'none']);
    expect(r.code).toBe(3); // one server was unreachable and nothing reached --fail-on
    expect(runCli(['verify', out]).code).toBe(0);
    appendFileSync(join(out, 'exaudit.md'), ' ');
    const changed = runCli(['verify', out]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/changed {2}exaudit\.md/);
    unlinkSync(join(out, 'exaudit.html'));
    writeFileSync(join(out, 'extra.txt'), 'x');
    const more = runCli(['verify', out]).stdout;
    expect(more).toMatch(/missing {2}exaudit\.html/);
    expect(more).toMatch(/extra {4}extra\.txt/);
    expect(runCli(['verify', dir]).code).toBe(2);
  });
  it('renders a saved result in another format and rejects a file that is not a result', () => {
    const s = runCli(['report', resultFile, '--format', 'sarif', '--fail-on', 'none']);
    expect(JSON.parse(s.stdout).version).toBe('2.1.0');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const r = runCli(['report', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: .*not an exaudit result document/);
  });
  it('merges shards', () => {
    const m = runCli(['report', resultFile, resultFile, '--merge', '--format', 'json', '--fail-on', 'none']);
    expect(JSON.parse(m.stdout).targets).toHaveLength(6);
  });
});

describe('HTML in a real browser', () => {
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => { try { readFileSync(p); return true; } catch { return false; } });
  it.skipIf(!chromium)('renders in headless Chromium without console errors and shows the findings', () => {
    const file = join(dir, 'r.html');
    writeFileSync(file, toHtml(doc, { directive: 'ed-21-02' }));
    const png = join(dir, 'r.png');
    const dom = spawnSync(chromium!, ['--headless=new', '--no-sandbox', '--disable-gpu', '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 60_000 });
    expect(dom.stdout).toMatch(/ex13\.contoso\.test/);
    expect(dom.stdout).toMatch(/not met/);
    expect(dom.stderr).not.toMatch(/CONSOLE.*(error|Refused)/i);
    spawnSync(chromium!, ['--headless=new', '--no-sandbox', '--disable-gpu', `--screenshot=${png}`, '--window-size=1200,900', `file://${file}`], { timeout: 60_000 });
    expect(readFileSync(png).length).toBeGreaterThan(10_000);
  });
  if (!chromium) console.warn('WARNING: chromium is not installed; the HTML browser test is skipped (.ci/run installs it)');
});
