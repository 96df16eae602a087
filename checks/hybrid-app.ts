/**
 * CVE-2025-53786 (CISA ED 25-02): hybrid servers need the April 2025 HU or later, the dedicated Exchange hybrid
 * application (exactly one Global\ExchangeOnpremAsThirdPartyAppId Enabled=true override, an EvoSTS auth server
 * with a GUID ApplicationIdentifier) and the shared service principal's keyCredentials cleaned up.
 */
import { defineCheck } from '../src/contract/check.js';
import { withBuild } from './_shared.js';
import { assessHybridApp } from './_hybrid.js';

const CVE = ['CVE-2025-53786'];
export default defineCheck({
  meta: {
    id: 'hybrid-app',
    title: 'Dedicated hybrid application (ED 25-02)',
    severity: 'high',
    requires: ['exchange'],
    advisories: ['CVE-2025-53786'],
    directives: ['ed-25-02'],
    references: [
      'https://techcommunity.microsoft.com/blog/exchange/exchange-server-security-changes-for-hybrid-deployments/4396833',
    ],
  },
  evaluate(facts, catalog, ctx) {
    return withBuild(facts, catalog, ctx.asOf, null, (info) => {
      const h = facts.hybrid;
      const a = assessHybridApp(facts, catalog, info);
      if (!h || a.state === 'not-collected')
        return [
          {
            status: 'indeterminate',
            code: 'hybrid-unknown',
            message: 'Whether the organization is hybrid was not collected (needs the Exchange cmdlets).',
          },
        ];
      if (a.state === 'not-hybrid')
        return [
          {
            status: 'not_applicable',
            code: 'not-hybrid',
            message: 'No hybrid configuration: CVE-2025-53786 concerns hybrid deployments.',
          },
        ];
      const problems = a.problems;
      const ev = [{ fact: 'hybrid', observed: h, source: h.source }];
      if (problems.length)
        return [
          {
            status: 'fail',
            code: 'hybrid-app-missing',
            cves: CVE,
            message: `Hybrid deployment not remediated for CVE-2025-53786: ${problems.join('; ')}.`,
            evidence: ev,
            remediation:
              'Install the latest CU and the April 2025 HU or later, run ConfigureExchangeHybridApplication.ps1 (dedicated app, then -ResetFirstPartyServicePrincipalKeyCredentials).',
          },
        ];
      const unknown = a.state === 'partly-unknown';
      if (unknown)
        return [
          {
            status: 'indeterminate',
            code: 'hybrid-partly-unknown',
            cves: CVE,
            message:
              'No problem among what was collected; the HU level, overrides, auth servers or the tenant-side service principal were not all collected.',
            evidence: ev,
          },
        ];
      return [
        {
          status: 'pass',
          code: 'hybrid-app-configured',
          message: 'The dedicated hybrid application is configured and the shared service principal is cleaned up.',
          evidence: ev,
        },
      ];
    });
  },
});
