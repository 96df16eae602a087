/**
 * The catalog import (npm run catalog:import): the committed rules/*.json are exactly what the snapshots in
 * rules/sources/ and the curated files in rules/curated/ produce, the import is idempotent, and its policies hold
 * (a revised record moves a fix later, never earlier). The refresh parsers are tested on samples written here.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { importCatalog } from '../../src/catalog/import/build-catalog.js';
import { main as importMain } from '../../src/catalog/import/cli.js';
import { GENERATED_FILES, readCurated, readSnapshots } from '../../src/catalog/import/io.js';
import { renderCatalogFiles } from '../../src/catalog/import/render.js';
import { main as refreshMain } from '../../src/catalog/import/refresh/cli.js';
import {
  parseCveRecord,
  parseHcBuildDictionary,
  parseHcCveDictionary,
  parseHcOverrides,
  parseKev,
  parseLearnDict,
  parseMsBuildCsv,
} from '../../src/catalog/import/refresh/parsers.js';
import { loadCatalog } from '../../src/catalog/catalog.js';
import { DEFAULT_RULES_DIR } from '../../src/util/tool.js';

const dirs: string[] = [];
function rulesCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'exaudit-import-'));
  dirs.push(dir);
  cpSync(DEFAULT_RULES_DIR, dir, { recursive: true });
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  vi.restoreAllMocks();
});
const quiet = () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
};

describe('catalog import', () => {
  it('the committed builds.json, updates.json and cves.json are what the import produces (run npm run catalog:import)', () => {
    const { files } = renderCatalogFiles(DEFAULT_RULES_DIR);
    for (const name of GENERATED_FILES) {
      expect(readFileSync(join(DEFAULT_RULES_DIR, name), 'utf8') === files[name], `${name} differs`).toBe(true);
    }
  });

  it('is deterministic and idempotent: a second run changes nothing, --check then passes', () => {
    quiet();
    const dir = rulesCopy();
    expect(importMain(['--rules', dir])).toBe(0);
    const first = GENERATED_FILES.map((f) => readFileSync(join(dir, f), 'utf8'));
    expect(importMain(['--rules', dir])).toBe(0);
    expect(GENERATED_FILES.map((f) => readFileSync(join(dir, f), 'utf8'))).toEqual(first);
    expect(importMain(['--rules', dir, '--check'])).toBe(0);
    expect(renderCatalogFiles(dir).files).toEqual(renderCatalogFiles(dir).files);
  });

  it('--check fails when a generated file was edited by hand, and the import restores it', () => {
    quiet();
    const dir = rulesCopy();
    const path = join(dir, 'updates.json');
    const original = readFileSync(path, 'utf8');
    writeFileSync(path, original.replace('"KB5121608"', '"KB0000000"'));
    expect(importMain(['--rules', dir, '--check'])).toBe(1);
    expect(importMain(['--rules', dir])).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(original);
  });

  it('a curated note reaches the generated file and the catalog still loads', () => {
    quiet();
    const dir = rulesCopy();
    const curated = join(dir, 'curated', 'updates.yaml');
    writeFileSync(
      curated,
      readFileSync(curated, 'utf8').replace(
        '- id: Sep26SUv2\n  title: September 2026 SU v2\n',
        '- id: Sep26SUv2\n  title: September 2026 SU v2\n  cvesVerified: false\n',
      ),
    );
    expect(importMain(['--rules', dir])).toBe(0);
    expect(loadCatalog(dir).update('Sep26SUv2')?.cvesVerified).toBe(false);
  });

  it('refuses a curated file that lists an id twice, with one line naming the file', () => {
    quiet();
    const dir = rulesCopy();
    const curated = join(dir, 'curated', 'cves.yaml');
    writeFileSync(curated, readFileSync(curated, 'utf8') + '- id: CVE-2018-8581\n  notes: [again]\n');
    expect(() => readCurated(dir)).toThrow(/cves\.yaml: CVE-2018-8581 appears twice/);
  });

  it('a revised CVE record moves a fix later, never earlier', () => {
    const snap = readSnapshots(DEFAULT_RULES_DIR);
    const curated = readCurated(DEFAULT_RULES_DIR);
    const revise = (id: string, to: Record<string, string>) => {
      const r = snap.cvelist.records.find((x) => x.id === id)!;
      r.affected = r.affected!.map((a) => ({ ...a, fixedAt: to[`${a.product} ${a.cu}`] ?? a.fixedAt }));
    };
    // Later: CVE-2026-69356 revised to the v2 builds → fixed by Sep26SUv2.
    revise('CVE-2026-69356', {
      '2016 CU23': '15.1.2507.75',
      '2019 CU14': '15.2.1544.48',
      '2019 CU15': '15.2.1748.53',
      'SE RTM': '15.2.2562.53',
    });
    // Earlier: CVE-2026-62911 "revised" to the July builds → stays Aug26SU, which the release notes (curated) name.
    revise('CVE-2026-62911', {
      '2016 CU23': '15.1.2507.71',
      '2019 CU14': '15.2.1544.43',
      '2019 CU15': '15.2.1748.48',
      'SE RTM': '15.2.2562.45',
    });
    const out = importCatalog(snap, curated);
    const cve = (id: string) => out.cves.find((c) => c.id === id)!;
    expect(cve('CVE-2026-69356').fixedBy).toEqual([{ update: 'Sep26SUv2', products: ['2016', '2019', 'SE'] }]);
    expect(cve('CVE-2026-62911').fixedBy).toEqual([{ update: 'Aug26SU', products: ['2016', '2019', 'SE'] }]);
    expect(cve('CVE-2026-62911').notes!.join(' ')).toMatch(/sources name Jul26SU and Aug26SU; the later \(Aug26SU\)/);
  });

  it('a record naming an earlier update than the one used does not verify a single-source listing', () => {
    // CVE-2021-33766 is listed for Jul21SU by one source (curated, singleSource); its record gives April 2021 SU builds.
    const snap = readSnapshots(DEFAULT_RULES_DIR);
    const curated = readCurated(DEFAULT_RULES_DIR);
    const record = snap.cvelist.records.find((x) => x.id === 'CVE-2021-33766')!;
    const judge = (ranges: [string, string, string][]) => {
      record.affected = ranges.map(([product, cu, fixedAt]) => ({ product: product as '2013', cu, fixedAt }));
      return importCatalog(snap, curated).cves.find((c) => c.id === 'CVE-2021-33766')!;
    };
    const april = judge([
      ['2013', 'CU23', '15.0.1497.15'],
      ['2016', 'CU19', '15.1.2176.12'],
      ['2016', 'CU20', '15.1.2242.8'],
      ['2019', 'CU8', '15.2.792.13'],
      ['2019', 'CU9', '15.2.858.10'],
    ]);
    expect(april.fixedBy).toEqual([{ update: 'Jul21SU', products: ['2013', '2016', '2019'] }]);
    expect(april.verified).toBe(false);
    expect(april.notes!.join(' ')).toMatch(/sources name Apr21SU and Jul21SU; the later \(Jul21SU\) is used/);
    const july = judge([
      ['2013', 'CU23', '15.0.1497.23'],
      ['2016', 'CU20', '15.1.2242.12'],
      ['2016', 'CU21', '15.1.2308.14'],
      ['2019', 'CU9', '15.2.858.15'],
      ['2019', 'CU10', '15.2.922.13'],
    ]);
    expect(july.fixedBy).toEqual([{ update: 'Jul21SU', products: ['2013', '2016', '2019'] }]);
    expect(july.verified).toBe(true);
  });

  it('reports, never guesses, a record threshold that no update has', () => {
    const snap = readSnapshots(DEFAULT_RULES_DIR);
    const out = importCatalog(snap, readCurated(DEFAULT_RULES_DIR));
    const unused = (id: string, build: string, where: string) =>
      `${id}: no update has build ${build} on ${where}; that range is not used`;
    // The March 2021 records (2026-08-19 versions) give a 2016 build for 2019 CU1 and swap the 2019 CU4/CU6 builds;
    // three November 2021 records give a 2019 CU8 build for CU10; CVE-2024-21410 a CU14 build for 2019 CU13.
    expect(out.warnings.filter((w) => w.includes('that range is not used')).sort()).toEqual(
      [
        ...['CVE-2021-26855', 'CVE-2021-26857', 'CVE-2021-26858', 'CVE-2021-27065'].flatMap((id) => [
          unused(id, '15.1.1979.6', '2019 CU1'),
          unused(id, '15.2.659.12', '2019 CU4'),
          unused(id, '15.2.529.13', '2019 CU6'),
        ]),
        ...['CVE-2021-41349', 'CVE-2021-42305', 'CVE-2021-42321'].map((id) => unused(id, '15.2.792.19', '2019 CU10')),
        unused('CVE-2024-21410', '15.2.1544.4', '2019 CU13'),
      ].sort(),
    );
    expect(out.cves.find((c) => c.id === 'CVE-2021-42321')!.fixedBy).toEqual([
      { update: 'Nov21SU', products: ['2016', '2019'] },
    ]);
    expect(out.cves.find((c) => c.id === 'CVE-2021-26858')!.fixedBy).toEqual([
      { update: 'Mar21SU', products: ['2013', '2016', '2019'] },
    ]);
  });
});

describe('the HealthChecker extract', () => {
  it("agrees with the parity test's independent transcription of HealthChecker's tables", () => {
    const hc = readSnapshots(DEFAULT_RULES_DIR).hc;
    const oracle = JSON.parse(
      readFileSync(join(DEFAULT_RULES_DIR, '..', 'fixtures', 'healthchecker-tables', 'hc-tables.json'), 'utf8'),
    ) as {
      cus: { product: string; cu: string; build: string; releaseDate: string; sus: Record<string, string> }[];
      dictionary: { su: string; cve: string; products: string[] }[];
      overrides: { cve: string; su: string }[];
    };
    const iso = (d: string) => (/^\d\d\/\d\d\/\d{4}$/.test(d) ? `${d.slice(6)}-${d.slice(0, 2)}-${d.slice(3, 5)}` : d);
    expect(hc.cus.map((c) => [c.product, c.cu, c.build, c.releaseDate, c.updates])).toEqual(
      oracle.cus.map((c) => [c.product, c.cu, c.build, iso(c.releaseDate), c.sus]),
    );
    const pairs = hc.cveDictionary.flatMap((d) => d.cves.map((cve) => `${d.update} ${cve} ${d.products.join(',')}`));
    expect(pairs.sort()).toEqual(oracle.dictionary.map((d) => `${d.su} ${d.cve} ${d.products.join(',')}`).sort());
    expect(hc.overrides.map((o) => `${o.update} ${o.cve}`)).toEqual(oracle.overrides.map((o) => `${o.su} ${o.cve}`));
  });
});

describe('catalog refresh parsers (samples written here)', () => {
  it("Microsoft's CSV: 15.x rows only, zero padding removed, US dates as ISO, quoted fields refused", () => {
    const csv = [
      'Product Name,Build Number,Date,KB,Blog',
      'Exchange 2010 SP3,14.3.123.4,2/12/2013,KB1,',
      'Exchange 2016 CU17,15.01.2044.004,6/16/2020,KB4556414,https://example.test/b',
      'Exchange SE RTM Sep26SU,15.2.2562.49,9/8/2026,,',
    ].join('\n');
    expect(parseMsBuildCsv(csv)).toEqual([
      {
        name: 'Exchange 2016 CU17',
        build: '15.1.2044.4',
        date: '2020-06-16',
        kb: 'KB4556414',
        blog: 'https://example.test/b',
      },
      { name: 'Exchange SE RTM Sep26SU', build: '15.2.2562.49', date: '2026-09-08', kb: null, blog: null },
    ]);
    expect(() => parseMsBuildCsv('Product Name,Build Number,Date,KB,Blog\n"a,b",15.0.1.1,,,')).toThrow(/quoted/);
    expect(() => parseMsBuildCsv('Name,Build\n')).toThrow(/unexpected header/);
  });

  it('learn.microsoft.com: a KB typo in the name is fixed from the linked article; a month alone stays a month', () => {
    const rows = parseLearnDict({
      '15.0.1497.7': {
        name: 'Exchange 2013 CU23 + KB581424',
        release_date: 'October, 2020',
        urls: ['https://support.microsoft.com/help/4581424'],
      },
      '15.0.1497.8': {
        name: 'Exchange 2013 CU23 + KB581424',
        release_date: 'November, 2020',
        urls: ['https://support.microsoft.com/help/4588741'],
      },
      '15.1.1466.10': {
        name: 'Exchange 2016  CU9  +  KB4340731',
        release_date: 'August, 2018',
        urls: ['http://support.microsoft.com/kb/4055222', 'https://support.microsoft.com/kb/4340731'],
      },
      '15.2.1748.49': {
        name: 'Exchange Server 2019 CU15 Aug26SU',
        release_date: 'August 11, 2026',
        urls: ['https://support.microsoft.com/help/5121574'],
      },
      '14.3.513.0': { name: 'Exchange 2010', release_date: 'June 1, 2021' },
    });
    expect(rows).toEqual([
      {
        build: '15.0.1497.7',
        name: 'Exchange 2013 CU23 + KB581424',
        released: '2020-10',
        kb: 'KB4581424',
        nameKb: 'KB581424',
      },
      {
        build: '15.0.1497.8',
        name: 'Exchange 2013 CU23 + KB581424',
        released: '2020-11',
        kb: 'KB4588741',
        nameKb: 'KB581424',
      },
      { build: '15.1.1466.10', name: 'Exchange 2016 CU9 + KB4340731', released: '2018-08', kb: 'KB4340731' },
      { build: '15.2.1748.49', name: 'Exchange Server 2019 CU15 Aug26SU', released: '2026-08-11', kb: 'KB5121574' },
    ]);
  });

  it("HealthChecker's build dictionary, SU-to-CVE dictionary and override list", () => {
    const build = [
      '        $exchangeMajorVersion = "Exchange2019"',
      '                { $_ -lt (GetBuildVersion $ex19 "CU15") } {',
      '                    $cuLevel = "CU14"',
      '                    $cuReleaseDate = "02/13/2024"',
      'function GetExchangeBuildDictionary {',
      '        "Exchange2019" = @{',
      '            "CU14" = (NewCUAndSUObject "15.2.1544.4" @{',
      '                    "Mar24SU" = "15.2.1544.9"',
      '                    "Apr25HU" = "15.2.1544.25"',
      '                })',
      '            "CU1"  = (NewCUAndSUObject "15.2.330.5" @{',
      '                    "Feb19SU" = "15.2.330.5"',
      '                })',
      '        }',
      'function GetValidatePossibleParameters {',
    ].join('\n');
    expect(parseHcBuildDictionary(build)).toEqual([
      {
        product: '2019',
        cu: 'CU14',
        build: '15.2.1544.4',
        releaseDate: '2024-02-13',
        updates: { Mar24SU: '15.2.1544.9', Apr25HU: '15.2.1544.25' },
      },
      { product: '2019', cu: 'CU1', build: '15.2.330.5', releaseDate: null, updates: { Feb19SU: '15.2.330.5' } },
    ]);
    const cveCheck = [
      '    $suNameDictionary = @{',
      '        "Mar18SU" = ((NewCveEntry @("CVE-2018-0924", "CVE-2018-0940") @($ex2013, $ex2016)) + (NewCveEntry "CVE-2018-0941" $ex2016))',
      '        "Mar23SU" = (@(NewCveEntry ("CVE-2023-21707") $ex131619))',
      '    }',
      '    $cveAndOverrideCheckParamList.Add($cveOverrideBaseParams + @{',
      '            SUName                     = "Oct25SU"',
      '            CVEName                    = "CVE-2025-59248"',
      '                                FilterComponentName = "Transport"',
      '                                FilterSectionName   = "NonCompliantSenderSettings"',
      '                                FilterParameterName = "BlockEmailWithMultipleP2FromHeaders"',
      '                                FilterComponentName = "ContentConversion"',
      '                                FilterSectionName   = "InboundMimeHeaderParserCheckGroupAddresses"',
      '                                FilterParameterName = "Enabled"',
      '        })',
    ].join('\n');
    expect(parseHcCveDictionary(cveCheck)).toEqual([
      { update: 'Mar18SU', cves: ['CVE-2018-0924', 'CVE-2018-0940'], products: ['2013', '2016'] },
      { update: 'Mar18SU', cves: ['CVE-2018-0941'], products: ['2016'] },
      { update: 'Mar23SU', cves: ['CVE-2023-21707'], products: ['2013', '2016', '2019'] },
    ]);
    expect(parseHcOverrides(cveCheck)).toEqual([
      {
        update: 'Oct25SU',
        cve: 'CVE-2025-59248',
        overrides: [
          'Transport\\NonCompliantSenderSettings\\BlockEmailWithMultipleP2FromHeaders',
          'ContentConversion\\InboundMimeHeaderParserCheckGroupAddresses\\Enabled',
        ],
      },
    ]);
  });

  it('a cvelistV5 record without a fixed build keeps no ranges and says what it lists; a title loses a closing full stop', () => {
    const old = (affected: unknown[]) => ({
      cveMetadata: { cveId: 'CVE-2099-0002', datePublished: '2099-01-02T17:00:00Z' },
      containers: { cna: { title: 'Microsoft Exchange Information Disclosure Vulnerability.', affected } },
    });
    const publication = parseCveRecord(
      old([
        {
          product: 'Microsoft Exchange Server 2019 Cumulative Update 6',
          versions: [{ version: '15.02.0', lessThan: 'publication', status: 'affected' }],
        },
      ]),
      null,
    );
    expect(publication).toMatchObject({
      title: 'Microsoft Exchange Information Disclosure Vulnerability',
      affected: null,
      notes: ['The record gives no fixed build (2019 CU6 publication), so no threshold.'],
    });
    const converted = parseCveRecord(
      old([{ product: 'Exchange Server', versions: [{ version: '2013 CU18, 2016 CU7', status: 'affected' }] }]),
      null,
    );
    expect(converted.affected).toBeNull();
    expect(converted.notes).toEqual([
      "The record's affected list names no Exchange Server version by CU (Exchange Server), so no threshold.",
    ]);
  });

  it('a cvelistV5 record: CU from the product name or the CPE, thresholds without padding, CISA-ADP SSVC, KEV and CVSS', () => {
    const record = {
      cveMetadata: {
        cveId: 'CVE-2099-0001',
        datePublished: '2099-01-02T17:00:00.000Z',
        dateUpdated: '2099-02-03T10:00:00Z',
      },
      containers: {
        cna: {
          descriptions: [{ value: 'A flaw, aka "Microsoft Exchange Server Tampering Vulnerability".' }],
          affected: [
            {
              product: 'Microsoft Exchange Server 2016 Cumulative Update 23',
              versions: [{ version: '15.01.0', lessThan: '15.01.2507.073', status: 'affected' }],
            },
            {
              product: 'Microsoft Exchange Server',
              cpes: ['cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_13:*:*:*:*:*:*'],
              versions: [{ version: '15.02.0', lessThan: '15.02.1258.028', status: 'affected' }],
            },
            {
              product: 'Microsoft Exchange Server Subscription Edition RTM',
              versions: [{ version: '15.02.0.0', lessThan: 'publication', status: 'affected' }],
            },
          ],
        },
        adp: [
          {
            providerMetadata: { shortName: 'CISA-ADP' },
            metrics: [
              { cvssV3_1: { baseScore: 7.4, vectorString: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N' } },
              { other: { type: 'ssvc', content: { options: [{ Exploitation: 'active' }, { Automatable: 'no' }] } } },
              { other: { type: 'kev', content: { dateAdded: '2099-01-05' } } },
            ],
          },
        ],
      },
    };
    expect(parseCveRecord(record, 'abc123')).toEqual({
      id: 'CVE-2099-0001',
      commit: 'abc123',
      title: 'Microsoft Exchange Server Tampering Vulnerability',
      datePublished: '2099-01-02',
      dateUpdated: '2099-02-03',
      cvss: { score: 7.4, vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N', by: 'CISA-ADP' },
      exploitation: 'active',
      kevDateAdded: '2099-01-05',
      affected: [
        { product: '2016', cu: 'CU23', fixedAt: '15.1.2507.73' },
        { product: '2019', cu: 'CU13', fixedAt: '15.2.1258.28' },
        { product: 'SE', cu: 'RTM', fixedAt: null, raw: 'publication' },
      ],
    });
  });

  it('CISA KEV: the Exchange entries, oldest first', () => {
    const sample = {
      catalogVersion: '2099.01.01',
      vulnerabilities: [
        {
          cveID: 'CVE-2022-41082',
          vendorProject: 'Microsoft',
          product: 'Exchange Server',
          dateAdded: '2022-09-30',
          dueDate: '2022-10-21',
          knownRansomwareCampaignUse: 'Known',
        },
        {
          cveID: 'CVE-2099-1',
          vendorProject: 'Microsoft',
          product: 'Windows',
          dateAdded: '2099-01-01',
          dueDate: '2099-01-22',
          knownRansomwareCampaignUse: 'Unknown',
        },
        {
          cveID: 'CVE-2021-42321',
          vendorProject: 'Microsoft',
          product: 'Exchange',
          dateAdded: '2021-11-17',
          dueDate: '2021-12-01',
          knownRansomwareCampaignUse: 'Known',
        },
      ],
    };
    const kev = parseKev(sample);
    expect(kev.catalogVersion).toBe('2099.01.01');
    expect(kev.entries.map((e) => e.cve)).toEqual(['CVE-2021-42321', 'CVE-2022-41082']);
    // A non-Exchange CVE the catalog lists (a Windows flaw HealthChecker checks) is kept too.
    expect(parseKev(sample, new Set(['CVE-2099-1'])).entries.map((e) => e.cve)).toEqual([
      'CVE-2021-42321',
      'CVE-2022-41082',
      'CVE-2099-1',
    ]);
  });

  it('refresh writes the extracts from upstream files on disk, and the import then runs on them', () => {
    quiet();
    const dir = rulesCopy();
    const up = mkdtempSync(join(tmpdir(), 'exaudit-upstream-'));
    dirs.push(up);
    const kevPath = join(up, 'kev.json');
    writeFileSync(
      kevPath,
      JSON.stringify({
        catalogVersion: '2099.01.01',
        vulnerabilities: [
          {
            cveID: 'CVE-2026-42897',
            vendorProject: 'Microsoft',
            product: 'Exchange Server',
            dateAdded: '2026-05-15',
            dueDate: '2026-05-29',
            knownRansomwareCampaignUse: 'Unknown',
          },
        ],
      }),
    );
    expect(refreshMain(['--rules', dir, '--kev', kevPath, '--kev-commit', 'test', '--date', '2099-01-01'])).toBe(0);
    const kev = JSON.parse(readFileSync(join(dir, 'sources', 'kev.json'), 'utf8'));
    expect(kev).toMatchObject({ catalogVersion: '2099.01.01', source: { retrieved: '2099-01-01', commit: 'test' } });
    expect(importMain(['--rules', dir])).toBe(0);
    expect(loadCatalog(dir).cve('CVE-2026-42897')!.kev).toEqual({
      dateAdded: '2026-05-15',
      dueDate: '2026-05-29',
      ransomware: 'Unknown',
      verified: true,
    });
    // The untouched snapshots are left as they were.
    expect(readFileSync(join(dir, 'sources', 'cvelist.json'), 'utf8')).toBe(
      readFileSync(join(DEFAULT_RULES_DIR, 'sources', 'cvelist.json'), 'utf8'),
    );
  });
});
