import { describe, expect, it } from 'vitest';
import check from '../../checks/emergency-mitigation-service.js';
import { facts, run } from './_facts.js';

const eems = (e: object) => ({ config: { source: 'Get-OrganizationConfig; Get-ExchangeServer', eems: e } });

describe('emergency-mitigation-service', () => {
  it('passes when enabled and running', () => {
    expect(run(check, facts('15.2.1748.49', eems({ orgEnabled: true, serverEnabled: true, serviceStatus: 'Running', serviceStartMode: 'Automatic', applied: ['PING1'] })))[0]).toMatchObject({ status: 'pass' });
  });
  it('fails when disabled or blocked', () => {
    const r = run(check, facts('15.2.1748.49', eems({ orgEnabled: false, serverEnabled: true, serviceStatus: 'Stopped', blocked: ['M1.1'] })))[0]!;
    expect(r).toMatchObject({ status: 'fail', code: 'eems-not-healthy' });
    expect(r.message).toMatch(/organization level.*Stopped.*M1\.1/);
  });
  it('is indeterminate when not collected, and not applicable before 2019 CU11', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate' });
    expect(run(check, facts('15.2.922.27'))[0]).toMatchObject({ status: 'not_applicable' });
  });
});
