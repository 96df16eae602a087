import { describe, expect, it } from 'vitest';
import check, { tlsConfiguration } from '../../checks/tls.js';
import { facts, run } from './_facts.js';

type P = [number | null, number | null, number | null, number | null];
const proto = (version: string, [se, sd, ce, cd]: P) => ({
  version,
  serverEnabled: se,
  serverDisabledByDefault: sd,
  clientEnabled: ce,
  clientDisabledByDefault: cd,
});
const OFF: P = [0, 1, 0, 1];
const ON: P = [1, 0, 1, 0];
const v4 = (v: number | null = 1) => ({
  version: 'v4.0.30319',
  systemDefaultTlsVersions: v,
  schUseStrongCrypto: v,
  wowSystemDefaultTlsVersions: v,
  wowSchUseStrongCrypto: v,
});
const tls = (p: Record<string, P>, extra: object = {}) => ({
  tls: {
    source: 'registry (SCHANNEL)',
    protocols: Object.entries(p).map(([v, x]) => proto(v, x)),
    dotNet: [v4()],
    cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
    ...extra,
  },
  os: { version: '10.0.17763', build: 17763, source: 'Win32_OperatingSystem' },
});
const hardened = { '1.0': OFF, '1.1': OFF, '1.2': ON, '1.3': OFF };

describe('tls', () => {
  it('classifies a version as HealthChecker does (Get-AllTlsSettingsFromRegistry.ps1)', () => {
    expect(tlsConfiguration(proto('1.2', [null, null, null, null]), true)).toBe('Enabled');
    expect(tlsConfiguration(proto('1.3', [null, null, null, null]), false)).toBe('Disabled');
    expect(tlsConfiguration(proto('1.0', [0, 1, 1, 0]), true)).toBe('Misconfigured');
    expect(tlsConfiguration(proto('1.0', [0, 0, 0, 0]), true)).toBe('Half Disabled');
    expect(tlsConfiguration(proto('1.0', [0, null, 0, null]), true)).toBe('Disabled');
  });
  it('passes with TLS 1.2 only, .NET strong crypto and strong suites', () => {
    expect(run(check, facts('15.2.1748.49', tls(hardened)))).toMatchObject([{ status: 'pass', code: 'tls-ok' }]);
  });
  it('fails misconfigured versions, a disabled TLS 1.2, TLS 1.3 where unsupported, legacy versions, .NET and weak suites', () => {
    const bad = run(
      check,
      facts(
        '15.2.1544.4',
        tls(
          { '1.0': [0, 1, 1, 0], '1.1': ON, '1.2': OFF, '1.3': ON },
          { dotNet: [v4(null)], cipherSuites: ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_RSA_WITH_RC4_128_SHA'] },
        ),
      ),
    );
    expect(bad.map((r) => [r.status, r.code])).toEqual([
      ['fail', 'tls-misconfigured'],
      ['fail', 'tls-legacy-enabled'],
      ['fail', 'tls-required-disabled'],
      ['fail', 'tls13-unsupported'],
      ['fail', 'dotnet-tls-not-set'],
      ['fail', 'weak-cipher-suites'],
    ]);
    expect(bad[5]!.message).toMatch(/3DES.*RC4/);
  });
  it('accepts TLS 1.3 on Exchange 2019 CU15 or SE with Windows Server 2022', () => {
    const ws2022 = (build: string) =>
      facts(build, { ...tls({ ...hardened, '1.3': ON }), os: { version: '10.0.20348', build: 20348, source: 'x' } });
    expect(run(check, ws2022('15.2.1748.49'))[0]).toMatchObject({ status: 'pass' });
    expect(run(check, ws2022('15.2.2562.37'))[0]).toMatchObject({ status: 'pass' });
    expect(run(check, ws2022('15.1.2507.66'))[0]).toMatchObject({ status: 'fail', code: 'tls13-unsupported' });
  });
  it('is indeterminate when TLS was not collected, or a part of it is unknown', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate', code: 'tls-unknown' });
    const noSuites = facts('15.2.1748.49', tls(hardened, { cipherSuites: undefined }));
    expect(run(check, noSuites)[0]).toMatchObject({ status: 'indeterminate', code: 'tls-partly-unknown' });
    // TLS 1.3 on, but the Exchange build is unknown: never a pass
    const noBuild = { ...facts(undefined, tls({ ...hardened, '1.3': ON })), os: { build: 20348, source: 'x' } };
    expect(run(check, noBuild as never)[0]).toMatchObject({ status: 'indeterminate' });
  });
});
