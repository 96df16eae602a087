/**
 * A whole catalog (issue 18.1): every kind of file loads and validates in src/catalog/, `rules validate` names a
 * broken file of any kind with `file: path: reason` lines and exit 2, a broken file is one line and exit 2 for
 * every command (never a crash at import time), and --rules is honoured by `ioc` and the evidence reports.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { DEFAULT_RULES_DIR, PROJECT_ROOT } from '../../src/util/tool.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'exaudit-whole-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the shipped catalog with one file changed. */
function catalogWith(name: string, file: string, change: (text: string) => string): string {
  const dir = join(root, name);
  cpSync(DEFAULT_RULES_DIR, dir, { recursive: true });
  writeFileSync(join(dir, file), change(readFileSync(join(dir, file), 'utf8')));
  return dir;
}
const json = (f: (d: any) => void) => (t: string) => {
  const d = JSON.parse(t);
  f(d);
  return JSON.stringify(d);
};
const yaml = (f: (d: any) => void) => (t: string) => {
  const d = parseYaml(t);
  f(d);
  return stringify(d);
};

// One broken file of every kind, and the path and reason `rules validate` must name.
const BROKEN: [string, (t: string) => string, RegExp][] = [
  ['catalog.yaml', yaml((d) => (d.date = 'last Tuesday')), /^catalog\.yaml: date: expected a YYYY-MM-DD date$/m],
  ['products.yaml', yaml((d) => (d[0].id = '2042')), /^products\.yaml: 0\.id: /m],
  ['builds.json', json((d) => (d[0].build = '15.2.x')), /^builds\.json: 0\.build: expected a four-part/m],
  ['updates.json', json((d) => (d[0].releaseDate = 'soon')), /^updates\.json: 0\.releaseDate: expected a YYYY-MM-DD/m],
  ['cves.json', json((d) => (d[0].cvss = 42)), /^cves\.json: 0\.cvss: /m],
  [
    'advisories/proxylogon.yaml',
    yaml((d) => delete d.mitigations[1].services),
    /^advisories\/proxylogon\.yaml: mitigations\.1\.services: /m,
  ],
  ['iocs/exchange.yaml', yaml((d) => (d[0].severity = 'apocalyptic')), /^iocs\/exchange\.yaml: 0\.severity: /m],
  [
    'directives/ed-21-02.yaml',
    yaml((d) => (d.actions[0].id = 'Not An Id')),
    /^directives\/ed-21-02\.yaml: actions\.0\.id: /m,
  ],
  ['directives/ed-25-02.yaml', () => 'id: [unclosed\n', /^directives\/ed-25-02\.yaml: \(parse\): /m],
  [
    'extended-protection.yaml',
    yaml((d) => (d.supportedFrom = ['15.2.x'])),
    /^extended-protection\.yaml: supportedFrom\.0: /m,
  ],
  [
    'healthchecker/windows.yaml',
    yaml((d) => (d.tokenCache.fixedVersions['17763'] = '10.0.x')),
    /^healthchecker\/windows\.yaml: tokenCache\.fixedVersions\.17763: expected a four-part file version$/m,
  ],
  [
    'healthchecker/tls.yaml',
    yaml((d) => (d.tokenCache = { cves: ['CVE-2023-36434'] })),
    /^healthchecker\/tls\.yaml: tokenCache\.\w+: /m,
  ],
  [
    'healthchecker/ad.yaml',
    yaml((d) => (d.adAcl.cves = ['CVE-2099-0001'])),
    /^healthchecker\/ad\.yaml: adAcl\.cves: CVE-2099-0001 is not in cves\.json$/m,
  ],
  [
    'healthchecker/exchange.yaml',
    yaml((d) => (d.hsts.maxAgeDays = 365)),
    /^healthchecker\/exchange\.yaml: hsts: Unrecognized key: "maxAgeDays"$/m,
  ],
];

describe('rules validate catches a broken file of every kind', () => {
  it.each(BROKEN)('%s', (file, change, line) => {
    const dir = catalogWith(file.replace(/\W/g, '_'), file, change);
    const r = runCli(['rules', 'validate', '--rules', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(line);
    expect(r.stderr).toMatch(/^exaudit: catalog .* is invalid \(\d+ problems?\)$/m);
    expect(r.stderr).not.toMatch(/ZodError|at .*\.js:\d+/);
  });

  it('says what the shipped catalog covers', () => {
    const r = runCli(['rules', 'validate', '--as-of', '2026-11-30']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^catalog \S+ \(\d{4}-\d\d-\d\d\) is valid: 4 products, \d+ builds, \d+ updates, \d+ CVEs, 3 advisories, \d+ indicators, 3 directives; \d+ entries marked unverified$/m,
    );
    expect(r.stdout).toMatch(/^ {2}Exchange Server 2019\s+RTM to CU\d+ \(\d+ CUs\); newest build 15\.2\.\d+\.\d+ /m);
    expect(r.stdout).toMatch(/^ {2}last update \w+ of \d{4}-\d\d-\d\d /m);
    expect(r.stdout).toMatch(
      /^ {2}security settings \(rules\/healthchecker\/, 4 files\): adAcl, adSchema, aes256Cbc, certificates, hsts, iisModules, lsa, netFramework, smbCompression, tls, tokenCache$/m,
    );
    expect(r.stdout).toMatch(/^ {2}age -?\d+ days on 2026-11-30; latest Patch Tuesday 2026-11-10: /m);
    expect(r.stdout).toMatch(/^ {2}compiled dist\/catalog\.json: matches these files$/m);
    expect(r.stdout).toMatch(/^sha256 [0-9a-f]{64}$/m);
  });
});

describe('a broken catalog file is one line and exit 2 for every command', () => {
  it('a broken directive file stops `build` with one line, not a stack trace', () => {
    const dir = catalogWith(
      'bad-directive',
      'directives/ed-21-02.yaml',
      yaml((d) => delete d.actions),
    );
    const r = runCli(['build', '15.2.1544.14', '--rules', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^exaudit: catalog invalid: directives\/ed-21-02\.yaml: actions: .*exaudit rules validate/,
    );
  });

  it('a broken indicator file stops `ioc` with one line, not a zod dump', () => {
    const dir = catalogWith(
      'bad-ioc',
      'iocs/exchange.yaml',
      yaml((d) => delete d[0].source),
    );
    const r = runCli(['ioc', join(PROJECT_ROOT, 'fixtures', 'logs'), '--rules', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^exaudit: catalog invalid: iocs\/exchange\.yaml: 0\.source: /);
  });
});

describe('--rules reaches ioc and the evidence reports', () => {
  it('ioc sweeps with the indicators of --rules', () => {
    const dir = catalogWith('own-ioc', 'catalog.yaml', (t) => t);
    writeFileSync(
      join(dir, 'iocs', 'zz-local.yaml'),
      stringify([
        {
          id: 'local-canary',
          advisory: 'local test indicator',
          severity: 'critical',
          source: 'listing',
          explanation: 'a marker only this catalog knows',
          regex: 'canary-7f3a',
          sources: ['css-exchange'],
        },
      ]),
    );
    const logs = join(root, 'triage');
    mkdirSync(logs, { recursive: true });
    writeFileSync(join(logs, 'files.txt'), 'C:\\inetpub\\wwwroot\\aspnet_client\\canary-7f3a.aspx\n');
    const own = runCli(['ioc', logs, '--rules', dir, '--format', 'json', '--fail-on', 'none']);
    expect(own.code).toBe(0);
    expect(JSON.parse(own.stdout).ioc.hits.map((h: { indicator: string }) => h.indicator)).toContain('local-canary');
    const shipped = runCli(['ioc', logs, '--format', 'json', '--fail-on', 'none']);
    expect(JSON.parse(shipped.stdout).ioc.hits.map((h: { indicator: string }) => h.indicator)).not.toContain(
      'local-canary',
    );
  });

  it('ioc refuses a catalog with no indicators rather than report a clean sweep', () => {
    const dir = catalogWith('no-iocs', 'catalog.yaml', (t) => t);
    rmSync(join(dir, 'iocs'), { recursive: true });
    const r = runCli(['ioc', join(PROJECT_ROOT, 'fixtures', 'logs'), '--rules', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^exaudit: the catalog in .* has no indicators \(add rules\/iocs\/\*\.yaml, or drop --rules\)$/m,
    );
  });

  it('report --directive uses the directives of --rules', () => {
    const dir = catalogWith('own-directive', 'catalog.yaml', (t) => t);
    const d = parseYaml(readFileSync(join(dir, 'directives', 'ed-25-02.yaml'), 'utf8'));
    d.id = 'xx-26-01';
    d.title = 'Local directive XX 26-01';
    writeFileSync(join(dir, 'directives', 'xx-26-01.yaml'), stringify(d));
    const result = join(root, 'result.json');
    const facts = join(PROJECT_ROOT, 'fixtures', 'scenarios', 'eems-disabled', 'facts.json');
    expect(runCli(['audit', '--facts', facts, '--format', 'json', '-o', result, '--fail-on', 'none']).code).toBe(0);
    const md = runCli([
      'report',
      result,
      '--directive',
      'xx-26-01',
      '--rules',
      dir,
      '--format',
      'markdown',
      '--fail-on',
      'none',
    ]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('Local directive XX 26-01');
    const shipped = runCli(['report', result, '--directive', 'xx-26-01', '--format', 'markdown']);
    expect(shipped.code).toBe(2);
    expect(shipped.stderr).toMatch(/--directive xx-26-01: the catalog has no such directive \(choose /);
  });
});
