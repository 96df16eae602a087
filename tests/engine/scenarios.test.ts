/**
 * Table tests of the engine: every fixtures/scenarios/<name>/{facts,expected}.json through the facts loader's
 * validation and assess(). expected.json lists findings that must be present and ones that must be absent (both
 * non-empty), and may set asOf (the reference date the scenario is judged on; default the suite's date).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assess } from '../../src/engine/run.js';
import { loadChecks } from '../../src/engine/loader.js';
import type { Finding } from '../../src/contract.js';
import { parseFacts } from '../../src/facts/validate.js';
import { cat, AS_OF } from '../checks/_facts.js';
import { expectValidResult } from './_result-schema.js';

interface Want {
  checkId: string;
  status?: string;
  code?: string;
  cves?: string[];
  cve?: string;
}
interface Expected {
  description?: string;
  asOf?: string;
  present: Want[];
  absent: Want[];
}
const DIR = join(import.meta.dirname, '../../fixtures/scenarios');
const scenarios = readdirSync(DIR).sort();

const matches = (f: Finding, w: Want) =>
  f.checkId === w.checkId &&
  (!w.status || f.status === w.status) &&
  (!w.code || f.code === w.code) &&
  (!w.cves || w.cves.every((c) => f.cves.includes(c))) &&
  (!w.cve || f.cves.includes(w.cve));

describe('scenarios', () => {
  it('there are at least 15', () => expect(scenarios.length).toBeGreaterThanOrEqual(15));
  for (const name of scenarios) {
    it(name, async () => {
      const facts = parseFacts(JSON.parse(readFileSync(join(DIR, name, 'facts.json'), 'utf8')), name);
      const expected = JSON.parse(readFileSync(join(DIR, name, 'expected.json'), 'utf8')) as Expected;
      expect(expected.present.length, 'expected.json lists present findings').toBeGreaterThan(0);
      expect(expected.absent.length, 'expected.json lists absent findings').toBeGreaterThan(0);
      const checks = await loadChecks();
      for (const w of [...expected.present, ...expected.absent])
        expect(
          checks.map((c) => c.meta.id),
          `unknown checkId in ${JSON.stringify(w)}`,
        ).toContain(w.checkId);
      const doc = assess([{ target: facts.target.name, facts }], {
        catalog: cat(),
        checks,
        command: 'audit',
        startedAt: 't',
        asOf: expected.asOf ?? AS_OF,
      });
      expectValidResult(doc);
      const findings = doc.targets[0]!.findings;
      const fps = findings.map((f) => f.fingerprint);
      expect(new Set(fps).size, 'fingerprints are unique within a server').toBe(fps.length);
      for (const w of expected.present)
        expect(
          findings.some((f) => matches(f, w)),
          `present ${JSON.stringify(w)}`,
        ).toBe(true);
      for (const w of expected.absent)
        expect(
          findings.some((f) => matches(f, w)),
          `absent ${JSON.stringify(w)}`,
        ).toBe(false);
    });
  }
});
