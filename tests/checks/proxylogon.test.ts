import { describe, expect, it } from 'vitest';
import check from '../../checks/proxylogon.js';
import { facts, run } from './_facts.js';
import { EOMT_RULES, march2021Mitigations } from './_advisory-facts.js';

describe('proxylogon', () => {
  it('passes once the March 2021 SU (or a later CU) is installed', () => {
    expect(run(check, facts('15.0.1497.12'))[0]).toMatchObject({ status: 'pass', code: 'patched' });
    expect(run(check, facts('15.2.858.5'))[0]).toMatchObject({ status: 'pass' });
  });
  it('fails on an unpatched 2013 CU23 without mitigations, and says mitigation facts are missing', () => {
    const r = run(check, facts('15.0.1497.2'))[0]!;
    expect(r).toMatchObject({ status: 'fail', code: 'exposed-mitigations-unknown', severity: 'critical' });
    expect(r.cves).toEqual(expect.arrayContaining(['CVE-2021-26855', 'CVE-2021-27065']));
    expect(r.remediation).toMatch(/Mar21SU/);
  });
  it('is mitigated when every interim mitigation is in place', () => {
    const r = run(check, facts('15.0.1497.2', march2021Mitigations()))[0]!;
    expect(r).toMatchObject({ status: 'mitigated', code: 'mitigated' });
  });
  it('lists partial mitigations and what they do not cover', () => {
    const f = facts('15.0.1497.2', { ...march2021Mitigations(), services: [{ name: 'MSExchangeUM', status: 'Running', startMode: 'Automatic' }] });
    const r = run(check, f)[0]!;
    expect(r).toMatchObject({ status: 'fail', code: 'partially-mitigated' });
    expect(r.message).toMatch(/Not covered: CVE-2021-26857/);
    expect(JSON.stringify(r.evidence)).toMatch(/does not cover/);
  });
  it('a disabled or altered rewrite rule does not count', () => {
    const broken = [{ ...EOMT_RULES[0]!, enabled: false }, EOMT_RULES[1]!];
    expect(run(check, facts('15.0.1497.2', march2021Mitigations(broken as never)))[0]).toMatchObject({ code: 'partially-mitigated' });
  });
  it('accepts the remote probe as evidence of the cookie rule', () => {
    const f = facts('15.2.792.3', { http: { baseUrl: 'https://x', observations: [], mitigationProbes: [{ id: 'proxylogon-cookie-rule', method: 'GET', path: '/owa/auth/logon.aspx', sent: 'cookie', outcome: 'blocked', detail: 'dropped' }] } });
    const r = run(check, f)[0]!;
    expect(JSON.stringify(r.evidence)).toMatch(/eomt-cookie-rules \(in-place\)/);
  });
  it('is indeterminate at CU precision', () => {
    expect(run(check, facts('15.0.1497', {}, 'cu'))[0]).toMatchObject({ status: 'indeterminate', code: 'su-unknown' });
  });
});
