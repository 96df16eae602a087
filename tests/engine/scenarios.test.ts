/** Table tests of the engine: every fixtures/scenarios/<name>/{facts,expected}.json through assess(). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assess } from '../../src/engine/run.js';
import { loadChecks } from '../../src/engine/loader.js';
import { ResultDocument, type Finding } from '../../src/engine/result.js';
import { parseFacts } from '../../src/facts/validate.js';
import { cat, AS_OF } from '../checks/_facts.js';

interface Want { checkId: string; status?: string; code?: string; cves?: string[]; cve?: string }
const DIR = join(import.meta.dirname, '../../fixtures/scenarios');
const scenarios = readdirSync(DIR).sort();

const matches = (f: Finding, w: Want) => f.checkId === w.checkId && (!w.status || f.status === w.status) && (!w.code || f.code === w.code)
  && (!w.cves || w.cves.every((c) => f.cves.includes(c))) && (!w.cve || f.cves.includes(w.cve));

describe('scenarios', () => {
  it('there are at least 15', () => expect(scenarios.length).toBeGreaterThanOrEqual(15));
  for (const name of scenarios) {
    it(name, async () => {
      const facts = parseFacts(JSON.parse(readFileSync(join(DIR, name, 'facts.json'), 'utf8')), name);
      const expected = JSON.parse(readFileSync(join(DIR, name, 'expected.json'), 'utf8')) as { present: Want[]; absent: Want[] };
      const doc = assess([{ target: facts.target.name, facts }], { catalog: cat(), checks: await loadChecks(), command: 'audit', startedAt: 't', asOf: AS_OF });
      expect(ResultDocument.safeParse(doc).success).toBe(true);
      const findings = doc.targets[0]!.findings;
      for (const w of expected.present) expect(findings.some((f) => matches(f, w)), `present ${JSON.stringify(w)}`).toBe(true);
      for (const w of expected.absent) expect(findings.some((f) => matches(f, w)), `absent ${JSON.stringify(w)}`).toBe(false);
    });
  }
});
