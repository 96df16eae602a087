import { describe, expect, it } from 'vitest';
import check from '../../checks/proxynotshell.js';
import { facts, run } from './_facts.js';
import { EOMTV2_RULE } from './_advisory-facts.js';

const withRule = (rule: object, extra: object = {}) => facts('15.2.1118.15', { iis: { source: 'web.config', rewriteRules: [rule as never], ...extra } });

describe('proxynotshell', () => {
  it('passes from the November 2022 SU on', () => {
    expect(run(check, facts('15.2.1118.20'))[0]).toMatchObject({ status: 'pass' });
  });
  it('2019 CU12 Oct22SU with the EOMTv2 rule is mitigated (the rule covers both CVEs, as HealthChecker judges it)', () => {
    const r = run(check, withRule(EOMTV2_RULE))[0]!;
    expect(r).toMatchObject({ status: 'mitigated' });
  });
  it('rejects the old bypassable pattern and rules cancelled by <clear/>', () => {
    const old = { ...EOMTV2_RULE, conditions: [{ input: '{REQUEST_URI}', pattern: '.*autodiscover\\.json.*Powershell.*' }] };
    expect(run(check, withRule(old))[0]).toMatchObject({ status: 'fail' });
    expect(run(check, withRule(EOMTV2_RULE, { rewriteRulesClearedIn: ['FrontEnd\\HttpProxy\\autodiscover\\web.config'] }))[0]).toMatchObject({ status: 'fail' });
    expect(run(check, withRule({ ...EOMTV2_RULE, patternSyntax: 'Wildcard' }))[0]).toMatchObject({ status: 'fail' });
  });
  it('EEMS M1.1 counts as the mitigation', () => {
    const f = facts('15.2.986.30', { config: { source: 'Get-ExchangeServer', eems: { applied: ['PING1', 'M1.1'] } } });
    expect(run(check, f)[0]).toMatchObject({ status: 'mitigated' });
  });
  it('without any mitigation facts the exposure is a fail with unknown mitigations', () => {
    expect(run(check, facts('15.2.1118.15'))[0]).toMatchObject({ status: 'fail', code: 'exposed-mitigations-unknown' });
  });
});
