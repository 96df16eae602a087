/**
 * CVE-2025-53786 (CISA ED 25-02): hybrid servers need the April 2025 HU or later, the dedicated Exchange hybrid
 * application (exactly one Global\ExchangeOnpremAsThirdPartyAppId Enabled=true override, an EvoSTS auth server
 * with a GUID ApplicationIdentifier) and the shared service principal's keyCredentials cleaned up.
 */
import { defineCheck } from '../src/contract.js';
import { updateState } from '../src/catalog/lookup.js';
import { buildOf, overrideValues } from './_shared.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
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
    const r = buildOf(facts, catalog, ctx.asOf);
    if ('result' in r) return [r.result];
    const { info } = r;
    const h = facts.hybrid;
    if (!h)
      return [
        {
          status: 'indeterminate',
          code: 'hybrid-unknown',
          message: 'Whether the organization is hybrid was not collected (needs the Exchange cmdlets).',
        },
      ];
    if (!h.configured)
      return [
        {
          status: 'not_applicable',
          code: 'not-hybrid',
          message: 'No hybrid configuration: CVE-2025-53786 concerns hybrid deployments.',
        },
      ];
    const problems: string[] = [];
    const hu = updateState(catalog, info, 'Apr25HU');
    if (hu === 'missing') problems.push(`the April 2025 HU (or later) is not installed on ${info.name}`);
    // Only 2016, 2019 and SE can take the fix; an older product in a hybrid is to be disconnected (ED 25-02 step 2).
    if (hu === 'not-applicable' && info.product !== 'SE')
      problems.push(
        `${info.productName} cannot take the April 2025 HU (only Exchange 2016 CU23, 2019 CU14/CU15 and SE are eligible); ED 25-02 asks to disconnect it`,
      );
    const overrides = overrideValues(facts, 'Global', 'ExchangeOnpremAsThirdPartyAppId', 'Enabled');
    if (facts.config?.settingOverrides) {
      if (overrides.filter((v) => v.toLowerCase() === 'true').length !== 1)
        problems.push(
          `expected exactly one Global\\ExchangeOnpremAsThirdPartyAppId Enabled=true override, found ${overrides.length}`,
        );
    }
    if (
      h.evoStsAuthServers &&
      !h.evoStsAuthServers.some(
        (a) => a.applicationIdentifier && GUID.test(a.applicationIdentifier) && a.enabled !== false,
      )
    )
      problems.push('no EvoSTS auth server uses the dedicated app (a GUID ApplicationIdentifier)');
    if (h.firstPartySpKeyCredentials !== undefined && h.firstPartySpKeyCredentials > 0)
      problems.push(
        `${h.firstPartySpKeyCredentials} keyCredentials remain on the shared Office 365 Exchange Online service principal`,
      );
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
    const unknown =
      hu === 'unknown' ||
      !facts.config?.settingOverrides ||
      !h.evoStsAuthServers ||
      h.firstPartySpKeyCredentials === undefined;
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
  },
});
