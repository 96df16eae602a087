import { describe, expect, it } from 'vitest';
import check from '../../checks/amsi.js';
import { facts, run } from './_facts.js';

const cfg = (overrides: object[], providers?: string[]) => ({
  config: {
    source: 'Get-SettingOverride',
    settingOverrides: overrides as never,
    ...(providers ? { amsi: { providers } } : {}),
  },
});

describe('amsi', () => {
  it('passes with no disabling override and a provider', () => {
    expect(run(check, facts('15.2.1748.49', cfg([], ['{2781761E-28E0-4109-99FE-B9D127C57AFE}'])))[0]).toMatchObject({
      status: 'pass',
    });
  });
  it('fails when an override disables it or no provider is registered', () => {
    expect(
      run(
        check,
        facts(
          '15.2.1748.49',
          cfg([
            {
              name: 'x',
              component: 'Cafe',
              section: 'HttpRequestFiltering',
              parameters: ['Enabled=False'],
              status: 'Accepted',
            },
          ]),
        ),
      )[0],
    ).toMatchObject({ status: 'fail', code: 'amsi-disabled' });
    expect(run(check, facts('15.2.1748.49', cfg([], [])))[0]).toMatchObject({
      status: 'fail',
      code: 'amsi-no-provider',
    });
  });
  it('fails where AMSI does not exist: before 2019 CU10 / 2016 CU21, or on Windows before Server 2016', () => {
    expect(run(check, facts('15.2.858.5', cfg([], ['x'])))[0]).toMatchObject({
      status: 'fail',
      code: 'amsi-not-available',
    });
    const old = facts('15.1.2507.61', {
      ...cfg([], ['x']),
      os: { version: '6.3.9600', source: 'Win32_OperatingSystem' },
    });
    expect(run(check, old)[0]).toMatchObject({
      status: 'fail',
      code: 'amsi-not-available',
      message: expect.stringMatching(/6\.3\.9600/),
    });
  });
  it('is indeterminate when overrides or providers were not collected, or overrides conflict', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate', code: 'amsi-unknown' });
    expect(run(check, facts('15.2.1748.49', cfg([])))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'amsi-provider-unknown',
    });
    const two = [true, false].map((v, i) => ({
      name: `o${i}`,
      component: 'Cafe',
      section: 'HttpRequestFiltering',
      parameters: [`Enabled=${v}`],
      status: 'Accepted',
    }));
    expect(run(check, facts('15.2.1748.49', cfg(two, ['x'])))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'amsi-multiple-overrides',
    });
  });
});
