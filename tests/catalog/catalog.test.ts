import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, tryLoadCatalog, type Catalog } from '../../src/catalog/catalog.js';
import { compareBuilds } from '../../src/util/version.js';
import { DEFAULT_RULES_DIR } from '../../src/util/tool.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

describe('catalog invariants', () => {
  it('covers every product with CU base builds in order', () => {
    for (const p of ['2013', '2016', '2019', 'SE'] as const) {
      const cus = catalog.cus(p);
      expect(cus.length).toBeGreaterThan(0);
      for (let i = 1; i < cus.length; i++) expect(compareBuilds(cus[i - 1]!.build, cus[i]!.build)).toBe(-1);
    }
    expect(catalog.cus('2019').map((c) => c.cu)).toEqual([
      'RTM',
      ...Array.from({ length: 15 }, (_, i) => `CU${i + 1}`),
    ]);
    expect(catalog.cus('2016').at(-1)?.cu).toBe('CU23');
    expect(catalog.cus('2013').map((c) => c.cu)).toContain('CU4');
  });

  it("every update's fixed build exists in builds, on the CU the update says", () => {
    for (const u of catalog.updates)
      for (const f of u.fixes) {
        const b = catalog.build(f.build);
        expect(b, `${u.id} ${f.build}`).toBeDefined();
        expect(`${b!.product} ${b!.cu}`).toBe(`${f.product} ${f.cu}`);
      }
  });

  it('every CVE has a fixing update or a configuration condition for each product it affects', () => {
    for (const c of catalog.cves) {
      for (const p of c.products) {
        const fixed = c.fixedBy.some((f) => f.products.includes(p));
        const conditional = c.conditions.some((k) => !k.products || k.products.includes(p));
        expect(fixed || conditional, `${c.id} on ${p}`).toBe(true);
      }
    }
  });

  it("every update fixes each affected CU's latest build at most once, and release dates are ordered within a CU", () => {
    for (const u of catalog.updates) {
      const cus = u.fixes.map((f) => `${f.product} ${f.cu}`);
      expect(new Set(cus).size, u.id).toBe(cus.length);
    }
    // crossCheck already refuses out-of-order dates; prove it would.
    const dated = catalog.builds.filter((b) => b.product === '2019' && b.cu === 'CU14' && b.releaseDate);
    for (let i = 1; i < dated.length; i++) expect(dated[i]!.releaseDate! >= dated[i - 1]!.releaseDate!).toBe(true);
  });

  it('every entry names a source that the catalog defines', () => {
    const keys = new Set(Object.keys(catalog.meta.sources));
    for (const e of [...catalog.builds, ...catalog.updates, ...catalog.cves, ...catalog.products]) {
      expect(e.sources.length).toBeGreaterThan(0);
      for (const s of e.sources) expect(keys.has(s) || s.startsWith('http')).toBe(true);
    }
  });

  it('every CVE has a CVSS v3 base score that matches its vector, or says why it has none', () => {
    let scored = 0;
    for (const c of catalog.cves) {
      if (c.cvss === null || c.cvss === undefined) {
        expect(
          (c.notes ?? []).some((n) => /CVSS/.test(n)),
          `${c.id} has no CVSS and no note saying why`,
        ).toBe(true);
        continue;
      }
      scored++;
      expect(c.cvss).toBeGreaterThanOrEqual(0);
      expect(c.cvss).toBeLessThanOrEqual(10);
      expect(c.cvssVector, c.id).toMatch(
        /^CVSS:3\.[01]\/AV:[NALP]\/AC:[LH]\/PR:[NLH]\/UI:[NR]\/S:[UC]\/C:[NLH]\/I:[NLH]\/A:[NLH]/,
      );
      expect(c.sources, c.id).toContain('cvelist');
    }
    expect(scored).toBeGreaterThan(100);
    // Spot checks against Microsoft's records: ProxyLogon's SSRF and ProxyShell's elevation.
    expect(catalog.cve('CVE-2021-26855')).toMatchObject({
      cvss: 9.1,
      cvssVector: expect.stringMatching(/^CVSS:3\.1\/AV:N\/AC:L\/PR:N\/UI:N\/S:U\/C:H\/I:H\/A:N/),
    });
    expect(catalog.cve('CVE-2021-34523')!.cvss).toBe(9);
  });
  it('knows the anchor facts of the reference notes', () => {
    expect(catalog.update('Mar21SU')?.kbs).toContain('KB5000871');
    expect(catalog.build('15.1.1415.10')?.update).toBe('Mar21SU');
    // HealthChecker's number for Mar21SU on 2016 CU8; Microsoft's tables say .10: known, but an alias judged below .10.
    expect(catalog.build('15.1.1415.8')).toMatchObject({ update: 'Mar21SU', aliasOf: '15.1.1415.10', verified: false });
    expect(catalog.update('Mar21SU')!.fixes.find((f) => f.cu === 'CU8' && f.product === '2016')?.build).toBe(
      '15.1.1415.10',
    );
    expect(catalog.cve('CVE-2021-26855')?.kev?.dueDate).toBe('2021-04-16');
    expect(catalog.cve('CVE-2021-26855')?.exploited).toBe(true);
    expect(catalog.build('15.2.1544.44')?.esuOnly).toBe(true);
    expect(catalog.build('15.2.2562.46')?.esuOnly).toBeUndefined();
  });
});

describe('catalog validation', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'exaudit-rules-'));
    cpSync(DEFAULT_RULES_DIR, dir, { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file, path and reason of each problem', () => {
    const updates = JSON.parse(readFileSync(join(dir, 'updates.json'), 'utf8'));
    updates[0].fixes[0].build = '15.2.9999.1';
    updates[1].id = updates[0].id;
    writeFileSync(join(dir, 'updates.json'), JSON.stringify(updates));
    const { catalog: bad, problems } = tryLoadCatalog(dir);
    expect(bad).toBeUndefined();
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'updates.json',
          message: expect.stringMatching(/15\.2\.9999\.1 is not in builds\.json/),
        }),
        expect.objectContaining({ file: 'updates.json', message: expect.stringMatching(/duplicate id/) }),
      ]),
    );
  });

  it('reports schema errors with their path', () => {
    writeFileSync(join(dir, 'cves.json'), JSON.stringify([{ id: 'CVE-XYZ', title: null }]));
    const { problems } = tryLoadCatalog(dir);
    expect(problems.some((p) => p.file === 'cves.json' && p.path.startsWith('0.'))).toBe(true);
  });

  it('refuses a missing directory', () => {
    expect(tryLoadCatalog(join(dir, 'nope')).problems[0]?.message).toMatch(/not found/);
  });
});
