import { describe, expect, it } from 'vitest';
import check from '../../checks/proxynotshell.js';
import { facts, run } from './_facts.js';
import { EOMTV2_RULE } from './_advisory-facts.js';

const withRule = (rule: object, extra: object = {}) =>
  facts('15.2.1118.15', { iis: { source: 'web.config', rewriteRules: [rule as never], ...extra } });

describe('proxynotshell', () => {
  it('passes from the November 2022 SU on', () => {
    expect(run(check, facts('15.2.1118.20'))[0]).toMatchObject({ status: 'pass', code: 'patched' });
  });
  it('2019 CU12 Oct22SU with the EOMTv2 rule (improved pattern) is mitigated, listing what the rule does not cover', () => {
    const r = run(check, withRule(EOMTV2_RULE))[0]!;
    expect(r).toMatchObject({ status: 'mitigated', code: 'mitigated', cves: ['CVE-2022-41040', 'CVE-2022-41082'] });
    expect(r.message).toMatch(/covers CVE-2022-41040, CVE-2022-41082; does not cover: /);
    // The same rule as EEMS writes it counts too (matched by content, not name).
    expect(run(check, withRule({ ...EOMTV2_RULE, name: 'EEMS M1.1 PowerShell - inbound' }))[0]).toMatchObject({
      status: 'mitigated',
    });
  });
  it('rejects the original bypassable pattern and says why, and rules cancelled by <clear/> or made Wildcard', () => {
    const old = {
      ...EOMTV2_RULE,
      conditions: [{ input: '{REQUEST_URI}', pattern: '.*autodiscover\\.json.*Powershell.*' }],
    };
    const r = run(check, withRule(old))[0]!;
    expect(r).toMatchObject({ status: 'fail', code: 'exposed-mitigations-unknown' });
    expect(JSON.stringify(r.evidence)).toMatch(
      /rule \\"PowerShell - inbound\\" does not count: pattern .*autodiscover.*is not the required/,
    );
    expect(
      run(
        check,
        withRule(EOMTV2_RULE, { rewriteRulesClearedIn: ['FrontEnd\\HttpProxy\\autodiscover\\web.config'] }),
      )[0],
    ).toMatchObject({ status: 'fail' });
    const wild = run(check, withRule({ ...EOMTV2_RULE, patternSyntax: 'Wildcard' }))[0]!;
    expect(wild).toMatchObject({ status: 'fail' });
    expect(JSON.stringify(wild.evidence)).toMatch(/patternSyntax Wildcard/);
  });
  it('EEMS M1.1 counts as the mitigation', () => {
    const f = facts('15.2.986.30', { config: { source: 'Get-ExchangeServer', eems: { applied: ['PING1', 'M1.1'] } } });
    expect(run(check, f)[0]).toMatchObject({ status: 'mitigated' });
  });
  it('remote PowerShell restricted to admins alone covers only CVE-2022-41082: partially mitigated', () => {
    const f = facts('15.2.1118.15', {
      iis: { source: 'web.config', rewriteRules: [] },
      config: { source: 'Get-User', eems: { applied: ['PING1'] }, remotePowerShellNonAdminUsers: 0 },
    });
    const r = run(check, f)[0]!;
    expect(r).toMatchObject({ status: 'fail', code: 'partially-mitigated' });
    expect(r.message).toMatch(
      /Remote PowerShell disabled for non-administrators: covers CVE-2022-41082; does not cover: .*Not covered: CVE-2022-41040\./,
    );
    expect(JSON.stringify(r.evidence)).toMatch(/remote-powershell-restricted \(in-place\) \[not verified\]/);
  });
  it('without any mitigation facts the exposure is a fail with unknown mitigations', () => {
    expect(run(check, facts('15.2.1118.15'))[0]).toMatchObject({ status: 'fail', code: 'exposed-mitigations-unknown' });
  });
  it('is indeterminate at CU precision on a CU that received the November 2022 SU', () => {
    expect(run(check, facts('15.2.1118', {}, 'cu'))[0]).toMatchObject({ status: 'indeterminate', code: 'su-unknown' });
  });
});
