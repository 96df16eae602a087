import { describe, expect, it } from 'vitest';
import { assess, fingerprint, runChecks } from '../../src/engine/run.js';
import { defineCheck } from '../../src/contract.js';
import { loadChecks } from '../../src/engine/loader.js';
import type { Facts } from '../../src/facts/schema.js';
import { cat, facts, AS_OF } from '../checks/_facts.js';
import { expectValidResult } from './_result-schema.js';

const boom = defineCheck({
  meta: { id: 'boom', title: 'Always throws', severity: 'high', requires: [] },
  evaluate: () => {
    throw new Error('kaput');
  },
});
const needsIis = defineCheck({
  meta: { id: 'needs-iis', title: 'Needs IIS', severity: 'medium', requires: ['iis.virtualDirectories'] },
  evaluate: () => [{ status: 'pass', code: 'ok', message: 'fine' }],
});
/** Throws only for one server's facts: the failure must stay with that check on that target. */
const picky = defineCheck({
  meta: { id: 'picky', title: 'Throws on ex-bad', severity: 'low', requires: ['exchange'] },
  evaluate: (f: Facts) => {
    if (f.target.name === 'ex-bad') throw new TypeError('unexpected shape');
    return [{ status: 'pass', code: 'ok', message: 'fine' }];
  },
});

describe('engine', () => {
  it('a throwing check gives error for that check only; missing facts give indeterminate/missing-facts, never pass', async () => {
    const checks = [boom, needsIis, ...(await loadChecks())];
    const f = runChecks(facts('15.2.1544.14'), cat(), checks, { asOf: AS_OF });
    expect(f.find((x) => x.checkId === 'boom')).toMatchObject({
      status: 'error',
      code: 'check-error',
      message: expect.stringMatching(/kaput/),
    });
    expect(f.filter((x) => x.checkId === 'needs-iis')).toMatchObject([
      { status: 'indeterminate', code: 'missing-facts', evidence: [{ fact: 'iis.virtualDirectories' }] },
    ]);
    expect(f.some((x) => x.checkId === 'lifecycle' && x.status !== 'error')).toBe(true);
  });

  it('a check that throws for one target errors for that check and target only', async () => {
    const checks = [picky, ...(await loadChecks())];
    const doc = assess(
      [
        { target: 'ex-bad', facts: { ...facts('15.2.1544.14'), target: { name: 'ex-bad' } } },
        { target: 'ex-good', facts: { ...facts('15.2.1544.14'), target: { name: 'ex-good' } } },
      ],
      { catalog: cat(), checks, command: 'audit', startedAt: 't0', finishedAt: 't1', asOf: AS_OF },
    );
    expectValidResult(doc);
    const [bad, good] = doc.targets;
    expect(bad!.findings.filter((x) => x.status === 'error').map((x) => x.checkId)).toEqual(['picky']);
    expect(bad!.findings.find((x) => x.checkId === 'picky')!.message).toMatch(/unexpected shape/);
    expect(good!.findings.find((x) => x.checkId === 'picky')).toMatchObject({ status: 'pass' });
    // Everything else is the same on both servers.
    const rest = (t: typeof bad) =>
      t!.findings.filter((x) => x.checkId !== 'picky').map((x) => [x.checkId, x.status, x.code]);
    expect(rest(bad)).toEqual(rest(good));
    expect(doc.summary.byStatus['error']).toBe(1);
  });

  it('with no exchange group every check is indeterminate/missing-facts', async () => {
    const f = runChecks({ target: { name: 'bare' } }, cat(), await loadChecks(), { asOf: AS_OF });
    expect(f.length).toBeGreaterThanOrEqual(14);
    for (const x of f) expect(x, x.checkId).toMatchObject({ status: 'indeterminate', code: 'missing-facts' });
  });

  it('is deterministic: same input, same findings, order and fingerprints, whatever the clock or key order', async () => {
    const checks = await loadChecks();
    const opts = { catalog: cat(), checks, command: 'audit', startedAt: 't0', finishedAt: 't1', asOf: AS_OF };
    const a = assess([{ target: 'ex01', facts: facts('15.0.1497.2') }], opts);
    const b = assess([{ target: 'ex01', facts: facts('15.0.1497.2') }], opts);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expectValidResult(a);
    const fps = a.targets[0]!.findings.map((x) => x.fingerprint);
    expect(new Set(fps).size).toBe(fps.length);
    // Another run later, with the facts' keys in another order: same findings, same fingerprints, same digest.
    const shuffled = JSON.parse(
      JSON.stringify(
        facts('15.0.1497.2'),
        Object.keys({ exchange: 1, target: 1, precision: 1, source: 1, build: 1, name: 1 }),
      ),
    ) as Facts;
    const c = assess([{ target: 'ex01', facts: shuffled }], {
      ...opts,
      startedAt: '2030-01-01T00:00:00Z',
      finishedAt: '2030-01-01T00:00:09Z',
    });
    expect(c.targets[0]!.findings.map((x) => x.fingerprint)).toEqual(fps);
    expect(c.targets[0]!.factsDigest).toBe(a.targets[0]!.factsDigest);
    // Fingerprints do not depend on the build or the host name's case: the same finding keeps its identity.
    expect(fingerprint('cve-exposure', 'EX01', 'cve-open', 'CVE-2021-26855')).toBe(
      fingerprint('cve-exposure', 'ex01', 'cve-open', 'CVE-2021-26855'),
    );
    const newer = assess([{ target: 'ex01', facts: facts('15.0.1497.12') }], opts).targets[0]!.findings;
    const older = a.targets[0]!.findings;
    const fp = (list: typeof older, key: string) =>
      list.find((x) => x.checkId === 'cve-exposure' && x.cves.includes(key) && x.code === 'cve-open')?.fingerprint;
    expect(fp(older, 'CVE-2021-28480')).toMatch(/^[0-9a-f]{32}$/);
    expect(fp(newer, 'CVE-2021-28480')).toBe(fp(older, 'CVE-2021-28480'));
  });

  it('every finding carries every field of the result document, remediation included (null when nothing to do)', async () => {
    const doc = assess(
      [
        { target: 'ex01', facts: facts('15.2.2562.46') },
        { target: 'ex13', facts: facts('15.0.1497.2') },
      ],
      { catalog: cat(), checks: await loadChecks(), command: 'audit', startedAt: 't0', finishedAt: 't1', asOf: AS_OF },
    );
    expectValidResult(doc);
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining(['tool', 'catalog', 'startedAt', 'finishedAt', 'targets', 'summary']),
    );
    expect(doc.tool).toMatchObject({ name: 'exaudit', version: expect.any(String) });
    expect(doc.catalog).toMatchObject({
      version: expect.any(String),
      date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    for (const t of doc.targets) {
      expect(Object.keys(t)).toEqual(expect.arrayContaining(['target', 'status', 'facts', 'findings']));
      for (const f of t.findings) {
        expect(Object.keys(f).sort()).toEqual([
          'checkId',
          'code',
          'cves',
          'evidence',
          'fingerprint',
          'message',
          'references',
          'remediation',
          'severity',
          'status',
          'title',
        ]);
        if (f.status === 'fail') expect(f.remediation, `${f.checkId}/${f.code}`).toEqual(expect.any(String));
      }
    }
    expect(doc.summary.findings).toBe(doc.targets.reduce((n, t) => n + t.findings.length, 0));
  });

  it('an unreachable target is reported with its reason and the others are still assessed', async () => {
    const doc = assess(
      [
        { target: 'down', failure: { status: 'unreachable', error: 'connect ECONNREFUSED 127.0.0.1:1' } },
        { target: 'ex01', facts: facts('15.2.2562.46') },
      ],
      { catalog: cat(), checks: await loadChecks(), command: 'scan', startedAt: 't', asOf: AS_OF },
    );
    expectValidResult(doc);
    expect(doc.targets.map((t) => t.status)).toEqual(['unreachable', 'assessed']);
    expect(doc.targets[0]).toMatchObject({ error: 'connect ECONNREFUSED 127.0.0.1:1', findings: [] });
    expect(doc.summary.targetsByStatus).toMatchObject({ unreachable: 1, assessed: 1 });
  });

  it('a target is partial for a fact the server did not give, not for one that lives in the tenant', async () => {
    const checks = await loadChecks();
    const tenant = { group: 'hybrid.firstPartySpKeyCredentials', reason: 'in the Microsoft Entra tenant' };
    const server = { group: 'iis.virtualDirectories', reason: 'the WebAdministration module is not loaded' };
    const statusOf = (notCollected: { group: string; reason: string }[]) =>
      assess([{ target: 'ex01', facts: { ...facts('15.2.1748.53'), notCollected } }], {
        catalog: cat(),
        checks,
        command: 'audit',
        startedAt: 't0',
        finishedAt: 't1',
        asOf: AS_OF,
      }).targets[0]!.status;
    expect(statusOf([])).toBe('assessed');
    expect(statusOf([tenant])).toBe('assessed');
    expect(statusOf([tenant, server])).toBe('partial');
  });
});
