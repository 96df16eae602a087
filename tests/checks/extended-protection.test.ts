import { describe, expect, it } from 'vitest';
import check from '../../checks/extended-protection.js';
import { facts, run } from './_facts.js';

const LIST = [
  ['Default Web Site', 'OWA', 'Require'],
  ['Default Web Site', 'ECP', 'Require'],
  ['Default Web Site', 'EWS', 'Allow'],
  ['Exchange Back End', 'EWS', 'Require'],
  ['Default Web Site', 'Powershell', 'None'],
  ['Exchange Back End', 'Powershell', 'Require'],
];
/** IIS vdirs plus the registry and Outlook Anywhere facts a full collection carries. */
const ep = (overrides: Record<string, string> = {}, config: object = {}) => ({
  iis: {
    source: 'applicationHost.config',
    virtualDirectories: LIST.map(([site, path, t]) => ({
      site: site!,
      path: path!,
      tokenChecking: (overrides[`${site}/${path}`] ?? t) as 'None',
    })),
  },
  config: { source: 'registry; Get-OutlookAnywhere', suppressExtendedProtection: 0, sslOffloading: false, ...config },
});

describe('extended-protection', () => {
  it('passes when every vdir is as required, LSA suppression is 0 and SSL offloading is off', () => {
    expect(run(check, facts('15.2.1748.49', ep()))[0]).toMatchObject({ status: 'pass', code: 'ep-configured' });
    // Require where Allow is expected is secure (the EP CVEs are closed) but not supported: a low-severity warning
    // (HealthChecker Scenario 3: "EP - Default Web Site/OAB: Require", Yellow)
    expect(run(check, facts('15.2.1748.49', ep({ 'Default Web Site/EWS': 'Require' })))).toMatchObject([
      { status: 'pass', code: 'ep-configured' },
      {
        status: 'fail',
        code: 'ep-stricter-than-expected',
        severity: 'low',
        message: expect.stringMatching(/Default Web Site\/EWS/),
      },
    ]);
  });
  it('says when EP is configured on a build that does not support it (HealthChecker Scenario 1)', () => {
    expect(run(check, facts('15.2.986.5', ep()))[0]).toMatchObject({
      status: 'fail',
      code: 'ep-unsupported-build',
      message: expect.stringMatching(/configured, but .* does not support it/),
    });
  });
  it('accepts the EWS back-end IP filter in place of Require', () => {
    const f = facts('15.2.1748.49', ep({ 'Exchange Back End/EWS': 'None' }));
    expect(run(check, f)[0]).toMatchObject({ status: 'fail' });
    f.iis!.virtualDirectories!.find((v) => v.site === 'Exchange Back End' && v.path === 'EWS')!.ipFilterAllowUnlisted =
      false;
    expect(run(check, f)[0]).toMatchObject({ status: 'pass' });
  });
  it('fails on 2019 CU14 fully patched but EP off, on LSA suppression, on SSL offloading, and on builds that cannot take EP', () => {
    const off = run(
      check,
      facts('15.2.1544.44', ep({ 'Default Web Site/OWA': 'None', 'Default Web Site/ECP': 'None' })),
    )[0]!;
    expect(off).toMatchObject({
      status: 'fail',
      code: 'ep-not-configured',
      cves: expect.arrayContaining(['CVE-2024-21410']),
    });
    expect(off.message).toMatch(/Default Web Site\/OWA: None, expected Require/);
    expect(run(check, facts('15.2.1748.49', ep({}, { suppressExtendedProtection: 1 })))[0]).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/SuppressExtendedProtection = 1/),
    });
    expect(run(check, facts('15.2.1748.49', ep({}, { sslOffloading: true })))[0]).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/SSL offloading is on/),
    });
    expect(run(check, facts('15.2.986.5', ep()))[0]).toMatchObject({ status: 'fail', code: 'ep-unsupported-build' });
  });
  it('is indeterminate without IIS facts, with an empty vdir list, with LSA or SSL offloading not collected, or at CU precision where EP support depends on the SU', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate', code: 'ep-config-unknown' });
    const empty = facts('15.2.1748.49', ep());
    empty.iis!.virtualDirectories = [];
    expect(run(check, empty)[0]).toMatchObject({ status: 'indeterminate', code: 'ep-partly-unknown' });
    const { iis } = ep();
    expect(run(check, facts('15.2.1748.49', { iis }))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'ep-partly-unknown',
      message: expect.stringMatching(/suppressExtendedProtection.*sslOffloading/),
    });
    expect(run(check, facts('15.2.1118', ep(), 'cu'))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'ep-build-unknown',
    });
  });
  it('a misconfiguration fails even when the CU-level build leaves EP support open (open either way)', () => {
    expect(run(check, facts('15.2.1118', ep({ 'Default Web Site/OWA': 'None' }), 'cu'))[0]).toMatchObject({
      status: 'fail',
      code: 'ep-not-configured',
    });
  });
  it('does not apply to Edge', () => {
    const f = facts('15.2.1748.49');
    f.exchange!.edge = true;
    expect(run(check, f)[0]).toMatchObject({ status: 'not_applicable' });
  });
});
