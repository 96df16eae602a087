/**
 * Extended Protection judged from facts, shared by the extended-protection check and cve-exposure (whose EP CVEs
 * it opens or closes). HealthChecker's rules (css-exchange.md §d): the build must support EP; every virtual
 * directory at its required tokenChecking (Require where Allow is asked is fine, None where None is asked, the
 * EWS back end may use the IP-filter variant); LSA SuppressExtendedProtection 0; and, from Microsoft's EP guidance,
 * no SSL offloading (EP does not support it).
 */
import type { Catalog } from '../src/catalog/catalog.js';
import { canTakeStep, type BuildInfo } from '../src/catalog/lookup.js';
import type { Facts } from '../src/facts/schema.js';
import type { Evidence } from '../src/contract.js';

export interface EpJudgement {
  cves: string[];
  /** Can this build run EP? undefined at CU precision on a CU where it depends on the SU. */
  supported: boolean | undefined;
  state: 'configured' | 'not-configured' | 'unsupported-build' | 'unknown';
  /** Configuration that is wrong. */
  problems: string[];
  /** Facts that were not collected. */
  unknown: string[];
  /** Virtual directories at Require where Microsoft expects Allow: secure, but not the supported configuration. */
  stricter: string[];
  /** Virtual directories with any Extended Protection (HealthChecker's "Extended Protection Enabled (Any VDir)"). */
  configuredAny: boolean;
  evidence: Evidence[];
}

export function judgeExtendedProtection(facts: Facts, catalog: Catalog, info: BuildInfo): EpJudgement | undefined {
  const spec = catalog.extendedProtection;
  if (!spec) return undefined;
  const supported = canTakeStep(info, spec.supportedFrom);
  const problems: string[] = [];
  const unknown: string[] = [];
  const stricter: string[] = [];
  const vdirs = facts.iis?.virtualDirectories;
  if (!vdirs) unknown.push('iis.virtualDirectories');
  else {
    let seen = 0;
    for (const want of spec.virtualDirectories) {
      if (want.notOn2013 && info.product === '2013') continue;
      const got = vdirs.find(
        (v) => v.site.toLowerCase() === want.site.toLowerCase() && v.path.toLowerCase() === want.path.toLowerCase(),
      );
      if (!got) continue; // the collector lists every vdir the server has; an absent one does not exist on its roles
      seen++;
      const current = got.tokenChecking ?? 'None';
      const ewsFiltered =
        want.site === 'Exchange Back End' && want.path === 'EWS' && got.ipFilterAllowUnlisted === false;
      const ok =
        current === want.expected ||
        (want.expected === 'Allow' && current === 'Require') ||
        want.expected === 'None' ||
        ewsFiltered;
      if (!ok) problems.push(`${want.site}/${want.path}: ${current}, expected ${want.expected}`);
      else if (want.expected === 'Allow' && current === 'Require') stricter.push(`${want.site}/${want.path}`);
    }
    // An empty or foreign list proves nothing: it must not read as "every vdir is fine".
    if (!seen) unknown.push('iis.virtualDirectories (none of the Exchange virtual directories was listed)');
  }
  const lsa = facts.config?.suppressExtendedProtection;
  if (lsa === undefined) unknown.push('config.suppressExtendedProtection (LSA registry value)');
  else if (lsa !== 0) problems.push(`LSA SuppressExtendedProtection = ${lsa}`);
  const offload = facts.config?.sslOffloading;
  if (offload === undefined) unknown.push('config.sslOffloading (Outlook Anywhere SSL offloading)');
  else if (offload) problems.push('SSL offloading is on (Extended Protection does not support it)');
  const state: EpJudgement['state'] =
    supported === false
      ? 'unsupported-build'
      : problems.length
        ? 'not-configured'
        : unknown.length || supported === undefined
          ? 'unknown'
          : 'configured';
  const evidence: Evidence[] = [
    {
      fact: 'iis.virtualDirectories',
      observed: vdirs ? (problems.length ? problems : 'as required') : null,
      expected: 'tokenChecking per rules/extended-protection.yaml',
      source: facts.iis?.source,
    },
    { fact: 'config.suppressExtendedProtection', observed: lsa ?? null, expected: 0, source: facts.config?.source },
    { fact: 'config.sslOffloading', observed: offload ?? null, expected: false, source: facts.config?.source },
  ];
  const configuredAny = !!vdirs?.some((v) => (v.tokenChecking ?? 'None') !== 'None');
  return { cves: spec.cves, supported, state, problems, unknown, stricter, configuredAny, evidence };
}
