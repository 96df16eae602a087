/** AMSI integration (Windows Server 2016+, 2016 ≥ CU21, 2019 ≥ CU10, SE): not disabled by override, a provider present. */
import { defineCheck } from '../src/contract.js';
import { overrideValues, withBuild } from './_shared.js';
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
      if (!facts.config?.settingOverrides)
        return [
          {
            status: 'indeterminate',
            code: 'amsi-unknown',
            message: 'Setting overrides were not collected, so whether AMSI is disabled is unknown.',
          },
        ];
      const values = overrideValues(facts, 'Cafe', 'HttpRequestFiltering', 'Enabled');
      if (values.length > 1)
        return [
          {
            status: 'indeterminate',
            code: 'amsi-multiple-overrides',
            message: `Multiple HttpRequestFiltering overrides (${values.join(', ')}).`,
          },
        ];
      if (values[0]?.toLowerCase() === 'false')
        return [
          {
            status: 'fail',
            code: 'amsi-disabled',
            message: 'AMSI integration is disabled by the SettingOverride Cafe\\HttpRequestFiltering Enabled=false.',
            evidence: [
              {
                fact: 'config.settingOverrides',
                observed: 'Cafe\\HttpRequestFiltering\\Enabled=false',
                expected: 'no override',
                source: facts.config.source,
              },
            ],
            remediation: 'Remove the override (Remove-SettingOverride) and refresh VariantConfiguration.',
          },
        ];
      const providers = facts.config.amsi?.providers;
      if (providers && !providers.length)
        return [
          {
            status: 'fail',
            code: 'amsi-no-provider',
            message: 'AMSI is on, but no AMSI provider (antivirus) is registered.',
            remediation: 'Install and enable Microsoft Defender or an AMSI-capable antivirus.',
          },
        ];
      if (!providers)
        return [
          {
            status: 'indeterminate',
            code: 'amsi-provider-unknown',
            message: 'AMSI is not disabled by override; whether a provider is registered was not collected.',
          },
        ];
      return [
        { status: 'pass', code: 'amsi-on', message: `AMSI integration is on with ${providers.length} provider(s).` },
      ];
    });
  },
});
