/**
 * Summary first: the one update that brings a server current (judged by the engine from the catalog), remediation
 * that names it instead of every SU, and human views that group a missing update with its CVEs while the JSON keeps
 * one finding per CVE.
 */
import { describe, expect, it } from 'vitest';
import { currentUpdate, buildInfoFromFacts } from '../../src/catalog/lookup.js';
import { assess } from '../../src/engine/run.js';
import { loadChecks } from '../../src/engine/loader.js';
import { itemsOf, serverRow } from '../../reports/model.js';
import { compareBuilds } from '../../src/util/version.js';
import { cat, facts, AS_OF } from '../checks/_facts.js';

/** The newest build the catalog has for a product and CU (never typed in here). */
const newest = (product: string, cu?: string) =>
  cat()
    .builds.filter((b) => b.product === product && (!cu || b.cu === cu) && !b.aliasOf)
    .reduce((a, b) => (compareBuilds(b.build, a.build) > 0 ? b : a));
const cuBase = (product: string, cu: string) =>
  cat().builds.find((b) => b.product === product && b.cu === cu && !b.update)!.build;
const info = (build: string, precision: 'exact' | 'cu' = 'exact') =>
  buildInfoFromFacts(cat(), facts(build, {}, precision), AS_OF)!;

describe('the one update that brings a server current', () => {
  it("is the latest build of the server's CU while that CU still gets the missing updates", () => {
    const u = currentUpdate(cat(), info('15.0.1497.2'))!;
    const want = newest('2013', 'CU23');
    expect(u).toMatchObject({ name: want.name, build: want.build, newCu: false });
    // It closes every CVE a missing update leaves open (not those that also need a configuration step), and says
    // which are KEV-listed.
    const i = info('15.0.1497.2');
    const byUpdates = new Set(i.missingUpdates.flatMap((m) => m.cves));
    expect(u.closes.sort()).toEqual(i.cves.filter((id) => byUpdates.has(id)).sort());
    expect(u.closes.length).toBeGreaterThan(50);
    expect(u.kev.length).toBeGreaterThan(0);
    expect(u.kev.every((id) => !!cat().cve(id)!.kev)).toBe(true);
  });

  it("is the newest CU's latest build when the server's CU gets no more updates", () => {
    const u = currentUpdate(cat(), info(cuBase('2019', 'CU12')))!;
    const want = newest('2019');
    expect(u).toMatchObject({ name: want.name, build: want.build, newCu: true });
  });

  it('is nothing for a current server; at CU precision it settles what is unknown', () => {
    expect(currentUpdate(cat(), info(newest('SE').build))).toBeUndefined();
    const cu = currentUpdate(cat(), info('15.2.1544', 'cu'))!;
    expect(cu.build).toBe(newest('2019', 'CU14').build);
    expect(cu.unknown).toBeGreaterThan(0);
  });
});

describe('remediation names that one update, and views group a missing update with its CVEs', () => {
  it('every missing-update and open-CVE finding of a server gives the same install', async () => {
    const doc = assess([{ target: 'ex13', facts: facts('15.0.1497.2') }], {
      catalog: cat(),
      checks: await loadChecks(),
      command: 'audit',
      startedAt: 't0',
      asOf: AS_OF,
    });
    const t = doc.targets[0]!;
    const want = newest('2013', 'CU23');
    expect(t.update).toMatchObject({ build: want.build, newCu: false });
    const fixes = t.findings.filter(
      (f) => f.code === 'update-missing' || (f.code === 'cve-open' && f.remediation?.includes('which includes')),
    );
    expect(fixes.length).toBeGreaterThan(30);
    for (const f of fixes)
      expect(f.remediation, f.title).toMatch(
        new RegExp(`^Install ${want.name} \\(${want.build.replace(/\./g, '\\.')}, ${want.kb}\\), which includes \\w+`),
      );
    // The JSON keeps one finding per open CVE; the view folds those into their update's item.
    const perCve = t.findings.filter((f) => f.code === 'cve-open');
    const items = itemsOf(t);
    const updates = items.filter((i) => i.checkId === 'security-updates');
    const folded = new Set(updates.flatMap((i) => i.findings.slice(1)));
    expect(folded.size).toBeGreaterThan(20);
    for (const f of folded) expect(f.code).toBe('cve-open');
    expect(items.filter((i) => i.findings[0]!.code === 'cve-open').length).toBe(perCve.length - folded.size);
    const mar21 = updates.find((i) => i.title.startsWith('Mar21SU'))!;
    expect(mar21.cves).toEqual(expect.arrayContaining(['CVE-2021-26855', 'CVE-2021-27065']));
    expect(mar21.kev).toBeGreaterThan(0);
    // The server row: verdict, build and precision, the update and what it closes.
    const row = serverRow(t);
    expect(row).toMatchObject({ verdict: 'fail', severity: 'critical', precision: 'exact' });
    expect(row.install).toBe(`${want.name.replace(/^Exchange /, '')} (${want.build})`);
    expect(row.closes).toBe(`${t.update!.closes.length} CVEs (${t.update!.kev.length} KEV)`);
  });
});

describe('report on a result from before the update was recorded', () => {
  it("adds each server's one update from its facts when the catalog is the one the findings were judged with", async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { runCli } = await import('../helpers/cli.js');
    const doc = assess([{ target: 'ex13', facts: facts('15.0.1497.2') }], {
      catalog: cat(),
      checks: await loadChecks(),
      command: 'audit',
      startedAt: 't0',
      asOf: AS_OF,
    });
    const stored = doc.targets[0]!.update;
    delete doc.targets[0]!.update;
    const dir = mkdtempSync(join(tmpdir(), 'exaudit-update-'));
    try {
      const f = join(dir, 'old.json');
      writeFileSync(f, JSON.stringify(doc));
      const r = runCli(['report', f, '-f', 'json', '--fail-on', 'none', '--as-of', AS_OF]);
      expect(JSON.parse(r.stdout).targets[0].update).toEqual(stored);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
