import { describe, expect, it } from 'vitest';
import check from '../../checks/aes256-cbc.js';
import { facts, run } from './_facts.js';

const FULL = { identity: 'S-1-5-20', rights: 983103, type: 'Allow' as const, inheritanceFlags: 3, propagationFlags: 0 };
const cfg = (irm: object | undefined, key?: object) => ({
  config: { source: 'Get-IRMConfiguration; Get-Acl', ...(irm ? { irm } : {}), ...(key ? { msipcServerKey: key } : {}) },
});

describe('aes256-cbc', () => {
  it('passes from the August 2023 SU when IRM is off, or the MSIPC key gives NETWORK SERVICE full control', () => {
    expect(
      run(check, facts('15.2.1748.49', cfg({ internalLicensingEnabled: false, externalLicensingEnabled: false })))[0],
    ).toMatchObject({
      status: 'pass',
      code: 'aes256cbc-not-used',
    });
    expect(
      run(check, facts('15.1.2507.66', cfg({ internalLicensingEnabled: true }, { exists: true, rules: [FULL] })))[0],
    ).toMatchObject({
      status: 'pass',
      code: 'aes256cbc-configured',
    });
  });
  it('fails below the August 2023 SU (HealthChecker 2019 CU11: "Not Supported Build"), on 2013, or without the ACL', () => {
    expect(run(check, facts('15.2.986.5', cfg(undefined)))[0]).toMatchObject({
      status: 'fail',
      code: 'aes256cbc-unsupported-build',
    });
    expect(run(check, facts('15.0.1497.48', cfg(undefined)))[0]).toMatchObject({
      status: 'fail',
      code: 'aes256cbc-unsupported-build',
    });
    expect(
      run(
        check,
        facts(
          '15.2.1748.49',
          cfg({ internalLicensingEnabled: true }, { exists: true, rules: [{ ...FULL, rights: 131097 }] }),
        ),
      )[0],
    ).toMatchObject({ status: 'fail', code: 'aes256cbc-not-configured', severity: 'medium' });
    expect(
      run(check, facts('15.2.1748.49', cfg({ externalLicensingEnabled: true }, { exists: false })))[0],
    ).toMatchObject({
      status: 'fail',
      severity: 'low',
    });
  });
  it('is indeterminate at CU precision or when IRM or the key was not collected', () => {
    expect(run(check, facts('15.2.1118', cfg(undefined), 'cu'))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'aes256cbc-build-unknown',
    });
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate', code: 'aes256cbc-unknown' });
    expect(run(check, facts('15.2.1748.49', cfg({ internalLicensingEnabled: true })))[0]).toMatchObject({
      status: 'indeterminate',
    });
  });
});
