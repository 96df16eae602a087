import { describe, expect, it } from 'vitest';
import check from '../../checks/amsi.js';
import { facts, run } from './_facts.js';

const cfg = (overrides: object[], providers?: string[]) => ({ config: { source: 'Get-SettingOverride', settingOverrides: overrides as never, ...(providers ? { amsi: { providers } } : {}) } });

describe('amsi', () => {
  it('passes with no disabling override and a provider', () => {
    expect(run(check, facts('15.2.1748.49', cfg([], ['{2781761E-28E0-4109-99FE-B9D127C57AFE}'])))[0]).toMatchObject({ status: 'pass' });
  });
  it('fails when an override disables it or no provider is registered', () => {
    expect(run(check, facts('15.2.1748.49', cfg([{ name: 'x', component: 'Cafe', section: 'HttpRequestFiltering', parameters: ['Enabled=False'], status: 'Accepted' }])))[0]).toMatchObject({ status: 'fail', code: 'amsi-disabled' });
    expect(run(check, facts('15.2.1748.49', cfg([], [])))[0]).toMatchObject({ status: 'fail', code: 'amsi-no-provider' });
  });
  it('is indeterminate when overrides were not collected', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate', code: 'amsi-unknown' });
  });
});
