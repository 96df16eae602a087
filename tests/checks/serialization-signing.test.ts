import { describe, expect, it } from 'vitest';
import check from '../../checks/serialization-signing.js';
import { facts, run } from './_facts.js';

const ov = (params?: string[]) => ({
  config: {
    source: 'Get-SettingOverride',
    settingOverrides: params
      ? [
          {
            name: 'x',
            component: 'Data',
            section: 'EnableSerializationDataSigning',
            parameters: params,
            status: 'Accepted',
          },
        ]
      : [],
  },
});

describe('serialization-signing', () => {
  it('passes on 2016/2019 from Nov23SU without a disabling override', () => {
    expect(run(check, facts('15.1.2507.61', ov()))[0]).toMatchObject({ status: 'pass' });
  });
  it('fails when disabled by override, before Nov23SU, or on 2013 without the registry value', () => {
    expect(run(check, facts('15.1.2507.61', ov(['Enabled=false'])))[0]).toMatchObject({
      status: 'fail',
      code: 'signing-off',
    });
    // June 2023 SU: signing exists but is off by default until the November 2023 SU (HealthChecker: "False")
    expect(run(check, facts('15.1.2507.27', ov()))[0]).toMatchObject({ status: 'fail', code: 'signing-off' });
    // before the January 2023 SU it does not exist (HealthChecker: "Unsupported Version")
    expect(run(check, facts('15.2.986.5', ov()))[0]).toMatchObject({
      status: 'fail',
      code: 'signing-unsupported-build',
    });
    expect(
      run(check, facts('15.0.1497.48', { config: { source: 'registry', diagnosticsRegistry: {} } }))[0],
    ).toMatchObject({ status: 'fail', code: 'signing-off' });
    expect(
      run(
        check,
        facts('15.0.1497.48', {
          config: { source: 'registry', diagnosticsRegistry: { EnableSerializationDataSigning: 1 } },
        }),
      )[0],
    ).toMatchObject({ status: 'pass' });
  });
  it('is indeterminate when overrides were not collected or at CU precision', () => {
    expect(run(check, facts('15.1.2507.61'))[0]).toMatchObject({ status: 'indeterminate' });
    expect(run(check, facts('15.1.2507', ov(), 'cu'))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'signing-build-unknown',
    });
    // Exchange 2013 known only to the CU: the registry value means nothing without the January 2023 SU.
    expect(
      run(
        check,
        facts(
          '15.0.1497',
          { config: { source: 'registry', diagnosticsRegistry: { EnableSerializationDataSigning: 1 } } },
          'cu',
        ),
      )[0],
    ).toMatchObject({ status: 'indeterminate', code: 'signing-build-unknown' });
  });
  it('on a January 2023 SU or later build, the Enabled=true override turns it on; the November 2023 CVEs stay open', () => {
    // HealthChecker Scenario 2: 15.2.1118.25 (Feb23SU) with EnableSigningVerification Enabled=true
    const results = run(check, facts('15.2.1118.25', ov(['Enabled=true'])));
    expect(results).toMatchObject([
      { status: 'pass', code: 'signing-on', key: 'setting', message: expect.stringMatching(/override/) },
      { status: 'fail', code: 'signing-cves-open', key: 'cves', cves: expect.arrayContaining(['CVE-2023-36439']) },
    ]);
    // the same override from the effective (VariantConfiguration) list
    const effective = facts('15.2.1118.25', {
      config: {
        source: 'Get-ExchangeDiagnosticInfo',
        effectiveOverrides: {
          source: 'VariantConfiguration',
          overrides: [
            {
              name: 'EnableSigningVerification',
              component: 'Data',
              section: 'EnableSerializationDataSigning',
              parameters: ['Enabled=true'],
              status: 'Accepted',
            },
          ],
        },
      },
    });
    expect(run(check, effective)[0]).toMatchObject({ status: 'pass', code: 'signing-on' });
  });
  it('an ambiguous override (several, or not true/false) is treated as disabled', () => {
    expect(run(check, facts('15.1.2507.61', ov(['Enabled=maybe'])))[0]).toMatchObject({
      status: 'fail',
      code: 'signing-ambiguous',
    });
  });
});
