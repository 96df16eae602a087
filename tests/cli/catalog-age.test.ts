/**
 * Never silently stale (issue 13.4): every command compares the catalog's date with --as-of (today by default),
 * warns once on stderr when the catalog predates the latest Patch Tuesday by more than a week, fails with exit 3
 * past --max-catalog-age, and the result document and every report carry the catalog's date and age.
 * The suite turns the warning off (vitest.config.ts); these tests turn it back on.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { loadCatalog } from '../../src/catalog/catalog.js';
import { catalogAge } from '../../src/catalog/age.js';
import { PROJECT_ROOT } from '../../src/util/tool.js';

const WARN = { env: { EXAUDIT_CATALOG_WARNING: '' } };
const FACTS = join(PROJECT_ROOT, 'fixtures', 'scenarios');
const meta = loadCatalog().meta;
/** A date the shipped catalog is stale on, and one it is current on (whatever its date). */
const shift = (days: number) => new Date(Date.parse(meta.date) + days * 86_400_000).toISOString().slice(0, 10);
const STALE_ON = shift(70);
const CURRENT_ON = shift(1);
const warnings = (r: CliResult) => r.stderr.split('\n').filter((l) => l.startsWith('exaudit: warning: catalog'));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'exaudit-age-'));
  expect(catalogAge(meta.date, STALE_ON).stale).toBe(true);
  expect(catalogAge(meta.date, CURRENT_ON).stale).toBe(false);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the staleness warning', () => {
  it('is printed once, with the catalog date and how to update, whatever the number of inputs', () => {
    const r = runCli(['build', '15.2.1544.14', '15.2.986.5', '--as-of', STALE_ON], WARN);
    expect(r.code).toBe(0);
    const w = warnings(r);
    expect(w).toHaveLength(1);
    expect(w[0]).toContain(`dated ${meta.date}, 70 days before ${STALE_ON}`);
    expect(w[0]).toMatch(/predates the Patch Tuesday of \d{4}-\d\d-\d\d/);
    expect(w[0]).toContain('--rules DIR');
    expect(w[0]).toContain('"Updating the catalog"');
  });

  it('is printed once by a fleet audit, and by rules and ioc', () => {
    const audit = runCli(
      ['audit', '--facts', FACTS, '--format', 'json', '--fail-on', 'none', '--as-of', STALE_ON],
      WARN,
    );
    expect(warnings(audit)).toHaveLength(1);
    expect(warnings(runCli(['rules', 'list', 'updates', '--as-of', STALE_ON], WARN))).toHaveLength(1);
    const ioc = runCli(['ioc', join(PROJECT_ROOT, 'fixtures', 'logs'), '--fail-on', 'none', '--as-of', STALE_ON], WARN);
    expect(warnings(ioc)).toHaveLength(1);
  });

  it('is not printed for a current catalog, nor with EXAUDIT_CATALOG_WARNING=off', () => {
    expect(warnings(runCli(['build', '15.2.1544.14', '--as-of', CURRENT_ON], WARN))).toEqual([]);
    const off = runCli(['build', '15.2.1544.14', '--as-of', STALE_ON], { env: { EXAUDIT_CATALOG_WARNING: 'off' } });
    expect(warnings(off)).toEqual([]);
  });
});

describe('--max-catalog-age', () => {
  it('fails with exit 3 and one line on an older catalog', () => {
    const r = runCli(['build', '15.2.1544.14', '--as-of', STALE_ON, '--max-catalog-age', '30']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(
      `exaudit: catalog ${meta.version} is dated ${meta.date}, 70 days before ${STALE_ON}: older than --max-catalog-age 30`,
    );
  });

  it('passes a catalog within the limit (the age, not staleness, decides)', () => {
    expect(runCli(['build', '15.2.1544.14', '--as-of', STALE_ON, '--max-catalog-age', '70']).code).toBe(0);
  });

  it('stops an audit before any output is written', () => {
    const out = join(dir, 'never.json');
    const r = runCli([
      'audit',
      '--facts',
      FACTS,
      '--format',
      'json',
      '-o',
      out,
      '--as-of',
      STALE_ON,
      '--max-catalog-age',
      '7',
    ]);
    expect(r.code).toBe(3);
    expect(() => readFileSync(out)).toThrow();
  });

  it('refuses a value that is not a number of days', () => {
    const r = runCli(['build', '15.2.1544.14', '--max-catalog-age', '-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-catalog-age.*whole number of days/);
  });
});

describe('the catalog age in the result and every report', () => {
  const audit = (format: string) =>
    runCli(['audit', '--facts', FACTS, '--format', format, '--fail-on', 'none', '--as-of', STALE_ON]);

  it('JSON: catalog.date, asOf, ageDays and stale', () => {
    const doc = JSON.parse(audit('json').stdout);
    expect(doc.catalog).toMatchObject({ date: meta.date, asOf: STALE_ON, ageDays: 70, stale: true });
    const current = JSON.parse(
      runCli(['audit', '--facts', FACTS, '--format', 'json', '--fail-on', 'none', '--as-of', CURRENT_ON]).stdout,
    );
    expect(current.catalog).toMatchObject({ ageDays: 1, stale: false });
  });

  it('SARIF: run properties', () => {
    const sarif = JSON.parse(audit('sarif').stdout);
    expect(sarif.runs[0].properties).toMatchObject({
      catalogVersion: meta.version,
      catalogDate: meta.date,
      catalogAgeDays: 70,
      catalogStale: true,
      asOf: STALE_ON,
    });
  });

  it('HTML and Markdown: a "Catalog age" line', () => {
    const text = `${meta.version} of ${meta.date}, 70 days old on ${STALE_ON}; STALE: it predates the latest Patch Tuesday`;
    expect(audit('markdown').stdout).toContain(`- Catalog age: ${text}`);
    expect(audit('html').stdout).toContain(`<dt>Catalog age</dt><dd>${text}`);
  });

  it('console: the first line', () => {
    const first = audit('console').stdout.split('\n')[0];
    expect(first).toBe(
      `exaudit audit · catalog ${meta.version} of ${meta.date}, 70 days old on ${STALE_ON}; STALE: it predates the latest Patch Tuesday, so updates released since are not judged`,
    );
  });
});
