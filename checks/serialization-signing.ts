/** Serialization payload signing: SettingOverride on 2016/2019/SE (on by default from Nov23SU), registry on 2013. */
import { defineCheck } from '../src/contract.js';
import { updateState } from '../src/catalog/lookup.js';
import { overrideValues, withBuild } from './_shared.js';

const CVES = ['CVE-2023-36050', 'CVE-2023-36039', 'CVE-2023-36035', 'CVE-2023-36439'];

export default defineCheck({
  meta: {
    id: 'serialization-signing',
    title: 'Serialization payload signing on',
    severity: 'high',
    requires: ['exchange'],
  },
  evaluate(facts, catalog, ctx) {
    return withBuild(facts, catalog, ctx.asOf, 'Serialization signing', (info) => {
      if (info.product === '2013') {
        const st = updateState(catalog, info, 'Jan23SU');
        if (st === 'missing')
          return [
            {
              status: 'fail',
              code: 'signing-unsupported-build',
              cves: CVES,
              message: 'Exchange 2013 supports serialization signing only from the January 2023 SU.',
              remediation: 'Install the latest Exchange 2013 SU, then set EnableSerializationDataSigning = 1.',
            },
          ];
        if (st === 'unknown')
          return [
            {
              status: 'indeterminate',
              code: 'signing-build-unknown',
              cves: CVES,
              message:
                'Whether the January 2023 SU (which adds signing to Exchange 2013) is installed is unknown at this precision.',
            },
          ];
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
      const nov = updateState(catalog, info, 'Nov23SU');
      if (nov === 'missing')
        return [
          {
            status: 'fail',
            code: 'signing-unsupported-build',
            cves: CVES,
            message: `${info.name} predates the November 2023 SU, which enables signing by default.`,
            remediation: 'Install the latest SU for the CU.',
          },
        ];
      if (nov === 'unknown')
        return [
          {
            status: 'indeterminate',
            code: 'signing-build-unknown',
            cves: CVES,
            message: 'Whether the November 2023 SU is installed is unknown at CU precision.',
          },
        ];
      if (!facts.config?.settingOverrides)
        return [
          {
            status: 'indeterminate',
            code: 'signing-unknown',
            cves: CVES,
            message: 'Setting overrides were not collected.',
          },
        ];
      const values = overrideValues(facts, 'Data', 'EnableSerializationDataSigning', 'Enabled');
      if (values.length > 1 || (values[0] && !/^(true|false)$/i.test(values[0])))
        return [
          {
            status: 'fail',
            code: 'signing-ambiguous',
            cves: CVES,
            message: `Serialization signing overrides are ambiguous (${values.join(', ')}); treated as disabled.`,
          },
        ];
      if (values[0]?.toLowerCase() === 'false')
        return [
          {
            status: 'fail',
            code: 'signing-off',
            cves: CVES,
            message:
              'Serialization signing is disabled by SettingOverride Data\\EnableSerializationDataSigning Enabled=false.',
            remediation: 'Remove the override.',
          },
        ];
      return [
        {
          status: 'pass',
          code: 'signing-on',
          message: 'Serialization signing is on (default from the November 2023 SU; no override disables it).',
        },
      ];
    });
  },
});
