import { describe, expect, it } from 'vitest';
import check from '../../checks/amsi.js';
import { facts, run } from './_facts.js';

const filtering = (value: string, extra: object = {}) => ({
  name: `amsi-${value}`,
  component: 'Cafe',
  section: 'HttpRequestFiltering',
  parameters: [`Enabled=${value}`],
  status: 'Accepted',
  ...extra,
});
const cfg = (overrides: object[], providers?: string[], effective?: object[]) => ({
  config: {
    source: 'Get-SettingOverride',
    settingOverrides: overrides as never,
    ...(effective ? { effectiveOverrides: { source: 'VariantConfiguration', overrides: effective as never } } : {}),
    ...(providers ? { amsi: { providers } } : {}),
  },
});

describe('amsi', () => {
  it('passes with no disabling override; a provider is not required for the AMSI finding (HealthChecker)', () => {
    expect(run(check, facts('15.2.1748.49', cfg([], ['{2781761E-28E0-4109-99FE-B9D127C57AFE}'])))).toMatchObject([
      { status: 'pass', code: 'amsi-on' },
    ]);
    // providers not collected: HealthChecker does not need them either
    expect(run(check, facts('15.2.1748.49', cfg([])))).toMatchObject([{ status: 'pass', code: 'amsi-on' }]);
    // an Enabled=true override keeps it on
    expect(run(check, facts('15.2.1748.49', cfg([filtering('True')], ['x'])))[0]).toMatchObject({ status: 'pass' });
  });
  it('fails when an applicable override disables it', () => {
    expect(run(check, facts('15.2.1748.49', cfg([filtering('False')])))[0]).toMatchObject({
      status: 'fail',
      code: 'amsi-disabled',
    });
  });
  it("reads the server's effective overrides first, then AD filtered by version and server", () => {
    // VariantConfiguration says disabled although AD (not yet refreshed) says nothing
    expect(run(check, facts('15.2.1748.49', cfg([], ['x'], [filtering('false')])))[0]).toMatchObject({
      status: 'fail',
      evidence: [expect.objectContaining({ source: expect.stringMatching(/VariantConfiguration/) })],
    });
    // an AD override scoped to another server or another build range does not apply here
    expect(run(check, facts('15.2.1748.49', cfg([filtering('false', { server: ['EX02'] })], ['x'])))[0]).toMatchObject({
      status: 'pass',
    });
    expect(
      run(check, facts('15.2.1748.49', cfg([filtering('false', { maxVersion: '15.2.1544.4' })], ['x'])))[0],
    ).toMatchObject({ status: 'pass' });
    expect(
      run(check, facts('15.2.1748.49', cfg([filtering('false', { server: ['ex01'], minVersion: '15.2.1748.10' })])))[0],
    ).toMatchObject({ status: 'fail' });
    // a not-Accepted override is not in effect
    expect(run(check, facts('15.2.1748.49', cfg([filtering('false', { status: 'Rejected' })])))[0]).toMatchObject({
      status: 'pass',
    });
  });
  it('reports a server with no AMSI provider as a separate fail (exaudit only)', () => {
    expect(run(check, facts('15.2.1748.49', cfg([], [])))).toMatchObject([
      { status: 'pass', code: 'amsi-on' },
      { status: 'fail', code: 'amsi-no-provider' },
    ]);
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
  it('is indeterminate when overrides were not collected, conflict, or their scope needs the exact build', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate', code: 'amsi-unknown' });
    expect(run(check, facts('15.2.1748.49', cfg([filtering('true'), filtering('false')], ['x'])))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'amsi-multiple-overrides',
    });
    expect(
      run(check, facts('15.2.1748', cfg([filtering('false', { minVersion: '15.2.1748.24' })]), 'cu'))[0],
    ).toMatchObject({ status: 'indeterminate', code: 'amsi-unknown', message: expect.stringMatching(/MinVersion/) });
  });
});
