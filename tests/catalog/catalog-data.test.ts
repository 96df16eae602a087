/**
 * The catalog's data against Microsoft's own records: for the newest builds the open CVEs must be exactly those whose
 * cvelistV5 record (rules/sources/cvelist.json, the snapshot the import reads) puts the build below its fix threshold
 * on that CU. The expected lists are computed from the records here, independently of the import's update mapping.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, type Catalog } from '../../src/catalog/catalog.js';
import { lookupBuild } from '../../src/catalog/lookup.js';
import { CvelistSnapshot } from '../../src/catalog/import/snapshots.js';
import { DEFAULT_RULES_DIR } from '../../src/util/tool.js';
import { compareBuilds } from '../../src/util/version.js';

const AS_OF = '2026-12-02';
const records = CvelistSnapshot.parse(
  JSON.parse(readFileSync(join(DEFAULT_RULES_DIR, 'sources', 'cvelist.json'), 'utf8')),
).records;

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

/** CVEs whose record puts `build` (on its product and CU) below the fix threshold. */
function openByRecords(build: string): string[] {
  const b = catalog.build(build)!;
  return records
    .filter((r) =>
      (r.affected ?? []).some(
        (a) => a.product === b.product && a.cu === b.cu && a.fixedAt && compareBuilds(build, a.fixedAt) < 0,
      ),
    )
    .map((r) => r.id)
    .sort();
}

const AUG26 = ['15.1.2507.72', '15.2.1544.44', '15.2.1748.49', '15.2.2562.46'];
const SEP26 = ['15.1.2507.73', '15.2.1544.46', '15.2.1748.51', '15.2.2562.49'];
const SEP26V2 = ['15.1.2507.75', '15.2.1544.48', '15.2.1748.53', '15.2.2562.53'];
const JUN26 = ['15.1.2507.69', '15.2.1544.41', '15.2.1748.46', '15.2.2562.43'];
const REVISED = ['CVE-2026-45500', 'CVE-2026-45501', 'CVE-2026-45503', 'CVE-2026-45504', 'CVE-2026-47631'];

describe('the newest updates, as Microsoft records them', () => {
  it('knows Sep26SU and its re-release Sep26SUv2 on 2016 CU23, 2019 CU14/CU15 and SE RTM', () => {
    expect(catalog.update('Sep26SU')).toMatchObject({
      releaseDate: '2026-09-08',
      kbs: ['KB5121608', 'KB5121609', 'KB5121610', 'KB5121611'],
    });
    expect(catalog.update('Sep26SUv2')).toMatchObject({
      releaseDate: '2026-10-02',
      kbs: ['KB5129955', 'KB5129956', 'KB5129957', 'KB5129958'],
    });
    expect(catalog.update('Sep26SU')!.fixes.map((f) => f.build)).toEqual(SEP26);
    expect(catalog.update('Sep26SUv2')!.fixes.map((f) => f.build)).toEqual(SEP26V2);
    expect(catalog.build('15.2.2562.53')).toMatchObject({ update: 'Sep26SUv2', kb: 'KB5129955' });
    expect(catalog.build('15.1.2507.75')).toMatchObject({ esuOnly: true, kb: 'KB5129958' });
  });

  it.each([...AUG26, ...SEP26, ...SEP26V2])('%s: the open CVEs are exactly those its records give', (build) => {
    const info = lookupBuild(catalog, build, AS_OF);
    expect(info.cves).toEqual(openByRecords(build));
  });

  it('an August 2026 SU build has about ten CVEs open, the CVSS 9.3 and 9.1 ones among them', () => {
    const info = lookupBuild(catalog, '15.2.1748.49', AS_OF);
    expect(info.cves).toEqual(
      expect.arrayContaining(['CVE-2026-69356', 'CVE-2026-69641', 'CVE-2026-69355', 'CVE-2026-96940']),
    );
    expect(info.cves).toHaveLength(10);
    expect(catalog.cve('CVE-2026-69356')?.cvss).toBe(9.3);
    expect(catalog.cve('CVE-2026-69641')?.cvss).toBe(9.1);
    expect(info.missingUpdates.map((m) => m.id)).toEqual(['Sep26SU', 'Sep26SUv2']);
    expect(info.latestBuild).toBe('15.2.1748.53');
    // CVE-2026-55007 does not affect Exchange 2016 (its record lists SE and 2019 only).
    expect(lookupBuild(catalog, '15.1.2507.72', AS_OF).cves).toHaveLength(9);
  });

  it('a CVE fixed only by the re-release stays open on the first Sep26SU build', () => {
    for (const b of SEP26) expect(lookupBuild(catalog, b, AS_OF).cves).toEqual(['CVE-2026-96940']);
    for (const b of SEP26V2) expect(lookupBuild(catalog, b, AS_OF).cves).toEqual([]);
    expect(catalog.cve('CVE-2026-96940')!.fixedBy).toEqual([{ update: 'Sep26SUv2', products: ['2016', '2019', 'SE'] }]);
  });

  it.each(JUN26)('%s (June 2026 SU): the five CVEs whose records moved to the July 2026 SU are open', (build) => {
    const info = lookupBuild(catalog, build, AS_OF);
    expect(info.cves).toEqual(expect.arrayContaining(REVISED));
    expect(info.cves).toEqual(expect.arrayContaining(openByRecords(build)));
    for (const id of REVISED) expect(catalog.cve(id)!.fixedBy.map((f) => f.update)).toEqual(['Jul26SU']);
  });
});

describe('smaller corrections, each from its source', () => {
  it('CVE-2018-8581 is in the catalog with its KEV dates and fixing updates', () => {
    expect(catalog.cve('CVE-2018-8581')).toMatchObject({
      exploited: true,
      kev: { dateAdded: '2022-03-03', dueDate: '2022-03-17', ransomware: 'Known', verified: true },
      fixedBy: [
        { update: 'Feb19SU', products: ['2013', '2016'] },
        { update: 'Apr19SU', products: ['2019'] },
      ],
    });
    expect(lookupBuild(catalog, '15.1.1591.18', AS_OF).cves).toContain('CVE-2018-8581'); // 2016 CU11 never got Feb19SU
    expect(lookupBuild(catalog, '15.1.1713.5', AS_OF).cves).not.toContain('CVE-2018-8581'); // 2016 CU12
  });

  it('Oct20SU and Nov20SU carry KB4581424 and KB4588741; Oct18SU its October date and KB', () => {
    expect(catalog.update('Oct20SU')!.kbs).toEqual(['KB4581424']);
    expect(catalog.update('Nov20SU')!.kbs).toEqual(['KB4588741']);
    expect(catalog.build('15.2.721.4')?.kb).toBe('KB4588741');
    expect(catalog.update('Oct18SU')).toMatchObject({ releaseDate: '2018-10-09', verified: true });
    expect(catalog.update('Oct18SU')!.kbs).toContain('KB4459266');
    expect(catalog.build('15.0.1395.8')).toMatchObject({ kb: 'KB4459266', releaseDate: '2018-10-09' });
  });

  it('updates of 2018-2021 carry the day a Microsoft KB article or CVE record gives; the rest stay month-only', () => {
    expect(catalog.update('Mar18SU')).toMatchObject({ releaseDate: '2018-03-13', verified: true, kbs: ['KB4073392'] });
    expect(catalog.update('Jul19SU')).toMatchObject({ releaseDate: '2019-07-09', verified: true });
    expect(catalog.update('Feb21SU')).toMatchObject({ releaseDate: '2021-02-09', verified: true });
    expect(catalog.build('15.1.1531.6')).toMatchObject({ update: 'Aug18SU', releaseDate: '2018-08-14' });
    const monthOnly = catalog.updates.filter((u) => u.notes?.some((n) => /the day is a placeholder/.test(n)));
    expect(monthOnly.map((u) => u.id)).toEqual(['Apr19SU', 'Sep19SU', 'Feb20SU', 'Mar20SU']);
    for (const u of monthOnly) expect([u.id, u.verified, u.releaseDate.slice(8)]).toEqual([u.id, false, '01']);
    expect(catalog.update('Mar20SU')!.kbs).toEqual(['KB4540123']);
  });

  it("CVE-2026-42897's KEV due date is not invented: empty and marked unverified", () => {
    expect(catalog.cve('CVE-2026-42897')!.kev).toEqual({
      dateAdded: '2026-05-15',
      dueDate: null,
      ransomware: null,
      verified: false,
    });
  });

  it("HealthChecker's numbers are known builds, judged below Microsoft's (never patched early)", () => {
    for (const [alias, real, update] of [
      ['15.1.1415.8', '15.1.1415.10', 'Mar21SU'],
      ['15.1.1466.13', '15.1.1466.16', 'Mar21SU'],
      ['15.1.1466.9', '15.1.1466.10', 'Aug18SU'],
    ] as const) {
      const info = lookupBuild(catalog, alias, AS_OF);
      expect(info.known).toBe(true);
      expect(catalog.build(alias)).toMatchObject({ aliasOf: real, update });
      expect(info.missingUpdates.map((m) => m.id)).toContain(update);
      expect(lookupBuild(catalog, real, AS_OF).missingUpdates.map((m) => m.id)).not.toContain(update);
    }
    expect(lookupBuild(catalog, '15.1.1415.8', AS_OF).cves).toContain('CVE-2021-26855');
  });

  it('CVE-2025-53786 is never closed by the build alone: a patched build leaves it conditional on the hybrid app', () => {
    const info = lookupBuild(catalog, '15.2.1748.53', AS_OF);
    expect(info.cves).not.toContain('CVE-2025-53786');
    expect(info.conditionalCves).toContainEqual(expect.objectContaining({ id: 'CVE-2025-53786', kind: 'hybrid-app' }));
    expect(lookupBuild(catalog, '15.2.2562.17', AS_OF).conditionalCves.map((c) => c.id)).toContain('CVE-2025-53786');
    expect(lookupBuild(catalog, '15.2.1544.14', AS_OF).cves).toContain('CVE-2025-53786');
  });

  it('every SU since 2021 has the KBs and release date of Microsoft build table for the builds it lists', () => {
    const csv = JSON.parse(readFileSync(join(DEFAULT_RULES_DIR, 'sources', 'ms-build-numbers.json'), 'utf8')) as {
      rows: { build: string; date: string | null; kb: string | null }[];
    };
    const rows = new Map(csv.rows.map((r) => [r.build, r]));
    let compared = 0;
    for (const u of catalog.updates.filter((x) => x.releaseDate >= '2021')) {
      const dates = u.fixes.map((f) => rows.get(f.build)?.date).filter((d): d is string => !!d);
      if (dates.length) expect([u.id, u.releaseDate]).toEqual([u.id, dates.sort()[0]]);
      for (const f of u.fixes) {
        const r = rows.get(f.build);
        if (!r) continue;
        compared++;
        expect([u.id, f.build, f.kb]).toEqual([u.id, f.build, r.kb]);
        expect([u.id, f.build, catalog.build(f.build)!.releaseDate]).toEqual([u.id, f.build, r.date]);
      }
    }
    expect(compared).toBeGreaterThan(150);
  });
});

describe('the 2018-2021 records, re-read for their fix thresholds', () => {
  const old = records.filter((r) => r.id < 'CVE-2022');
  const withRanges = old.filter((r) => (r.affected ?? []).some((a) => a.cu && a.fixedAt)).map((r) => r.id);

  it('26 more of them give build thresholds (March to November 2021); the others say why they give none', () => {
    expect(withRanges).toHaveLength(29);
    expect(withRanges).toEqual(expect.arrayContaining(['CVE-2021-26855', 'CVE-2021-26857', 'CVE-2021-33766']));
    for (const r of old) {
      if (r.id === 'CVE-2020-0796' || r.id === 'CVE-2020-1147') continue; // Windows and .NET, not re-read
      expect(r.commit, r.id).toMatch(/^[0-9a-f]{40}$/);
      if (!withRanges.includes(r.id)) expect(r.notes?.join(' '), r.id).toMatch(/no threshold|no fixed build/);
    }
  });

  it.each(withRanges)('%s: every build below a threshold on its CU is open; the threshold build closes it', (id) => {
    const r = records.find((x) => x.id === id)!;
    const used = catalog.cve(id)!.fixedBy;
    for (const a of r.affected!) {
      const fix = a.cu && a.fixedAt ? catalog.build(a.fixedAt) : undefined;
      if (!fix || fix.product !== a.product || fix.cu !== a.cu) continue; // a range no build on that CU has: ignored
      for (const b of catalog.builds.filter((x) => x.product === a.product && x.cu === a.cu)) {
        if (compareBuilds(b.build, a.fixedAt!) >= 0) continue;
        expect(lookupBuild(catalog, b.build, AS_OF).cves, `${id} on ${b.build}`).toContain(id);
      }
      const kept = used.find((u) => u.products.includes(a.product as '2013'))?.update;
      if (!fix.update || kept === fix.update) {
        // The update the record names (or the CU itself, CVE-2021-34470 on 2016 CU21 and 2019 CU10) closes it.
        expect(lookupBuild(catalog, fix.build, AS_OF).cves, `${id} on ${fix.build}`).not.toContain(id);
      } else {
        // Another source names a later update: the CVE stays open until that one (never patched early).
        expect(catalog.update(kept!)!.releaseDate > catalog.update(fix.update)!.releaseDate, id).toBe(true);
        expect(lookupBuild(catalog, fix.build, AS_OF).cves, `${id} on ${fix.build}`).toContain(id);
      }
    }
  });

  it('the ranges that point at a build no update has on that CU are the known record errors', () => {
    const unmatched = old.flatMap((r) =>
      (r.affected ?? [])
        .filter((a) => a.cu && a.fixedAt)
        .filter((a) => {
          const b = catalog.build(a.fixedAt!);
          return !b || b.product !== a.product || b.cu !== a.cu;
        })
        .map((a) => `${r.id} ${a.product} ${a.cu} < ${a.fixedAt}`),
    );
    const proxyLogon = ['CVE-2021-26855', 'CVE-2021-26857', 'CVE-2021-26858', 'CVE-2021-27065'].flatMap((id) => [
      `${id} 2019 CU1 < 15.1.1979.6`, // a 2016 CU16 build
      `${id} 2019 CU4 < 15.2.659.12`, // the CU6 build
      `${id} 2019 CU6 < 15.2.529.13`, // the CU4 build
    ]);
    const nov21 = ['CVE-2021-41349', 'CVE-2021-42305', 'CVE-2021-42321'].map((id) => `${id} 2019 CU10 < 15.2.792.19`);
    expect(unmatched.sort()).toEqual([...proxyLogon, ...nov21].sort());
    // So those CUs keep the update HealthChecker and the release notes name.
    for (const id of ['CVE-2021-26855', 'CVE-2021-27065']) {
      expect(catalog.cve(id)!.fixedBy).toEqual([{ update: 'Mar21SU', products: ['2013', '2016', '2019'] }]);
      expect(lookupBuild(catalog, '15.2.529.5', AS_OF).cves).toContain(id); // 2019 CU4 without Mar21SU
      expect(lookupBuild(catalog, '15.2.529.13', AS_OF).cves).not.toContain(id); // its Mar21SU
    }
  });

  it("CVE-2021-33766's record names the April 2021 SU, the release notes July: July is kept, unverified", () => {
    expect(catalog.cve('CVE-2021-33766')).toMatchObject({
      fixedBy: [{ update: 'Jul21SU', products: ['2013', '2016', '2019'] }],
      verified: false,
    });
    expect(lookupBuild(catalog, '15.2.858.12', AS_OF).cves).toContain('CVE-2021-33766'); // 2019 CU9 May21SU
  });
});
