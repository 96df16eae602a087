/**
 * The dedicated Exchange hybrid application (CVE-2025-53786, CISA ED 25-02), judged from facts.hybrid: one assessment
 * shared by the hybrid-app check and the CVE's hybrid-app condition in cve-exposure. A hybrid server needs the April
 * 2025 HU or later, exactly one Global\ExchangeOnpremAsThirdPartyAppId Enabled=true override, an EvoSTS auth server
 * with a GUID ApplicationIdentifier, and the shared service principal's keyCredentials cleaned up.
 */
import { updateState, type BuildInfo } from '../src/catalog/lookup.js';
import type { Catalog } from '../src/catalog/catalog.js';
import type { Facts } from '../src/facts/schema.js';
import { readOverride } from './_overrides.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface HybridAssessment {
  /**
   * not-collected: facts.hybrid missing; not-hybrid: no hybrid configuration; problems: something collected is wrong;
   * partly-unknown: nothing wrong among what was collected, but not everything was; configured: all in place.
   */
  state: 'not-collected' | 'not-hybrid' | 'problems' | 'partly-unknown' | 'configured';
  problems: string[];
}

export function assessHybridApp(facts: Facts, catalog: Catalog, info: BuildInfo): HybridAssessment {
  const h = facts.hybrid;
  if (!h) return { state: 'not-collected', problems: [] };
  if (!h.configured) return { state: 'not-hybrid', problems: [] };
  const problems: string[] = [];
  const hu = updateState(catalog, info, 'Apr25HU');
  if (hu === 'missing') problems.push(`the April 2025 HU (or later) is not installed on ${info.name}`);
  // Only 2016, 2019 and SE can take the fix; an older product in a hybrid is to be disconnected (ED 25-02 step 2).
  if (hu === 'not-applicable' && info.product !== 'SE')
    problems.push(
      `${info.productName} cannot take the April 2025 HU (only Exchange 2016 CU23, 2019 CU14/CU15 and SE are eligible); ED 25-02 asks to disconnect it`,
    );
  const overrides = readOverride(facts, info, 'Global', 'ExchangeOnpremAsThirdPartyAppId', 'Enabled');
  if (overrides.known && overrides.values.filter((v) => v.value.toLowerCase() === 'true').length !== 1)
    problems.push(
      `expected exactly one Global\\ExchangeOnpremAsThirdPartyAppId Enabled=true override, found ${overrides.values.length}`,
    );
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
  if (problems.length) return { state: 'problems', problems };
  const unknown =
    hu === 'unknown' || !overrides.known || !h.evoStsAuthServers || h.firstPartySpKeyCredentials === undefined;
  return { state: unknown ? 'partly-unknown' : 'configured', problems: [] };
}
