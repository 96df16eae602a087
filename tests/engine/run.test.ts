import { describe, expect, it } from 'vitest';
import { assess, fingerprint, runChecks } from '../../src/engine/run.js';
import { defineCheck } from '../../src/engine/check.js';
import { ResultDocument } from '../../src/engine/result.js';
import { loadChecks } from '../../src/engine/loader.js';
import { cat, facts, AS_OF } from '../checks/_facts.js';

const boom = defineCheck({ meta: { id: 'boom', title: 'Always throws', severity: 'high', requires: [] }, evaluate: () => { throw new Error('kaput'); } });
const needsIis = defineCheck({ meta: { id: 'needs-iis', title: 'Needs IIS', severity: 'medium', requires: ['iis.virtualDirectories'] }, evaluate: () => [{ status: 'pass', code: 'ok', message: 'fine' }] });

describe('engine', () => {
  it('a throwing check gives error for that check only; missing facts give indeterminate/missing-facts, never pass', async () => {
    const checks = [boom, needsIis, ...(await loadChecks())];
    const f = runChecks(facts('15.2.1544.14'), cat(), checks, { asOf: AS_OF });
    expect(f.find((x) => x.checkId === 'boom')).toMatchObject({ status: 'error', code: 'check-error', message: expect.stringMatching(/kaput/) });
    expect(f.find((x) => x.checkId === 'needs-iis')).toMatchObject({ status: 'indeterminate', code: 'missing-facts' });
    expect(f.some((x) => x.checkId === 'lifecycle')).toBe(true);
  });

  it('is deterministic: same input, same findings, order and fingerprints', async () => {
    const checks = await loadChecks();
    const opts = { catalog: cat(), checks, command: 'audit', startedAt: 't0', finishedAt: 't1', asOf: AS_OF };
    const a = assess([{ target: 'ex01', facts: facts('15.0.1497.2') }], opts);
    const b = assess([{ target: 'ex01', facts: facts('15.0.1497.2') }], opts);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(ResultDocument.safeParse(a).success).toBe(true);
    const fps = a.targets[0]!.findings.map((x) => x.fingerprint);
    expect(new Set(fps).size).toBe(fps.length);
    // Fingerprints do not depend on the build: the same finding on a newer build keeps its identity.
    expect(fingerprint('cve-exposure', 'EX01', 'cve-open', 'CVE-2021-26855')).toBe(fingerprint('cve-exposure', 'ex01', 'cve-open', 'CVE-2021-26855'));
  });

  it('an unreachable target is reported with its reason and the others are still assessed', async () => {
    const doc = assess([
      { target: 'down', failure: { status: 'unreachable', error: 'connect ECONNREFUSED 127.0.0.1:1' } },
      { target: 'ex01', facts: facts('15.2.2562.46') },
    ], { catalog: cat(), checks: await loadChecks(), command: 'scan', startedAt: 't', asOf: AS_OF });
    expect(doc.targets.map((t) => t.status)).toEqual(['unreachable', 'assessed']);
    expect(doc.summary.targetsByStatus).toMatchObject({ unreachable: 1, assessed: 1 });
  });
});
