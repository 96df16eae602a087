import { describe, expect, it } from 'vitest';
import check from '../../checks/hybrid-app.js';
import { facts, run } from './_facts.js';

const hybrid = (
  h: object,
  overrides: object[] = [
    {
      name: 'EnableExchangeHybrid3PAppFeature',
      component: 'Global',
      section: 'ExchangeOnpremAsThirdPartyAppId',
      parameters: ['Enabled=true'],
      status: 'Accepted',
    },
  ],
) => ({
  hybrid: { source: 'Get-HybridConfiguration; Get-AuthServer', configured: true, ...h } as never,
  config: { source: 'Get-SettingOverride', settingOverrides: overrides as never },
});
const ok = {
  evoStsAuthServers: [
    { name: 'EvoSts - 1', applicationIdentifier: '7c3bbb2d-4b43-4d62-9d1d-1c3c8a6b2f10', enabled: true },
  ],
  firstPartySpKeyCredentials: 0,
};

describe('hybrid-app', () => {
  it('passes with the HU, the dedicated app and a clean service principal', () => {
    expect(run(check, facts('15.2.1748.49', hybrid(ok)))[0]).toMatchObject({ status: 'pass' });
  });
  it('fails on a hybrid server without the dedicated app or below the April 2025 HU', () => {
    const r = run(
      check,
      facts(
        '15.2.1544.14',
        hybrid(
          {
            evoStsAuthServers: [
              { name: 'EvoSts', applicationIdentifier: '00000002-0000-0ff1-ce00-000000000000'.replace(/-/g, 'x') },
            ],
            firstPartySpKeyCredentials: 2,
          },
          [],
        ),
      ),
    )[0]!;
    expect(r).toMatchObject({ status: 'fail', code: 'hybrid-app-missing' });
    expect(r.message).toMatch(/April 2025 HU.*exactly one.*EvoSTS.*2 keyCredentials/);
  });
  it('fails an Exchange 2013 server in a hybrid: it cannot take the April 2025 HU', () => {
    const r = run(check, facts('15.0.1497.48', hybrid(ok)))[0]!;
    expect(r).toMatchObject({
      status: 'fail',
      code: 'hybrid-app-missing',
      message: expect.stringMatching(/Exchange 2013 cannot take the April 2025 HU/),
    });
  });
  it('is indeterminate when part of the hybrid facts were not collected', () => {
    const { firstPartySpKeyCredentials: _k, ...noTenant } = ok;
    expect(run(check, facts('15.2.1748.49', hybrid(noTenant)))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'hybrid-partly-unknown',
    });
  });
  it('is not applicable without hybrid and indeterminate when not collected', () => {
    expect(run(check, facts('15.2.1748.49', { hybrid: { source: 'x', configured: false } }))[0]).toMatchObject({
      status: 'not_applicable',
    });
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate' });
  });
});
