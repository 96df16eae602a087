/**
 * Setting overrides and registry values that re-open patched CVEs or switch protections off (HealthChecker's
 * override table, Strict Mode, AMSI, signing, base type check). One finding per harmful override.
 */
import { defineCheck, type CheckResult } from '../src/contract/check.js';
import { withBuild } from './_shared.js';
import { applicableOverrides, overrideSource, readOverride } from './_overrides.js';

export default defineCheck({
  meta: { id: 'setting-overrides', title: 'No security-reverting overrides', severity: 'high', requires: ['exchange'] },
  evaluate(facts, catalog, ctx) {
    return withBuild(facts, catalog, ctx.asOf, null, (info) => {
      const list = applicableOverrides(facts, info);
      const valuesOf = (c: string, s: string, p: string) =>
        readOverride(facts, info, c, s, p).values.map((v) => v.value);
      if (!list.known && !facts.config?.diagnosticsRegistry) {
        return [
          {
            status: 'indeterminate',
            code: 'overrides-unknown',
            message: 'Neither setting overrides nor the Diagnostics registry key were collected.',
          },
        ];
      }
      const out: CheckResult[] = [];
      // Overrides that re-open a CVE: the catalog's override-reopens conditions.
      for (const cve of catalog.cves) {
        for (const cond of cve.conditions.filter((c) => c.kind === 'override-reopens')) {
          for (const path of cond.overrides ?? []) {
            const [c, s, p] = path.split('\\') as [string, string, string];
            if (valuesOf(c, s, p).some((v) => v.toLowerCase() === 'false')) {
              out.push({
                status: 'fail',
                code: 'override-reopens-cve',
                key: `${cve.id}:${path}`,
                cves: [cve.id],
                message: `The override ${path}=false re-opens ${cve.id}.`,
                evidence: [
                  {
                    fact: 'config.settingOverrides',
                    observed: `${path}=false`,
                    expected: 'no override',
                    source: overrideSource(list),
                  },
                ],
                remediation: cond.remediation,
              });
            }
          }
        }
      }
      const harmful: [string, string, string, (v: string) => boolean, string][] = [
        [
          'Cafe',
          'HttpRequestFiltering',
          'Enabled',
          (v) => v.toLowerCase() === 'false',
          'AMSI request filtering is disabled',
        ],
        [
          'Data',
          'EnableSerializationDataSigning',
          'Enabled',
          (v) => v.toLowerCase() === 'false',
          'serialization signing is disabled',
        ],
        [
          'Data',
          'DeserializationBinderSettings',
          'LearningLocations',
          () => true,
          'Strict Mode deserialization is in learning mode',
        ],
      ];
      for (const [c, s, p, bad, what] of harmful) {
        const vals = valuesOf(c, s, p).filter(bad);
        if (vals.length)
          out.push({
            status: 'fail',
            code: 'override-disables-protection',
            key: `${c}\\${s}\\${p}`,
            message: `${what} (${c}\\${s}\\${p}=${vals.join(',')}).`,
            evidence: [
              {
                fact: 'config.settingOverrides',
                observed: `${c}\\${s}\\${p}=${vals.join(',')}`,
                source: overrideSource(list),
              },
            ],
            remediation: 'Remove the SettingOverride.',
          });
      }
      const reg = facts.config?.diagnosticsRegistry ?? {};
      if (Number(reg['DisableBaseTypeCheckForDeserialization']) === 1) {
        out.push({
          status: 'fail',
          code: 'base-type-check-disabled',
          key: 'DisableBaseTypeCheckForDeserialization',
          message: 'DisableBaseTypeCheckForDeserialization = 1 turns off a deserialization protection.',
          remediation: 'Delete the registry value.',
        });
      }
      if (!out.length) {
        const partly = !list.known || !facts.config?.diagnosticsRegistry;
        return [
          {
            status: partly ? 'indeterminate' : 'pass',
            code: partly ? 'overrides-partly-unknown' : 'no-harmful-overrides',
            message: partly
              ? 'No harmful override among what was collected; part of the configuration was not collected.'
              : 'No override re-opens a CVE or disables a protection.',
          },
        ];
      }
      return out;
    });
  },
});
