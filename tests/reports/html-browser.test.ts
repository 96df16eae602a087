/**
 * The HTML evidence report in a real browser (Debian's chromium, installed by .ci/run): it loads nothing from
 * the network, logs no console error, and what a person sees (the screenshot, read back with tesseract OCR,
 * also installed by .ci/run) names every server, the directive's statuses and each failing finding.
 * Control pages prove the harness sees a network request, a console error and a CSP violation when there is one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assess } from '../../src/engine/run.js';
import { judgeDirectives } from '../../src/engine/directives.js';
import { runCliAsync } from '../helpers/cli.js';
import { loadChecks, selectChecks } from '../../src/engine/loader.js';
import type { ResultDocument } from '../../src/contract.js';
import { toHtml } from '../../reports/html.js';
import { cat, facts, AS_OF } from '../checks/_facts.js';
import { CHROMIUM, visit, type PageVisit } from './chromium.js';

const TESSERACT = spawnSync('tesseract', ['--version'], { encoding: 'utf8' }).status === 0;
if (!CHROMIUM)
  console.warn('WARNING: chromium is not installed; the HTML browser tests are skipped (.ci/run installs it)');
if (!TESSERACT)
  console.warn(
    'WARNING: tesseract is not installed; the screenshot text test is skipped (.ci/run installs tesseract-ocr)',
  );

/** Lower-case letters and digits only: OCR keeps the characters, not the punctuation or line breaks. */
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const words = (s: string) =>
  new Set(
    s
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length >= 4),
  );

/** Text of a screenshot; psm 4 reads a table row by row (one line per visual line) instead of column by column. */
function ocr(png: Buffer, dir: string, name: string, psm = '3'): string {
  const file = join(dir, `${name}.png`);
  writeFileSync(file, png);
  const r = spawnSync('tesseract', [file, 'stdout', '--psm', psm], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

let dir: string;
let doc: ResultDocument;
let page: PageVisit;
let demoPage: PageVisit;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exaudit-html-'));
  const checks = selectChecks(await loadChecks(), ['exchange-build', 'lifecycle', 'proxylogon', 'amsi'], undefined);
  doc = assess(
    [
      { target: 'mercury.example.test', facts: { ...facts('15.0.1497.2'), collectedAt: '2026-11-24T10:00:00Z' } },
      { target: 'venus.example.test', facts: { ...facts('15.2.2562.46'), collectedAt: '2026-11-24T10:05:00Z' } },
      { target: 'pluto.example.test', failure: { status: 'unreachable', error: 'connect ECONNREFUSED' } },
    ],
    {
      catalog: cat(),
      checks,
      command: 'audit',
      startedAt: '2026-11-25T00:00:00Z',
      finishedAt: '2026-11-25T00:00:02Z',
      asOf: AS_OF,
    },
  );
  doc = { ...doc, directives: judgeDirectives(doc, [cat().directive('ed-21-02')!], cat(), AS_OF) };
  if (!CHROMIUM) return;
  const file = join(dir, 'report.html');
  writeFileSync(file, toHtml(doc));
  page = await visit(pathToFileURL(file).href, {
    width: 1400,
    clipIds: ['overview', 'directive-ed-21-02', 'server-mercury.example.test'],
  });
  // The demo's 18 servers, as `exaudit demo` writes them.
  const demo = join(dir, 'demo');
  const r = await runCliAsync(['demo', '--output', demo, '--quiet', '--as-of', AS_OF]);
  expect(r.code, r.stderr).toBe(1);
  demoPage = await visit(pathToFileURL(join(demo, 'exaudit.html')).href, { width: 1400, height: 900 });
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!CHROMIUM)('HTML report in headless Chromium', () => {
  it('makes no network request and logs no console error, exception or CSP violation', () => {
    const self = pathToFileURL(join(dir, 'report.html')).href;
    expect(page.requests.filter((u) => u !== self)).toEqual([]);
    expect(page.blocked).toEqual([]);
    expect(page.console.filter((c) => c.level === 'error' || c.level === 'assert')).toEqual([]);
    expect(page.log.filter((l) => l.level === 'error')).toEqual([]);
    expect(page.exceptions).toEqual([]);
  });

  it('prints: print styles render and Chromium makes a PDF of it', () => {
    expect(page.print.subarray(1, 4).toString()).toBe('PNG');
    expect(page.pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(page.pdf.length).toBeGreaterThan(10_000);
  });

  it('the harness does see requests, console errors and CSP violations (control pages)', async () => {
    const open = join(dir, 'control-open.html');
    writeFileSync(
      open,
      '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/pixel.png"><script>console.error("control-error")</script></body></html>',
    );
    const v = await visit(pathToFileURL(open).href);
    expect(v.requests).toContain('http://127.0.0.1:9/pixel.png');
    expect(v.console).toContainEqual({ level: 'error', text: 'control-error' });
    const locked = join(dir, 'control-csp.html');
    writeFileSync(locked, toHtml(doc, {}).replace('<body>', '<body><img src="http://127.0.0.1:9/blocked.png">'));
    const w = await visit(pathToFileURL(locked).href);
    // The attempt is recorded, and the CSP stopped it before anything left the browser.
    expect(w.blocked).toContainEqual({ url: 'http://127.0.0.1:9/blocked.png', reason: 'csp' });
    expect(w.log.some((l) => l.level === 'error' && /Content Security Policy/i.test(l.text))).toBe(true);
  }, 120_000);

  it('fits a 1,400 px window without scrolling sideways, and the 18-server demo is at most 20 screens tall', () => {
    for (const p of [page, demoPage]) expect(p.layout.scrollWidth).toBeLessThanOrEqual(p.layout.clientWidth);
    expect(demoPage.layout.clientWidth).toBe(1400);
    expect(demoPage.layout.scrollHeight).toBeGreaterThan(demoPage.layout.viewportHeight); // measured, not empty
    expect(demoPage.layout.scrollHeight / demoPage.layout.viewportHeight).toBeLessThanOrEqual(20);
    expect(demoPage.pdf.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it.skipIf(!TESSERACT)(
    "the screenshot shows the overview first, each action's status, and in print every failing finding (OCR)",
    () => {
      for (const media of ['screen', 'print'] as const) {
        // The overview: one row per server with its verdict (on screen on one line; printed, names may wrap).
        const text = ocr(page.clips['overview']![media], dir, `overview-${media}`, '4');
        const lines = text.split('\n').map(norm);
        const lineOf = (target: string) => lines.find((l) => l.includes(norm(target))) ?? `(no line names ${target})`;
        if (media === 'screen') {
          expect(lineOf('mercury.example.test'), text).toMatch(/^mercuryexampletestfail/);
          expect(lineOf('venus.example.test'), text).toMatch(/^venusexampletest(pass|indeterminate|fail)/);
          expect(lineOf('pluto.example.test'), text).toMatch(/^plutoexampletestnotassessed/);
        } else
          for (const w of ['mercury', 'venus', 'pluto', 'failcritical', 'notassessed'])
            expect(norm(text), w).toContain(w);
        // The directive's actions with the servers per status.
        const actions = norm(ocr(page.clips['directive-ed-21-02']![media], dir, `actions-${media}`));
        for (const w of ['met', 'notmet', 'notassessed', 'needsattestation', 'needsevidence'])
          expect(actions, `${media}: ${w}`).toContain(w);
        expect(actions).toContain(norm("Apply Microsoft's March 2021 security updates"));
        expect(actions).toContain(norm('connect ECONNREFUSED'));
      }
      // On screen a server's details are one summary line; printed, they are all there.
      const screen = norm(ocr(page.clips['server-mercury.example.test']!.screen, dir, 'mercury-screen'));
      expect(screen).toContain(norm('mercury.example.test'));
      const seen = ocr(page.clips['server-mercury.example.test']!.print, dir, 'mercury-print');
      const seenWords = words(seen);
      const mercury = doc.targets.find((t) => t.target === 'mercury.example.test')!;
      const fails = mercury.findings.filter((f) => f.status === 'fail' && f.checkId !== 'security-updates');
      expect(fails.length).toBeGreaterThan(0);
      for (const f of fails) {
        // Table cells wrap, so compare words: nearly every word of the message must be on the page.
        const want = [...words(f.message)];
        const missing = want.filter((w) => !seenWords.has(w));
        expect(1 - missing.length / want.length, `"${f.message}" lacks ${missing.join(', ')}`).toBeGreaterThanOrEqual(
          0.8,
        );
      }
    },
    300_000,
  );
});
