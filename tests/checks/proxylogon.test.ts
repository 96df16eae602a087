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
    expect(r.cves).toEqual(
      expect.arrayContaining(['CVE-2021-26855', 'CVE-2021-26857', 'CVE-2021-26858', 'CVE-2021-27065']),
    );
    expect(r.remediation).toMatch(/Mar21SU/);
  });
  it('is mitigated when every interim mitigation is in place, listing each with what it covers and does not cover', () => {
    const r = run(check, facts('15.0.1497.2', march2021Mitigations()))[0]!;
    expect(r).toMatchObject({ status: 'mitigated', code: 'mitigated' });
    expect(r.message).toMatch(
      /\(1\) IIS URL Rewrite rules .*: covers CVE-2021-26855; does not cover: .*\(2\) Unified Messaging .*: covers CVE-2021-26857; does not cover: .*\(3\) ECP application pool .*: covers CVE-2021-27065; does not cover: .*\(4\) OAB application pool .*: covers CVE-2021-26858; does not cover: /,
    );
    expect(r.message).toMatch(/Install the update/);
    const ev = JSON.stringify(r.evidence);
    for (const id of ['eomt-cookie-rules', 'um-services-disabled', 'ecp-apppool-stopped', 'oab-apppool-stopped'])
      expect(ev).toMatch(new RegExp(`mitigation ${id} \\(in-place\\)`));
    expect(ev).toMatch(/This mitigation covers CVE-2021-26855; does not cover/);
  });
  it('lists partial mitigations and what they do not cover', () => {
    const f = facts('15.0.1497.2', {
      ...march2021Mitigations(),
      services: [
        { name: 'MSExchangeUM', status: 'Running', startMode: 'Automatic' },
        { name: 'MSExchangeUMCR', status: 'Stopped', startMode: 'Disabled' },
      ],
    });
    const r = run(check, f)[0]!;
    expect(r).toMatchObject({ status: 'fail', code: 'partially-mitigated' });
    expect(r.message).toMatch(
      /In place, each only in part: .*covers CVE-2021-26855; does not cover: .*Not covered: CVE-2021-26857\./,
    );
    expect(JSON.stringify(r.evidence)).toMatch(/um-services-disabled \(absent\).*not disabled: MSExchangeUM/);
  });
  it('a service the facts do not list was not looked at: unknown, never counted as disabled', () => {
    const f = facts('15.0.1497.2', {
      ...march2021Mitigations(),
      services: [{ name: 'MSExchangeMitigation', status: 'Running' }],
    });
    const r = run(check, f)[0]!;
    expect(r).toMatchObject({ status: 'fail', code: 'partially-mitigated' });
    expect(r.message).toMatch(/Not collected: um-services-disabled/);
    // Listed as not installed (present: false) is as good as disabled.
    const absent = facts('15.0.1497.2', {
      ...march2021Mitigations(),
      services: ['MSExchangeUM', 'MSExchangeUMCR'].map((name) => ({ name, status: 'Absent', present: false })),
    });
    expect(run(check, absent)[0]).toMatchObject({ status: 'mitigated' });
  });
  it('2019 has no Unified Messaging: the three other mitigations cover an unpatched 2019', () => {
    const f = facts('15.2.792.3', march2021Mitigations());
    delete f.services;
    const r = run(check, f)[0]!;
    expect(r).toMatchObject({ status: 'mitigated' });
    expect(r.message).toMatch(/Not needed on Exchange 2019: Unified Messaging/);
  });
  it('a disabled or altered rewrite rule does not count', () => {
    const broken = [{ ...EOMT_RULES[0]!, enabled: false }, EOMT_RULES[1]!];
    const r = run(check, facts('15.0.1497.2', march2021Mitigations(broken as never)))[0]!;
    expect(r).toMatchObject({ code: 'partially-mitigated' });
    expect(JSON.stringify(r.evidence)).toMatch(
      /rule \\"X-AnonResource-Backend Abort - inbound\\" does not count: disabled/,
    );
  });
  it('accepts the remote probe as evidence of the cookie rule', () => {
    const f = facts('15.2.792.3', {
      http: {
        baseUrl: 'https://x',
        observations: [],
        mitigationProbes: [
          {
            id: 'proxylogon-cookie-rule',
            method: 'GET',
            path: '/owa/auth/logon.aspx',
            sent: 'cookie',
            outcome: 'blocked',
            detail: 'dropped',
          },
        ],
      },
    });
    const r = run(check, f)[0]!;
    expect(JSON.stringify(r.evidence)).toMatch(/eomt-cookie-rules \(in-place\)/);
  });
  it('is indeterminate at CU precision', () => {
    expect(run(check, facts('15.0.1497', {}, 'cu'))[0]).toMatchObject({ status: 'indeterminate', code: 'su-unknown' });
  });
});
