/**
 * HTTP Strict Transport Security as HealthChecker judges it (Invoke-AnalyzerIISInformation.ps1, rules in
 * rules/healthchecker/exchange.yaml): not on the Exchange Back End site (unsupported), no redirectHttpToHttps (breaks
 * Exchange), max-age of at least a year, and not configured both natively and as a custom header. A server without
 * HSTS is not judged (HSTS is optional).
 */
import { defineCheck, type CheckResult } from '../src/contract/check.js';
import { failsInto, notCollected, withSettingRules } from './_shared.js';

export default defineCheck({
  meta: {
    id: 'hsts',
    title: 'HSTS configured as supported',
    severity: 'low',
    requires: ['exchange'],
    references: ['https://aka.ms/HC-HSTS'],
  },
  evaluate(facts, catalog) {
    return withSettingRules(facts, catalog, 'hsts', 'HSTS on the Exchange web sites', (spec) => {
      const hsts = facts.iis?.hsts;
      if (!hsts)
        return [notCollected(facts, 'iis.hsts', 'the HSTS settings of the Exchange web sites', 'hsts-unknown')];
      const source = facts.iis?.source;
      const on = hsts.filter((h) => h.enabled);
      if (!on.length)
        return [
          {
            status: 'pass',
            code: 'hsts-not-configured',
            message: 'HSTS is not configured on the Exchange web sites (optional; nothing unsupported is set).',
            evidence: [{ fact: 'iis.hsts', observed: hsts, source }],
          },
        ];
      const out: CheckResult[] = [];
      const fail = failsInto(out, 'iis.hsts', source);
      for (const site of [...new Set(on.map((h) => h.site))]) {
        const entries = on.filter((h) => h.site === site);
        // Native IIS HSTS wins over the header (HealthChecker).
        const used = entries.find((h) => h.via === 'native') ?? entries[0]!;
        if (site.toLowerCase() === spec.backEndSite.toLowerCase())
          fail(
            `backend`,
            'hsts-on-back-end',
            'medium',
            `HSTS is enabled on '${site}', which is not supported and can break Exchange.`,
            entries,
            `Remove HSTS from '${site}'.`,
          );
        if (used.redirectHttpToHttps)
          fail(
            `redirect:${site}`,
            'hsts-redirect',
            'medium',
            `'${site}' has HSTS redirectHttpToHttps, which Exchange does not support.`,
            used,
            'Turn redirectHttpToHttps off.',
          );
        if (entries.length > 1)
          fail(
            `conflict:${site}`,
            'hsts-conflict',
            'low',
            `'${site}' has HSTS both natively and as a custom header; the native setting wins.`,
            entries,
            'Keep one of the two configurations.',
          );
        if (site.toLowerCase() === spec.frontEndSite.toLowerCase() && (used.maxAge ?? 0) < spec.minMaxAge)
          fail(
            `max-age:${site}`,
            'hsts-max-age-short',
            'low',
            `'${site}' HSTS max-age is ${used.maxAge ?? 0}; at least ${spec.minMaxAge} (one year) is recommended.`,
            used,
            `Set max-age to ${spec.minMaxAge} or more.`,
          );
      }
      if (out.length) return out;
      return [
        {
          status: 'pass',
          code: 'hsts-ok',
          message: `HSTS is configured as supported on ${on.map((h) => h.site).join(', ')}.`,
          evidence: [{ fact: 'iis.hsts', observed: on, source }],
        },
      ];
    });
  },
});
