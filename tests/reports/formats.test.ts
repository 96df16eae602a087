import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { assess } from '../../src/engine/run.js';
import { loadChecks } from '../../src/engine/loader.js';
import type { ResultDocument } from '../../src/engine/result.js';
import { toSarif } from '../../reports/sarif.js';
import { toJunit } from '../../reports/junit.js';
import { csvCell, toCsv } from '../../reports/csv.js';
import { cat, facts, AS_OF } from '../checks/_facts.js';

let doc: ResultDocument;
beforeAll(async () => {
  const f = facts('15.0.1497.2');
  f.target.inventoryFile = 'inventory/exchange.yaml';
  f.target.inventoryLine = 12;
  doc = assess([
    { target: 'ex2013.contoso.test', facts: f },
    { target: 'ex-cu.contoso.test', facts: facts('15.2.1544', {}, 'cu') },
    { target: 'down.contoso.test', failure: { status: 'unreachable', error: 'connect ECONNREFUSED' } },
  ], { catalog: cat(), checks: await loadChecks(), command: 'audit', startedAt: '2026-11-25T00:00:00Z', finishedAt: '2026-11-25T00:00:01Z', asOf: AS_OF });
});

describe('SARIF', () => {
  it('follows the GitHub ingestion rules: rules once, valid indexes and levels, a location on every result', () => {
    const s = toSarif(doc) as { version: string; runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } }; logicalLocations: { name: string }[] }[]; partialFingerprints: Record<string, string> }[] }[] };
    expect(s.version).toBe('2.1.0');
    const run = s.runs[0]!;
    const ids = run.tool.driver.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(run.results.length).toBeGreaterThan(10);
    for (const r of run.results) {
      expect(ids[r.ruleIndex]).toBe(r.ruleId);
      expect(['error', 'warning', 'note']).toContain(r.level);
      const loc = r.locations[0]!;
      expect(loc.physicalLocation.artifactLocation.uri).not.toMatch(/^[a-z]+:/i);
      expect(loc.physicalLocation.artifactLocation.uri.length).toBeGreaterThan(0);
      expect(r.partialFingerprints['exauditFinding/v1']).toMatch(/^[0-9a-f]{32}$/);
    }
    const pl = run.results.find((r) => r.ruleId === 'cve-exposure/CVE-2021-26855')!;
    expect(pl.level).toBe('error');
    expect(pl.locations[0]!.physicalLocation).toMatchObject({ artifactLocation: { uri: 'inventory/exchange.yaml' }, region: { startLine: 12 } });
    expect(pl.locations[0]!.logicalLocations[0]!.name).toBe('ex2013.contoso.test');
    expect(run.results.some((r) => r.ruleId.startsWith('cve-exposure/') && r.level === 'note')).toBe(true); // CU-level indeterminate
  });
});

describe('JUnit', () => {
  it('parses back with a suite per server and counts that match the findings', () => {
    const x = new XMLParser({ ignoreAttributes: false }).parse(toJunit(doc));
    const suites = x.testsuites.testsuite as { '@_name': string; '@_failures': string; '@_errors': string; testcase: unknown[] | unknown }[];
    expect(suites.map((s) => s['@_name'])).toEqual(['ex2013.contoso.test', 'ex-cu.contoso.test', 'down.contoso.test']);
    const fails = doc.targets[0]!.findings.filter((f) => f.status === 'fail').length;
    expect(Number(suites[0]!['@_failures'])).toBe(fails);
    expect(Number(suites[2]!['@_errors'])).toBe(1);
    expect(Number(x.testsuites['@_tests'])).toBe(doc.targets.reduce((n, t) => n + t.findings.length, 0) + 1);
  });
});

describe('CSV', () => {
  it('neutralises formulas and quotes per RFC 4180', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('\x1b[31mred\x1b[0m')).toBe('red');
  });
  it('writes one CRLF row per finding plus unassessed targets', () => {
    const text = toCsv(doc);
    const rows = text.split('\r\n').filter(Boolean);
    expect(rows[0]).toMatch(/^target,checkId,status,severity/);
    expect(rows.length).toBe(1 + doc.targets.reduce((n, t) => n + Math.max(1, t.findings.length), 0));
    expect(text).toMatch(/down\.contoso\.test,,unreachable/);
  });
});

describe('SARIF against the official 2.1.0 schema', () => {
  it('validates with ajv', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const Ajv = (await import('ajv')).default;
    const addFormats = (await import('ajv-formats')).default as unknown as (a: unknown) => void;
    // The schema is draft-04; ajv 8 reads it once the draft-04 "id" is spelled "$id" and its $schema is dropped.
    const { id, $schema: _draft, ...rest } = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/sarif/sarif-2.1.0-rtm.5.json'), 'utf8'));
    const schema = { $id: id, ...rest };
    // unicodeRegExp off: the schema's language pattern has a stray ']' that only non-unicode regexes accept.
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const ok = validate(JSON.parse(JSON.stringify(toSarif(doc))));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // and it would catch a bad level
    const bad = toSarif(doc) as { runs: { results: { level: string }[] }[] };
    bad.runs[0]!.results[0]!.level = 'bogus';
    expect(validate(bad)).toBe(false);
  });
});
