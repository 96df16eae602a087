import { describe, expect, it } from 'vitest';
import check from '../../checks/emergency-mitigation-service.js';
import { facts, run } from './_facts.js';

const eems = (e: object) => ({ config: { source: 'Get-OrganizationConfig; Get-ExchangeServer', eems: e } });
const healthy = {
  orgEnabled: true,
  serverEnabled: true,
  serviceStatus: 'Running',
  serviceStartMode: 'Automatic',
  applied: ['PING1', 'M1.1'],
  blocked: [],
};

describe('emergency-mitigation-service', () => {
  it('passes when enabled at both levels, running and nothing blocked, listing what is applied', () => {
    const r = run(check, facts('15.2.1748.49', eems(healthy)))[0]!;
    expect(r).toMatchObject({ status: 'pass', code: 'eems-healthy' });
    expect(r.message).toMatch(/applied: PING1, M1\.1/);
  });
  it('fails when disabled, stopped or blocked', () => {
    const r = run(
      check,
      facts(
        '15.2.1748.49',
        eems({ orgEnabled: false, serverEnabled: true, serviceStatus: 'Stopped', blocked: ['M1.1'] }),
      ),
    )[0]!;
    expect(r).toMatchObject({ status: 'fail', code: 'eems-not-healthy' });
    expect(r.message).toMatch(/organization level.*Stopped.*M1\.1/);
    expect(
      run(
        check,
        facts('15.2.1748.49', eems({ ...healthy, serviceStartMode: 'Disabled', serviceStatus: 'Stopped' })),
      )[0],
    ).toMatchObject({ status: 'fail' });
  });
  it('is indeterminate when not collected or only partly collected (never a pass on missing facts)', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate', code: 'eems-unknown' });
    // The collector outside the Exchange Management Shell reads only the service.
    const r = run(check, facts('15.2.1748.49', eems({ serviceStatus: 'Running', serviceStartMode: 'Automatic' })))[0]!;
    expect(r).toMatchObject({ status: 'indeterminate', code: 'eems-partly-unknown' });
    expect(r.message).toMatch(/organization MitigationsEnabled.*MitigationsBlocked/);
    const { applied: _a, blocked: _b, ...noLists } = healthy;
    expect(run(check, facts('15.2.1748.49', eems(noLists)))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'eems-partly-unknown',
    });
    const { serviceStatus: _s, ...noService } = healthy;
    expect(run(check, facts('15.2.1748.49', eems(noService)))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'eems-partly-unknown',
    });
  });
  it('is not applicable before 2019 CU11 / 2016 CU22 and on Edge', () => {
    expect(run(check, facts('15.2.922.27'))[0]).toMatchObject({ status: 'not_applicable', code: 'eems-not-available' });
    expect(run(check, facts('15.1.2308.27'))[0]).toMatchObject({ status: 'not_applicable' });
    const edge = facts('15.2.1748.49', eems(healthy));
    edge.exchange!.edge = true;
    expect(run(check, edge)[0]).toMatchObject({ status: 'not_applicable', code: 'edge-server' });
  });
});
