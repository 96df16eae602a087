import { describe, expect, it } from 'vitest';
import check from '../../checks/setting-overrides.js';
import { facts, run } from './_facts.js';

const cfg = (overrides: object[], reg: object = {}) => ({
  config: {
    source: 'Get-SettingOverride; registry',
    settingOverrides: overrides as never,
    diagnosticsRegistry: reg as never,
  },
});

describe('setting-overrides', () => {
  it('passes when nothing harmful is set', () => {
    expect(run(check, facts('15.2.1748.49', cfg([])))[0]).toMatchObject({
      status: 'pass',
      code: 'no-harmful-overrides',
    });
  });
  it('flags overrides that re-open CVEs, disable protections, and the base type check registry value', () => {
    const r = run(
      check,
      facts(
        '15.2.1748.49',
        cfg(
          [
            {
              name: 'a',
              component: 'Transport',
              section: 'NonCompliantSenderSettings',
              parameters: ['AddP2FromRegexMatchHeader=false'],
              status: 'Accepted',
            },
            {
              name: 'b',
              component: 'Data',
              section: 'DeserializationBinderSettings',
              parameters: ['LearningLocations=x'],
              status: 'Accepted',
            },
            {
              name: 'c',
              component: 'Cafe',
              section: 'HttpRequestFiltering',
              parameters: ['Enabled=false'],
              status: 'NotAccepted',
            },
          ],
          { DisableBaseTypeCheckForDeserialization: 1 },
        ),
      ),
    );
    expect(r.find((x) => x.code === 'override-reopens-cve')).toMatchObject({
      status: 'fail',
      cves: ['CVE-2024-49040'],
    });
    expect(r.every((x) => x.status === 'fail')).toBe(true);
    expect(r.some((x) => x.code === 'override-disables-protection' && /Strict Mode/.test(x.message))).toBe(true);
    expect(r.some((x) => /HttpRequestFiltering/.test(x.message))).toBe(false); // not Accepted
    expect(r.some((x) => x.code === 'base-type-check-disabled')).toBe(true);
  });
  it('is indeterminate when nothing, or only part, was collected', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate', code: 'overrides-unknown' });
    expect(
      run(check, facts('15.2.1748.49', { config: { source: 'Get-SettingOverride', settingOverrides: [] } }))[0],
    ).toMatchObject({ status: 'indeterminate', code: 'overrides-partly-unknown' });
  });
});
