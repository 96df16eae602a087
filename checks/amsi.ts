/**
 * AMSI integration as HealthChecker judges it (Invoke-AnalyzerSecurityAMSIConfigState.ps1): available on Windows
 * Server 2016+ with 2016 ≥ CU21, 2019 ≥ CU10 or SE, and on unless an applicable Cafe\HttpRequestFiltering
 * Enabled=false override turns it off (the server's effective overrides first, see _overrides.ts). exaudit also
 * reports, as a separate finding, a server where no AMSI provider is registered.
 */
import { defineCheck, type CheckResult } from '../src/contract/check.js';
import { withBuild } from './_shared.js';
import { overrideSource, overrideValue, readOverride } from './_overrides.js';

const OVERRIDE = 'Cafe\\HttpRequestFiltering\\Enabled';
import { compareBuilds } from '../src/util/version.js';

export default defineCheck({
  meta: { id: 'amsi', title: 'AMSI integration on', severity: 'medium', requires: ['exchange'] },
  evaluate(facts, catalog, ctx) {
    return withBuild(facts, catalog, ctx.asOf, 'AMSI integration', (info) => {
      const probe = info.cuBuild ?? info.build;
      if (!probe && (info.product === '2016' || info.product === '2019'))
        return [
          {
            status: 'indeterminate',
            code: 'amsi-build-unknown',
            message: `Only the product is known (${info.name}); AMSI integration exists from 2016 CU21 and 2019 CU10.`,
          },
        ];
      const has =
        info.product === 'SE' ||
        (info.product === '2016' && compareBuilds(probe!, '15.1.2308.8') >= 0) ||
        (info.product === '2019' && compareBuilds(probe!, '15.2.922.7') >= 0);
      if (!has)
        return [
          {
            status: 'fail',
            code: 'amsi-not-available',
            message: `${info.name} has no AMSI integration (it came with 2016 CU21 and 2019 CU10).`,
            remediation: info.product === '2013' ? 'Move to Exchange Server SE.' : 'Update to a supported CU.',
          },
        ];
      // AMSI needs Windows Server 2016 (10.0) or later (HealthChecker's condition).
      const osMajor = facts.os?.version ? Number(facts.os.version.split('.')[0]) : undefined;
      if (osMajor !== undefined && osMajor < 10)
        return [
          {
            status: 'fail',
            code: 'amsi-not-available',
            message: `Windows ${facts.os!.version} has no AMSI; Exchange's AMSI integration needs Windows Server 2016 or later.`,
            evidence: [
              {
                fact: 'os.version',
                observed: facts.os!.version,
                expected: '10.0 or later',
                source: facts.os!.source,
              },
            ],
            remediation: 'Move the server to Windows Server 2016 or later.',
          },
        ];
      const reading = readOverride(facts, info, 'Cafe', 'HttpRequestFiltering', 'Enabled');
      if (!reading.known)
        return [
          {
            status: 'indeterminate',
            code: 'amsi-unknown',
            message: `Whether an override disables AMSI is unknown: ${reading.reason}.`,
          },
        ];
      const value = overrideValue(reading);
      const evidence = [
        {
          fact: 'config.settingOverrides',
          observed: reading.values.length ? reading.values.map((v) => `${v.name}: ${OVERRIDE}=${v.value}`) : 'none',
          expected: `no ${OVERRIDE}=false`,
          source: overrideSource(reading),
        },
      ];
      if (value === 'conflict' || (value !== undefined && !/^(true|false)$/i.test(value)))
        return [
          {
            status: 'indeterminate',
            code: 'amsi-multiple-overrides',
            message: `The AMSI integration state is unknown: the HttpRequestFiltering overrides that apply say ${reading.values.map((v) => `${v.name}=${v.value}`).join(', ')} (HealthChecker: "Multiple overrides detected").`,
            evidence,
          },
        ];
      if (value?.toLowerCase() === 'false')
        return [
          {
            status: 'fail',
            code: 'amsi-disabled',
            message: `AMSI integration is disabled by the override ${OVERRIDE}=false.`,
            evidence,
            remediation: 'Remove the override (Remove-SettingOverride) and refresh VariantConfiguration.',
          },
        ];
      const out: CheckResult[] = [
        {
          status: 'pass',
          code: 'amsi-on',
          message: `AMSI integration is on${value ? ` (the override sets ${OVERRIDE}=${value})` : ' (no override disables it)'}.`,
          evidence,
        },
      ];
      // Not a HealthChecker condition: Exchange hands requests to AMSI, but only a registered provider scans them.
      const providers = facts.config?.amsi?.providers;
      if (providers && !providers.length)
        out.push({
          status: 'fail',
          code: 'amsi-no-provider',
          key: 'provider',
          message:
            'AMSI integration is on, but Windows has no AMSI provider (antivirus) registered, so nothing scans the requests (exaudit checks this; HealthChecker does not).',
          evidence: [
            {
              fact: 'config.amsi.providers',
              observed: [],
              expected: 'a registered provider',
              source: facts.config?.source,
            },
          ],
          remediation: 'Install and enable Microsoft Defender or an AMSI-capable antivirus.',
        });
      return out;
    });
  },
});
