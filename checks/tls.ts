/**
 * TLS as HealthChecker judges it (Get-AllTlsSettingsFromRegistry.ps1, Invoke-AnalyzerSecuritySettings.ps1), with the
 * expectations in rules/healthchecker/tls.yaml: each SCHANNEL version's server and client settings agree (not
 * Misconfigured or Half Disabled), TLS 1.2 is enabled, TLS 1.3 only where Exchange and Windows support it, TLS
 * 1.0/1.1 disabled (a recommendation), .NET v4 SystemDefaultTlsVersions and SchUseStrongCrypto set, and (exaudit's
 * addition) no weak cipher suite.
 */
import { defineCheck, type CheckResult } from '../src/contract/check.js';
import { buildInfoFromFacts, canTakeStep, type BuildInfo } from '../src/catalog/lookup.js';
import type { Facts } from '../src/facts/schema.js';
import type { SecuritySettingsRules } from '../src/catalog/schema.js';
import { failsInto, notCollected, withSettingRules } from './_shared.js';

type TlsSpec = NonNullable<SecuritySettingsRules['tls']>;
type Protocol = NonNullable<Facts['tls']>['protocols'][number];
export type TlsConfiguration = 'Enabled' | 'Disabled' | 'Half Disabled' | 'Misconfigured';

/** HealthChecker's classification of one version from its four registry values (null = not set). */
export function tlsConfiguration(p: Protocol, enabledByDefault: boolean): TlsConfiguration | undefined {
  const values = [p.serverEnabled, p.serverDisabledByDefault, p.clientEnabled, p.clientDisabledByDefault];
  // Only HealthChecker's classification (an imported export): take it; neither: unknown.
  if (values.some((v) => v === undefined)) return values.every((v) => v === undefined) ? p.configuration : undefined;
  const enabled = (v: number | null | undefined) => (v === null || v === undefined ? enabledByDefault : v !== 0);
  const byDefault = (v: number | null | undefined) => v !== null && v !== undefined && v !== 0;
  const sE = enabled(p.serverEnabled);
  const sD = byDefault(p.serverDisabledByDefault);
  const cE = enabled(p.clientEnabled);
  const cD = byDefault(p.clientDisabledByDefault);
  if (sE !== cE || sD !== cD) return 'Misconfigured';
  if ((!sE && !sD && p.serverDisabledByDefault !== null && p.serverDisabledByDefault !== undefined) || (sE && sD))
    return 'Half Disabled';
  const disabled =
    !sE && (sD || p.serverDisabledByDefault === null) && !cE && (cD || p.clientDisabledByDefault === null);
  return disabled ? 'Disabled' : 'Enabled';
}

/** Does this server support TLS 1.3 (Exchange build and Windows build)? undefined when that is unknown. */
function tls13Supported(spec: TlsSpec, facts: Facts, info: BuildInfo | undefined): boolean | undefined {
  const from = spec.protocols.find((p) => p.version === '1.3')?.supportedFrom;
  if (!from) return false;
  const os = facts.os?.build;
  if (os !== undefined && os < from.osBuild) return false;
  if (!info) return undefined;
  const exchange = from.products.includes(info.product)
    ? true
    : from.builds.some((b) => b.startsWith(`${info.build?.split('.').slice(0, 2).join('.')}.`))
      ? canTakeStep(info, from.builds)
      : false;
  if (exchange === false) return false;
  return os === undefined || exchange === undefined ? undefined : true;
}

export default defineCheck({
  meta: {
    id: 'tls',
    title: 'TLS configured as Microsoft recommends',
    severity: 'medium',
    requires: ['exchange'],
    references: [
      'https://learn.microsoft.com/exchange/plan-and-deploy/post-installation-tasks/security-best-practices/exchange-tls-configuration',
    ],
  },
  evaluate(facts, catalog, ctx) {
    return withSettingRules(facts, catalog, 'tls', null, (spec) => {
      const tls = facts.tls;
      if (!tls) return [notCollected(facts, 'tls', 'the TLS registry settings', 'tls-unknown')];
      const info = buildInfoFromFacts(catalog, facts, ctx.asOf);
      const out: CheckResult[] = [];
      const unknown: string[] = [];
      const states: string[] = [];
      const fail = failsInto(out, 'tls.protocols', tls.source);
      for (const want of spec.protocols) {
        const p = tls.protocols.find((x) => x.version === want.version);
        if (!p) {
          unknown.push(`TLS ${want.version}`);
          continue;
        }
        const state = tlsConfiguration(p, want.enabledByDefault);
        if (!state) {
          unknown.push(`TLS ${want.version}`);
          continue;
        }
        states.push(`TLS ${want.version} ${state}`);
        if (state === 'Misconfigured' || state === 'Half Disabled')
          fail(
            `tls-${want.version}`,
            'tls-misconfigured',
            'medium',
            `TLS ${want.version} is ${state}: ${state === 'Misconfigured' ? 'the server and client settings differ (Exchange is both)' : 'Enabled and DisabledByDefault disagree'}.`,
            p,
            'Set Enabled and DisabledByDefault the same way for Server and Client (https://aka.ms/HC-TLSConfigDocs).',
          );
        else if (want.expect === 'required' && state === 'Disabled')
          fail(
            `tls-${want.version}`,
            'tls-required-disabled',
            'high',
            `TLS ${want.version} is disabled; Exchange needs it.`,
            p,
            `Enable TLS ${want.version} for Server and Client.`,
          );
        else if (want.expect === 'disable' && state === 'Enabled')
          fail(
            `tls-${want.version}`,
            'tls-legacy-enabled',
            'low',
            `TLS ${want.version} is enabled; Microsoft recommends disabling TLS 1.0 and 1.1 once nothing depends on them.`,
            p,
            `Disable TLS ${want.version} for Server and Client (Enabled 0, DisabledByDefault 1).`,
          );
        else if (want.expect === 'conditional' && state !== 'Disabled') {
          const supported = tls13Supported(spec, facts, info);
          if (supported === false)
            fail(
              `tls-${want.version}`,
              'tls13-unsupported',
              'medium',
              `TLS ${want.version} is ${state}, but this server does not support it (Exchange 2019 CU15 or SE on Windows Server 2022 or later).`,
              p,
              `Disable TLS ${want.version} for Server and Client.`,
            );
          else if (supported === undefined)
            unknown.push(`whether TLS ${want.version} is supported here (build or Windows version)`);
        }
      }
      // .NET Framework v4: SystemDefaultTlsVersions and SchUseStrongCrypto, native and WOW6432Node.
      const v4 = tls.dotNet?.find((d) => d.version.startsWith('v4'));
      if (!v4) unknown.push('the .NET Framework v4 TLS values');
      else {
        const values: Record<string, number | null> = {
          SystemDefaultTlsVersions: v4.systemDefaultTlsVersions,
          SchUseStrongCrypto: v4.schUseStrongCrypto,
          'Wow6432Node SystemDefaultTlsVersions': v4.wowSystemDefaultTlsVersions,
          'Wow6432Node SchUseStrongCrypto': v4.wowSchUseStrongCrypto,
        };
        const wrong = Object.entries(values).filter(
          ([k, v]) => spec.dotNetRequired.some((r) => k.endsWith(r)) && v !== 1,
        );
        if (wrong.length)
          out.push({
            status: 'fail',
            code: 'dotnet-tls-not-set',
            key: 'dotnet',
            message: `.NET Framework ${v4.version}: ${wrong.map(([k, v]) => `${k} = ${v ?? 'not set'}`).join(', ')}; all must be 1 so .NET uses the OS's TLS versions and strong cryptography.`,
            evidence: [{ fact: 'tls.dotNet', observed: v4, expected: 'each value 1', source: tls.source }],
            remediation:
              'Set SystemDefaultTlsVersions and SchUseStrongCrypto to 1 under SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319 and its Wow6432Node twin.',
          });
      }
      if (!tls.cipherSuites) unknown.push('the cipher suites');
      else {
        const weak = tls.cipherSuites.filter((c) =>
          spec.weakCipherSuites.some((w) => c.toUpperCase().includes(w.toUpperCase())),
        );
        if (weak.length)
          out.push({
            status: 'fail',
            code: 'weak-cipher-suites',
            key: 'cipher-suites',
            message: `Weak cipher suites are enabled: ${weak.join(', ')} (exaudit's check; HealthChecker lists the suites without judging them).`,
            evidence: [{ fact: 'tls.cipherSuites', observed: weak, source: tls.cipherSuitesSource ?? tls.source }],
            remediation: 'Remove them from the TLS cipher suite order (Group Policy or Disable-TlsCipherSuite).',
          });
      }
      if (out.length) return out;
      if (unknown.length)
        return [
          {
            status: 'indeterminate',
            code: 'tls-partly-unknown',
            message: `No problem among what was collected (${states.join(', ')}), but ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not known.`,
            evidence: [{ fact: 'tls', observed: states, source: tls.source }],
          },
        ];
      return [
        {
          status: 'pass',
          code: 'tls-ok',
          message: `TLS is configured as recommended: ${states.join(', ')}; .NET uses the OS's TLS and strong cryptography; no weak cipher suite.`,
          evidence: [{ fact: 'tls', observed: states, source: tls.source }],
        },
      ];
    });
  },
});
