/**
 * End to end against lab servers of builds no other test uses: `exaudit scan` reports each build with the right
 * precision, and the checks turn it into the right open, mitigated and indeterminate CVEs. Depends on the
 * catalog (rules/) and the checks; the facts assertions do not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpLab, type HttpLab } from '../../../src/lab/index.js';
import { runCliAsync } from '../../helpers/cli.js';
import { ResultDocument, type Finding, type TargetResult } from '../../../src/contract.js';

let lab: HttpLab;
const byName = new Map<string, TargetResult>();

beforeAll(async () => {
  lab = await startHttpLab([
    // Builds no other test, fixture or lab fleet uses (held out): the scan has to get them right on its own.
    { name: '2019-cu9-apr21su', build: '15.2.858.10' }, // before the July 2021 SU: exact from the export-tool manifest
    { name: '2019-cu14-cu-only', build: '15.2.1544.33', owaVersionHeader: false, ecp: 'blocked' }, // only the OWA folder
    { name: '2016-cu23-aug22su-eems', build: '15.1.2507.12', mitigations: { proxynotshell: 'abort' } },
    { name: '2013-cu23-dec20su-eomt', build: '15.0.1497.10', mitigations: { proxylogon: 'abort' } },
    { name: 'se-rtm-oct25su', build: '15.2.2562.29' },
    // A rolling upgrade behind one name: the first connection lands on the front end still before the July 2021 SU.
    {
      name: '2019-cu10-rolling',
      frontEnds: [
        { name: 'EXOLD', build: '15.2.922.7' },
        { name: 'EXNEW', build: '15.2.922.20' },
      ],
    },
  ]);
  const r = await runCliAsync([
    'scan',
    ...lab.targets(),
    '--ca',
    lab.caFile,
    '--probe',
    'mitigations',
    '--format',
    'json',
    '--fail-on',
    'none',
    '--quiet',
    '--as-of',
    '2026-11-25',
  ]);
  expect(r.stderr).toBe('');
  const doc = ResultDocument.parse(JSON.parse(r.stdout));
  lab.servers.forEach((s, i) => byName.set(s.name, doc.targets[i]!));
}, 90_000);
afterAll(async () => {
  await lab?.close();
});

const t = (n: string) => byName.get(n)!;
const findings = (n: string, pred: (f: Finding) => boolean) => t(n).findings.filter(pred);
const cves = (n: string, code: string) => new Set(findings(n, (f) => f.code === code).flatMap((f) => f.cves));

describe('facts: build, precision, product', () => {
  it.each([
    ['2019-cu9-apr21su', { build: '15.2.858.10', precision: 'exact', product: '2019' }],
    ['2019-cu14-cu-only', { build: '15.2.1544', precision: 'cu', product: '2019' }],
    ['2016-cu23-aug22su-eems', { build: '15.1.2507.12', precision: 'exact', product: '2016' }],
    ['2013-cu23-dec20su-eomt', { build: '15.0.1497.10', precision: 'exact', product: '2013' }],
    ['se-rtm-oct25su', { build: '15.2.2562.29', precision: 'exact', product: 'SE' }],
    ['2019-cu10-rolling', { build: '15.2.922.7', precision: 'exact', product: '2019' }],
  ])('%s', (n, want) => {
    expect(t(n).status).toBe('assessed');
    expect(t(n).facts!.exchange).toMatchObject(want);
  });
});

describe('findings', () => {
  it('2019 CU9 Apr21SU (exact): ProxyShell open by CVE-2021-31207 (May21SU), its Apr21SU CVEs and ProxyLogon closed', () => {
    const open = cves('2019-cu9-apr21su', 'cve-open');
    for (const id of ['CVE-2021-31207', 'CVE-2021-33766']) expect(open.has(id), id).toBe(true);
    for (const id of ['CVE-2021-34473', 'CVE-2021-34523', 'CVE-2021-26855']) expect(open.has(id), id).toBe(false);
    expect(findings('2019-cu9-apr21su', (f) => f.checkId === 'proxyshell')[0]).toMatchObject({ status: 'fail' });
    expect(cves('2019-cu9-apr21su', 'cve-su-unknown').size).toBe(0);
  });
  it('2019 CU14 at CU precision: SU-fixed CVEs are indeterminate (cve-su-unknown), never open and never passed', () => {
    const unknown = cves('2019-cu14-cu-only', 'cve-su-unknown');
    expect(unknown.has('CVE-2025-53786')).toBe(true);
    expect(cves('2019-cu14-cu-only', 'cve-open').has('CVE-2025-53786')).toBe(false);
    expect(findings('2019-cu14-cu-only', (f) => f.checkId === 'exchange-build')[0]).toMatchObject({
      status: 'indeterminate',
      code: 'build-cu-only',
    });
    expect(
      findings(
        '2019-cu14-cu-only',
        (f) => f.checkId === 'cve-exposure' && f.status === 'pass' && f.cves.includes('CVE-2025-53786'),
      ),
    ).toEqual([]);
    expect(findings('2019-cu14-cu-only', (f) => f.checkId === 'security-updates' && f.status === 'pass')).toEqual([]);
  });
  it('2016 CU23 Aug22SU with the EEMS URI rule: ProxyNotShell open by build, mitigated by the rule the probe saw', () => {
    expect(cves('2016-cu23-aug22su-eems', 'cve-open').has('CVE-2022-41040')).toBe(true);
    const pns = findings('2016-cu23-aug22su-eems', (f) => f.checkId === 'proxynotshell')[0]!;
    expect(pns).toMatchObject({ status: 'mitigated', code: 'mitigated' });
    expect(JSON.stringify(pns.evidence)).toMatch(/proxynotshell-uri-rule: blocked/);
  });
  it('2013 CU23 Dec20SU with the EOMT cookie rules: ProxyLogon open, the SSRF covered, the rest not', () => {
    expect(cves('2013-cu23-dec20su-eomt', 'cve-open').has('CVE-2021-26855')).toBe(true);
    const pl = findings('2013-cu23-dec20su-eomt', (f) => f.checkId === 'proxylogon')[0]!;
    expect(pl).toMatchObject({ status: 'fail', code: 'partially-mitigated' });
    expect(JSON.stringify(pl.evidence)).toMatch(/proxylogon-cookie-rule: blocked/);
  });
  it('2019 CU10 behind a balancer, one front end on Jan22SU and one on the CU alone: the older one is judged', () => {
    expect(
      t('2019-cu10-rolling')
        .facts!.exchange!.observations!.filter((o) => o.precision === 'exact')
        .map((o) => `${o.frontEnd} ${o.build}`)
        .sort(),
    ).toEqual(['EXNEW 15.2.922.20', 'EXOLD 15.2.922.7']);
    expect(cves('2019-cu10-rolling', 'cve-open').has('CVE-2021-33766')).toBe(true); // ProxyToken, fixed by Jul21SU
    expect(findings('2019-cu10-rolling', (f) => f.checkId === 'proxyshell')[0]).toMatchObject({ status: 'fail' });
  });
  it('SE RTM Oct25SU: later SUs missing are open, the old advisories are patched', () => {
    expect(cves('se-rtm-oct25su', 'cve-open').size).toBeGreaterThan(0);
    expect(findings('se-rtm-oct25su', (f) => f.checkId === 'proxylogon')[0]).toMatchObject({
      status: 'pass',
      code: 'patched',
    });
  });
});
