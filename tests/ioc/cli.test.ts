/**
 * `exaudit ioc` as a user runs it: sweeps attributed to servers (--target, --targets-from-folders), their coverage
 * in the result (ioc.sweeps) kept by report --merge, unreadable inputs listed with their reason, the console ending
 * with the sweep's own totals, and --rules DIR honoured.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResultDocument } from '../../src/contract.js';
import { runCli } from '../helpers/cli.js';

const FIX = join(import.meta.dirname, '../../fixtures');
const TRIAGE = join(FIX, 'ioc-families/triage');
const tmp = mkdtempSync(join(tmpdir(), 'exaudit-ioc-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const json = (args: string[]) => {
  const c = runCli(['ioc', ...args, '--format', 'json', '--fail-on', 'none']);
  expect(c.code, c.stderr).toBe(0);
  return ResultDocument.parse(JSON.parse(c.stdout));
};

describe('attribution', () => {
  it('--targets-from-folders: one sweep per subfolder, every hit names its server, a clean server is swept and clean', () => {
    const doc = json([TRIAGE, '--targets-from-folders']);
    expect(doc.ioc!.sweeps).toEqual([
      { target: 'EX01', source: 'local', paths: [join(TRIAGE, 'EX01')], files: 4, lines: 3, hits: 6, unreadable: 0 },
      { target: 'EX02', source: 'local', paths: [join(TRIAGE, 'EX02')], files: 2, lines: 2, hits: 0, unreadable: 0 },
    ]);
    expect(new Set(doc.ioc!.hits.map((h) => h.target))).toEqual(new Set(['EX01']));
  });
  it('--target NAME names the server of local paths; it cannot be combined with --targets-from-folders', () => {
    const doc = json([join(TRIAGE, 'EX01'), '--target', 'ex01.contoso.test']);
    expect(doc.ioc!.hits.every((h) => h.target === 'ex01.contoso.test')).toBe(true);
    expect(doc.ioc!.sweeps).toMatchObject([{ target: 'ex01.contoso.test', source: 'local', hits: 6 }]);
    const both = runCli(['ioc', TRIAGE, '--target', 'x', '--targets-from-folders']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--target and --targets-from-folders/);
  });
  it('report --merge keeps every sweep and the hits’ servers', () => {
    for (const s of ['EX01', 'EX02']) {
      const c = runCli(['ioc', join(TRIAGE, s), '--target', s, '-f', 'json', '-o', join(tmp, `${s}.json`)]);
      expect([0, 1]).toContain(c.code);
    }
    const m = runCli([
      'report',
      join(tmp, 'EX01.json'),
      join(tmp, 'EX02.json'),
      '--merge',
      '--format',
      'json',
      '--fail-on',
      'none',
    ]);
    expect(m.code, m.stderr).toBe(0);
    const doc = ResultDocument.parse(JSON.parse(m.stdout));
    expect(doc.ioc!.sweeps!.map((w) => [w.target, w.files, w.hits])).toEqual([
      ['EX01', 4, 6],
      ['EX02', 2, 0],
    ]);
    expect(doc.ioc!.hits.every((h) => h.target === 'EX01')).toBe(true);
  });
});

describe('the console view', () => {
  it('leads with one row per server, lists unreadable inputs with their reason, and ends with the sweep totals', () => {
    const c = runCli(['ioc', TRIAGE, '--targets-from-folders', join(FIX, 'ioc-extra'), '--fail-on', 'none']);
    expect(c.code).toBe(2); // --targets-from-folders needs every path to hold server folders: ioc-extra has none
    const ok = runCli(['ioc', join(FIX, 'ioc-extra'), '--target', 'EX03', '--fail-on', 'none']);
    expect(ok.code).toBe(0);
    const lines = ok.stdout.trimEnd().split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}EX03 +local +\d+ +\d+ +\d+ +3$/));
    expect(lines).toContainEqual(
      '  UNREADABLE  ' +
        join(FIX, 'ioc-extra/triage-ex01.zip') +
        '!/listing/files-listing.txt: unsupported compression method: 12',
    );
    expect(lines.at(-1)).toMatch(
      /^Sweep: 9 files \([\d.]+ MiB\), \d+ lines from 1 server: {2}\d+ hits \(.*critical.*\) {2}3 unreadable/,
    );
    expect(ok.stdout).not.toMatch(/0 targets/);
  });
});

describe('--rules DIR', () => {
  it('sweeps with that catalog’s indicators only', () => {
    const rules = join(tmp, 'rules');
    cpSync(join(import.meta.dirname, '../../rules'), rules, { recursive: true });
    for (const f of readdirSync(join(rules, 'iocs'))) if (f !== 'paths.yaml') unlinkSync(join(rules, 'iocs', f));
    writeFileSync(join(tmp, 'note.txt'), 'x');
    const doc = json([join(TRIAGE, 'EX01'), '--rules', rules, '--no-yara']);
    expect(new Set(doc.ioc!.hits.map((h) => h.indicator))).toEqual(
      new Set(['lsass-dump', 'programdata-archive', 'page-in-aspnet-client']),
    );
  });
});
