/** The one override reader (checks/_overrides.ts): HealthChecker's order and scope rules. */
import { describe, expect, it } from 'vitest';
import { applicableOverrides, overrideValue, readOverride } from '../../checks/_overrides.js';
import { buildInfoFromFacts } from '../../src/catalog/lookup.js';
import { cat, facts, AS_OF } from './_facts.js';
import type { Facts } from '../../src/facts/schema.js';

const o = (name: string, value: string, extra: object = {}) => ({
  name,
  component: 'Cafe',
  section: 'HttpRequestFiltering',
  parameters: [`Enabled=${value}`],
  status: 'Accepted',
  ...extra,
});
const with_ = (build: string, ad?: object[], effective?: object[], precision: 'exact' | 'cu' = 'exact') => {
  const f = facts(
    build,
    {
      config: {
        source: 'Get-SettingOverride',
        ...(ad ? { settingOverrides: ad as never } : {}),
        ...(effective ? { effectiveOverrides: { source: 'VariantConfiguration', overrides: effective as never } } : {}),
      },
    },
    precision,
  ) as Facts;
  return { f, info: buildInfoFromFacts(cat(), f, AS_OF) };
};
const read = (x: ReturnType<typeof with_>) => readOverride(x.f, x.info, 'cafe', 'httprequestfiltering', 'enabled');

describe('override reader', () => {
  it("prefers the server's effective overrides when that list has entries", () => {
    const r = read(with_('15.2.1748.49', [o('ad', 'true')], [o('eff', 'false')]));
    expect(r).toMatchObject({ known: true, from: 'effective', values: [{ name: 'eff', value: 'false' }] });
  });
  it('falls back to Get-SettingOverride when the effective list is empty or absent (HealthChecker)', () => {
    expect(read(with_('15.2.1748.49', [o('ad', 'false')], []))).toMatchObject({
      from: 'ad',
      values: [{ value: 'false' }],
    });
    expect(read(with_('15.2.1748.49', [o('ad', 'false')]))).toMatchObject({ from: 'ad' });
    // only the effective list, empty: known, nothing applies
    expect(read(with_('15.2.1748.49', undefined, []))).toMatchObject({ known: true, values: [] });
  });
  it('keeps AD overrides that are Accepted, for this server, within MinVersion..MaxVersion', () => {
    const ad = [
      o('other-server', 'false', { server: ['EX02'] }),
      o('this-server', 'false', { server: ['EX01'] }),
      o('too-old', 'false', { maxVersion: '15.2.1544.4' }),
      o('in-range', 'false', { minVersion: '15.02.1748.010', maxVersion: '15.2.1748.99' }),
      o('rejected', 'false', { status: 'Rejected' }),
    ];
    expect(read(with_('15.2.1748.49', ad)).values.map((v) => v.name)).toEqual(['this-server', 'in-range']);
    expect(applicableOverrides(with_('15.2.1748.49', ad).f, with_('15.2.1748.49', ad).info).overrides).toHaveLength(2);
  });
  it('a version-scoped override at CU precision is unknown, never silently applied or dropped', () => {
    expect(
      read(with_('15.2.1748', [o('scoped', 'false', { minVersion: '15.2.1748.24' })], undefined, 'cu')),
    ).toMatchObject({
      known: false,
      reason: expect.stringMatching(/scoped.*MinVersion/),
    });
  });
  it('not collected is unknown; disagreeing values are a conflict', () => {
    expect(readOverride(facts('15.2.1748.49'), undefined, 'Cafe', 'HttpRequestFiltering', 'Enabled').known).toBe(false);
    expect(overrideValue(read(with_('15.2.1748.49', [o('a', 'true'), o('b', 'False')])))).toBe('conflict');
    expect(overrideValue(read(with_('15.2.1748.49', [o('a', 'true'), o('b', 'True')])))).toBe('true');
  });
});
