/**
 * Serialization payload signing, as HealthChecker judges it (Get-SerializedDataSigningState.ps1): from the January
 * 2023 SU it can be turned on, by the Data\EnableSerializationDataSigning Enabled override on 2016/2019/SE (the
 * override reader in _overrides.ts) and by the Diagnostics registry value on 2013; from the November 2023 SU it is on
 * by default on 2016/2019/SE. The November 2023 SU's CVEs stay open below that SU even with signing on.
 */
import { defineCheck, type CheckResult } from '../src/contract/check.js';
import { updateState } from '../src/catalog/lookup.js';
import { withBuild } from './_shared.js';
import { overrideSource, overrideValue, readOverride } from './_overrides.js';

const CVES = ['CVE-2023-36050', 'CVE-2023-36039', 'CVE-2023-36035', 'CVE-2023-36439'];
const OVERRIDE = 'Data\\EnableSerializationDataSigning\\Enabled';

export default defineCheck({
  meta: {
    id: 'serialization-signing',
    title: 'Serialization payload signing on',
    severity: 'high',
    requires: ['exchange'],
  },
  evaluate(facts, catalog, ctx) {
    return withBuild(facts, catalog, ctx.asOf, 'Serialization signing', (info) => {
      const jan = updateState(catalog, info, 'Jan23SU');
      if (jan === 'missing')
        return [
          {
            status: 'fail',
            code: 'signing-unsupported-build',
            cves: CVES,
            message: `${info.name} predates the January 2023 SU, which added serialization signing (HealthChecker: "Unsupported Version").`,
            remediation: 'Install the latest SU for the CU (or move to a supported CU).',
          },
        ];
      if (jan === 'unknown')
        return [
          {
            status: 'indeterminate',
            code: 'signing-build-unknown',
            cves: CVES,
            message:
              'Whether the January 2023 SU (which adds serialization signing) is installed is unknown at this precision.',
          },
        ];
      if (info.product === '2013') {
        const reg = facts.config?.diagnosticsRegistry;
        if (!reg)
          return [
            {
              status: 'indeterminate',
              code: 'signing-unknown',
              cves: CVES,
              message: 'The Diagnostics registry key was not collected.',
            },
          ];
        if (Number(reg['EnableSerializationDataSigning']) === 1)
          return [{ status: 'pass', code: 'signing-on', message: 'EnableSerializationDataSigning = 1.' }];
        return [
          {
            status: 'fail',
            code: 'signing-off',
            cves: CVES,
            message:
              'Serialization signing is off: HKLM\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Diagnostics EnableSerializationDataSigning is not 1.',
            remediation: 'Set EnableSerializationDataSigning (DWORD) to 1.',
          },
        ];
      }
      // SE never needed the November 2023 SU: it is on by default there.
      const nov = updateState(catalog, info, 'Nov23SU');
      const reading = readOverride(facts, info, 'Data', 'EnableSerializationDataSigning', 'Enabled');
      if (!reading.known)
        return [
          {
            status: 'indeterminate',
            code: 'signing-unknown',
            cves: CVES,
            message: `Whether an override turns signing on or off is unknown: ${reading.reason}.`,
          },
        ];
      const value = overrideValue(reading);
      const evidence = [
        {
          fact: 'config.settingOverrides',
          observed: reading.values.length ? reading.values.map((v) => `${v.name}: ${OVERRIDE}=${v.value}`) : 'none',
          expected: nov === 'missing' ? `${OVERRIDE}=true` : `no ${OVERRIDE}=false`,
          source: overrideSource(reading),
        },
      ];
      if (value === 'conflict' || (value !== undefined && !/^(true|false)$/i.test(value)))
        return [
          {
            status: 'fail',
            code: 'signing-ambiguous',
            cves: CVES,
            message: `Serialization signing overrides are ambiguous (${reading.values.map((v) => v.value).join(', ')}); treated as disabled, as HealthChecker does.`,
            evidence,
            remediation: `Keep one ${OVERRIDE} override (or none from the November 2023 SU on).`,
          },
        ];
      if (value?.toLowerCase() === 'false')
        return [
          {
            status: 'fail',
            code: 'signing-off',
            cves: CVES,
            message: `Serialization signing is disabled by the override ${OVERRIDE}=false.`,
            evidence,
            remediation: 'Remove the override (Remove-SettingOverride), then refresh VariantConfiguration.',
          },
        ];
      if (value === undefined && nov === 'unknown')
        return [
          {
            status: 'indeterminate',
            code: 'signing-build-unknown',
            cves: CVES,
            message:
              'No override sets signing, and whether the November 2023 SU (which turns it on by default) is installed is unknown at this precision.',
            evidence,
          },
        ];
      const on = value !== undefined || nov !== 'missing';
      if (!on)
        return [
          {
            status: 'fail',
            code: 'signing-off',
            cves: CVES,
            message: `Serialization signing is off: ${info.name} predates the November 2023 SU (which turns it on by default) and no override enables it.`,
            evidence,
            remediation: `Install the latest SU (or, until then, New-SettingOverride ${OVERRIDE}=true).`,
          },
        ];
      const enabled: CheckResult = {
        status: 'pass',
        code: 'signing-on',
        key: 'setting',
        message:
          value === undefined
            ? 'Serialization signing is on (the default from the November 2023 SU; no override disables it).'
            : `Serialization signing is on: the override ${OVERRIDE}=true enables it.`,
        evidence,
      };
      if (nov !== 'missing') return [enabled];
      // Signing on, but the November 2023 SU's fixes are still missing (HealthChecker lists the CVEs too).
      return [
        enabled,
        {
          status: 'fail',
          code: 'signing-cves-open',
          key: 'cves',
          cves: CVES,
          message: `Serialization signing is on, but ${CVES.join(', ')} stay open until the November 2023 SU is installed on ${info.name}.`,
          remediation: 'Install the latest SU for the CU.',
        },
      ];
    });
  },
});
