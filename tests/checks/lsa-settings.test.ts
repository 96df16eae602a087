import { describe, expect, it } from 'vitest';
import check from '../../checks/lsa-settings.js';
import { facts, run } from './_facts.js';

const lsa = (
  lmCompatibilityLevel: number | null | undefined,
  lsaCfgFlags: number | null,
  running?: number[],
  fips: number | null = 0,
) => ({
  windows: {
    lsa: {
      source: 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Lsa',
      lmCompatibilityLevel,
      lsaCfgFlags,
      fipsAlgorithmPolicy: fips,
    },
    ...(running ? { deviceGuard: { source: 'Win32_DeviceGuard', securityServicesRunning: running } } : {}),
  },
});
const codes = (r: { status: string; code: string }[]) => r.map((x) => [x.status, x.code]);

describe('lsa-settings', () => {
  it('passes NTLMv2-only (unset = Windows default 3) without Credential Guard, and records FIPS', () => {
    expect(codes(run(check, facts('15.2.1748.49', lsa(null, 0, [0]))))).toEqual([
      ['pass', 'lm-level-ok'],
      ['pass', 'credential-guard-off'],
      ['pass', 'fips-recorded'],
    ]);
    expect(run(check, facts('15.2.1748.49', lsa(5, null, [0])))[0]).toMatchObject({
      status: 'pass',
      code: 'lm-level-ok',
    });
  });
  it('fails LM/NTLMv1 levels and Credential Guard (flag or running service; HealthChecker Scenario 1: LsaCfgFlags 1)', () => {
    expect(codes(run(check, facts('15.2.1748.49', lsa(2, 1, [0]))))).toEqual([
      ['fail', 'lm-level-weak'],
      ['fail', 'credential-guard-enabled'],
      ['pass', 'fips-recorded'],
    ]);
    expect(run(check, facts('15.2.1748.49', lsa(5, 0, [1])))[1]).toMatchObject({
      status: 'fail',
      code: 'credential-guard-enabled',
    });
  });
  it('is indeterminate when not collected, or Credential Guard cannot be told (HealthChecker: "Unknown")', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate', code: 'lsa-unknown' });
    expect(run(check, facts('15.2.1748.49', lsa(3, 0)))[1]).toMatchObject({
      status: 'indeterminate',
      code: 'credential-guard-unknown',
    });
  });
});
