/**
 * `exaudit build` must agree with HealthChecker's build-decided CVE list for every build HealthChecker knows.
 * Where it differs, a cited source says why; the differences are listed here (and in the README's catalog
 * notes). exaudit may only ever report *more* open CVEs than HealthChecker, never fewer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, type Catalog } from '../../src/catalog/catalog.js';
import { lookupBuild } from '../../src/catalog/lookup.js';
import { HC, hcBuilds, hcCves, hcLines } from './hc-oracle.js';
import { DIFFERENCES, type Difference } from './hc-differences.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

describe('HealthChecker oracle', () => {
  it("reproduces HealthChecker's own Pester anchors (60 build-decided lines for 2019 CU11 and 2016 CU22)", () => {
    for (const a of HC.pesterAnchors) expect(hcLines(a.build)).toHaveLength(a.lines);
    expect(hcBuilds()).toHaveLength(277);
  });
});

describe('exaudit build vs HealthChecker, every build HealthChecker knows', () => {
  it('never reports fewer open CVEs than HealthChecker', () => {
    const missing: string[] = [];
    for (const b of hcBuilds()) {
      const ours = new Set(lookupBuild(catalog, b, '2026-11-25').cves);
      for (const id of hcCves(b)) if (!ours.has(id)) missing.push(`${b} ${id}`);
    }
    expect(missing).toEqual([]);
  });

  it('reports more only where a listed, sourced difference explains it, and every listed difference still occurs', () => {
    const unexplained: string[] = [];
    const used = new Set<Difference>();
    for (const b of hcBuilds()) {
      const theirs = hcCves(b);
      for (const id of lookupBuild(catalog, b, '2026-11-25').cves) {
        if (theirs.has(id)) continue;
        const d = DIFFERENCES.find((x) => x.matches(id, b));
        if (d) used.add(d);
        else unexplained.push(`${b} ${id}`);
      }
    }
    expect(unexplained).toEqual([]);
    expect(DIFFERENCES.filter((d) => !used.has(d)).map((d) => d.why)).toEqual([]);
  });

  it('agrees exactly on the anchors once the listed differences are set aside', () => {
    for (const build of ['15.2.986.5', '15.1.2375.7']) {
      const ours = lookupBuild(catalog, build, '2026-11-25').cves.filter(
        (id) => !DIFFERENCES.some((d) => d.matches(id, build)),
      );
      expect(new Set(ours)).toEqual(hcCves(build));
      expect(ours).toHaveLength(65); // 59 unique ids from the 60 lines (CVE-2023-21707 twice) + 6 Extended Protection CVEs
    }
  });
});
