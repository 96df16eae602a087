/**
 * Every version string Exchange shows (issue 13.5), wherever a build is read: `exaudit build`, facts files and the
 * HealthChecker import. AdminDisplayVersion ("Version 15.2 (Build 986.5)") names the CU only: CU precision, and
 * CVEs fixed by an SU on that CU are indeterminate, never fixed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, type Catalog } from '../../src/catalog/catalog.js';
import { buildInfoFromFacts, lookupBuild } from '../../src/catalog/lookup.js';
import { parseAdminDisplayVersion, parseBuild } from '../../src/util/version.js';
import { parseFacts } from '../../src/facts/validate.js';
import { loadHealthCheckerFiles } from '../../src/collect/offline/healthchecker.js';
import { InputError } from '../../src/util/errors.js';
import { PROJECT_ROOT } from '../../src/util/tool.js';
import { runCli } from '../helpers/cli.js';

const AS_OF = '2026-11-25';
let catalog: Catalog;
let tmp: string;
beforeAll(() => {
  catalog = loadCatalog();
  tmp = mkdtempSync(join(tmpdir(), 'exaudit-versions-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const look = (v: string) => lookupBuild(catalog, v, AS_OF);
const lineOf = (v: string) => {
  try {
    look(v);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).line();
  }
  throw new Error(`${v} was accepted`);
};

describe('parseBuild', () => {
  it('reads AdminDisplayVersion as the three-part CU build', () => {
    expect(parseBuild('Version 15.2 (Build 986.5)')).toEqual({
      parts: [15, 2, 986],
      text: '15.2.986',
      form: 'admin-display-version',
    });
    expect(parseBuild('  version 15.0 (build 1497.2) ')?.text).toBe('15.0.1497');
    expect(parseAdminDisplayVersion('Version 15.1 (Build 2507.6)')).toEqual({
      cu: [15, 1, 2507],
      shown: '15.1.2507.6',
    });
    expect(parseBuild('15.02.1544.046')).toMatchObject({ text: '15.2.1544.46', form: 'dotted' });
  });
  it('rejects near misses', () => {
    for (const bad of ['Version 15.2', 'Version 15.2 (Build 986)', 'Build 986.5', 'Version 15.2 (Build 986.5) extra'])
      expect(parseBuild(bad)).toBeUndefined();
  });
});

describe('exaudit build reads every form', () => {
  it.each([
    ['four-part', '15.2.1544.14', { build: '15.2.1544.14', precision: 'exact', cu: 'CU14', update: 'Nov24SUv2' }],
    ['zero-padded', '15.02.1544.014', { build: '15.2.1544.14', precision: 'exact', update: 'Nov24SUv2' }],
    ['three-part', '15.2.1544', { build: '15.2.1544', precision: 'cu', cu: 'CU14', update: null }],
    ['AdminDisplayVersion', 'Version 15.2 (Build 986.5)', { build: '15.2.986', precision: 'cu', cu: 'CU11' }],
    ['a name', '2019 CU14 Nov24SU', { build: '15.2.1544.13', precision: 'exact', update: 'Nov24SU' }],
    ['a full name', 'Microsoft Exchange Server 2019 CU14 Nov24SUv2', { build: '15.2.1544.14', update: 'Nov24SUv2' }],
    ['a spelt-out month', '2019 CU14 November 2024 SU v2', { build: '15.2.1544.14', update: 'Nov24SUv2' }],
    ['v2 after a space', 'Exchange 2019 CU14 Nov24SU v2', { build: '15.2.1544.14', update: 'Nov24SUv2' }],
    ['an SU that was an HU', '2016 CU23 Apr25SU', { build: '15.1.2507.55', update: 'Apr25HU' }],
    ['2013 SP1', 'Exchange 2013 SP1', { build: '15.0.847', cu: 'CU4', precision: 'cu' }],
  ])('%s: %s', (_form, input, expected) => {
    expect(look(input)).toMatchObject(expected);
  });

  it('AdminDisplayVersion leaves SU-fixed CVEs indeterminate and says why', () => {
    const adv = look('Version 15.2 (Build 1544.4)');
    const exact = look('15.2.1544.14');
    expect(adv.precision).toBe('cu');
    // A CVE that Nov24SUv2 closes on CU14 is open on the CU base and fixed on .14: here it must be indeterminate.
    const closedByAnSu = exact.cves.length < look('15.2.1544.4').cves.length;
    expect(closedByAnSu).toBe(true);
    const opened = look('15.2.1544.4').cves.filter((id) => !exact.cves.includes(id));
    for (const id of opened) {
      expect(adv.cves).not.toContain(id);
      expect(adv.indeterminateCves.map((x) => x.id)).toContain(id);
    }
    expect(adv.notes.join(' ')).toMatch(/AdminDisplayVersion .* names the CU only .*indeterminate/);
  });

  it('notes aliases and re-releases', () => {
    expect(look('2016 CU23 Apr25SU').notes).toEqual([
      "Apr25SU read as Apr25HU: Microsoft released that month's update as Apr25HU",
    ]);
    expect(look('2019 CU14 November 2024 SU v2').notes).toEqual(['"November 2024 SU v2" read as Nov24SUv2']);
    expect(look('2019 CU14 Nov24SU').notes[0]).toMatch(/^Nov24SU was re-released as Nov24SUv2 \(15\.2\.1544\.14\)/);
    expect(look('Exchange 2013 SP1').notes).toEqual(['Exchange 2013 SP1 is CU4']);
    expect(look('15.2.1544.14').notes).toEqual([]);
  });

  it('a CU paired with an update it never got is one line naming the CUs that got it', () => {
    expect(lineOf('2016 CU22 Jan23SU')).toBe(
      "Exchange 2016 CU22 never received Jan23SU: Jan23SU was released for Exchange 2013 CU23, 2016 CU23, 2019 CU11 and CU12 (or give the build number: ExSetup.exe's file version)",
    );
    expect(lineOf('2016 Jan23SU')).toMatch(
      /name the CU as well, e.g. "Exchange 2016 CU23 Jan23SU" \(Jan23SU was released for /,
    );
    expect(lineOf('2019 CU15 Jan27SU')).toMatch(
      /no update Jan27SU in the catalog \(its newest is \w+ of \d{4}-\d\d-\d\d\)/,
    );
  });

  it('the CLI prints the note, and the mismatch as one line with exit 2', () => {
    const ok = runCli(['build', 'Version 15.2 (Build 986.5)', '--as-of', AS_OF]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ {2}build {7}15\.2\.986 {2}precision cu$/m);
    expect(ok.stdout).toMatch(/^ {2}note {8}AdminDisplayVersion "Version 15\.2 \(Build 986\.5\)" names the CU only/m);
    const bad = runCli(['build', '2016 CU22 Jan23SU']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^exaudit: Exchange 2016 CU22 never received Jan23SU: Jan23SU was released for /);
  });
});

describe('facts files', () => {
  const file = (exchange: Record<string, unknown>) => ({ target: { name: 'ex01.contoso.test' }, exchange });

  it('a file with only exchange.adminDisplayVersion gets CU precision, not "no build collected"', () => {
    const f = parseFacts(file({ adminDisplayVersion: 'Version 15.2 (Build 986.5)' }), 'ex01.json');
    expect(f.exchange).toMatchObject({
      build: '15.2.986',
      product: '2019',
      precision: 'cu',
      adminDisplayVersion: 'Version 15.2 (Build 986.5)',
    });
    expect(f.exchange!.source).toMatch(/AdminDisplayVersion "Version 15\.2 \(Build 986\.5\)" \(CU only\)/);
    const info = buildInfoFromFacts(catalog, f, AS_OF)!;
    expect(info).toMatchObject({ cu: 'CU11', precision: 'cu' });
  });

  it('AdminDisplayVersion given as exchange.build is CU precision even when the file says exact', () => {
    const f = parseFacts(file({ build: 'Version 15.1 (Build 2507.6)', precision: 'exact' }), 'ex02.json');
    expect(f.exchange).toMatchObject({ build: '15.1.2507', precision: 'cu', product: '2016' });
  });

  it('an exact build wins over AdminDisplayVersion', () => {
    const f = parseFacts(file({ build: '15.2.1544.14', adminDisplayVersion: 'Version 15.2 (Build 1544.4)' }), 'x');
    expect(f.exchange).toMatchObject({ build: '15.2.1544.14', precision: 'exact' });
  });

  it('exaudit audit judges such a file at CU precision', () => {
    const path = join(tmp, 'adv-only.json');
    writeFileSync(path, JSON.stringify(file({ adminDisplayVersion: 'Version 15.2 (Build 1544.4)' })));
    const r = runCli(['audit', '--facts', path, '--format', 'json', '--fail-on', 'none', '--as-of', AS_OF]);
    expect(r.code).toBe(0);
    const findings = JSON.parse(r.stdout).targets[0].findings as { checkId: string; code: string; status: string }[];
    expect(findings.find((x) => x.checkId === 'exchange-build')).toMatchObject({ code: 'build-cu-only' });
    expect(findings.some((x) => x.code === 'build-unknown' || x.code === 'missing-facts')).toBe(false);
    expect(findings.filter((x) => x.code === 'cve-su-unknown').length).toBeGreaterThan(0);
  });
});

describe('HealthChecker import', () => {
  it('falls back to AdminDisplayVersion (CU precision) when the export has no file version', () => {
    const src = readFileSync(join(PROJECT_ROOT, 'fixtures/healthchecker/HealthChecker-EX13C-202511210800.xml'), 'utf8');
    const stripped = src
      .replace('<S N="FileVersion">15.00.1497.048</S>', '')
      .replace('<Version N="BuildVersion">15.0.1497.48</Version>', '')
      .replaceAll('15.00.1497.048', '');
    const path = join(tmp, 'HealthChecker-EX13C-202511210800.xml');
    writeFileSync(path, stripped);
    const r = loadHealthCheckerFiles([path]);
    expect(r.problems).toEqual([]);
    expect(r.collected[0]!.facts!.exchange).toMatchObject({
      build: '15.0.1497',
      precision: 'cu',
      product: '2013',
      adminDisplayVersion: 'Version 15.0 (Build 1497.48)',
    });
    expect(r.collected[0]!.facts!.exchange!.source).toMatch(/GetExchangeServer\.AdminDisplayVersion \(CU only\)$/);
  });
});
