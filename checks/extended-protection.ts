/**
 * Extended Protection: the build supports it, every virtual directory is configured as Microsoft requires
 * (rules/extended-protection.yaml), LSA SuppressExtendedProtection is 0, and SSL offloading (which EP does not
 * support) is off. Closes CVE-2022-24516, -21979, -21980, -24477, -30134 and CVE-2024-21410.
 */
import { defineCheck } from '../src/engine/check.js';
import { canTakeStep } from '../src/catalog/lookup.js';
import { buildEvidence, buildOf, edgeNotApplicable } from './_shared.js';

export default defineCheck({
  meta: {
    id: 'extended-protection', title: 'Extended Protection configured', severity: 'high', requires: ['exchange'],
    directives: ['bod-22-01'],
    references: ['https://learn.microsoft.com/exchange/plan-and-deploy/post-installation-tasks/security-best-practices/exchange-extended-protection'],
  },
  evaluate(facts, catalog, ctx) {
    const edge = edgeNotApplicable(facts, 'Extended Protection');
    if (edge) return [edge];
    const r = buildOf(facts, catalog, ctx.asOf);
    if ('result' in r) return [r.result];
    const spec = catalog.extendedProtection;
    if (!spec) return [{ status: 'error', code: 'catalog-incomplete', message: 'The catalog has no extended-protection.yaml.' }];
    const { info } = r;
    const cves = spec.cves;
    const supported = canTakeStep(info, spec.supportedFrom);
    const base = buildEvidence(facts, info);
    if (supported === false) {
      return [{ status: 'fail', code: 'ep-unsupported-build', cves, message: `${info.name} cannot run Extended Protection; ${cves.length} CVEs stay open until it is updated and EP is enabled.`, evidence: [base], remediation: 'Install the latest SU (EP needs 2019 CU12 Aug22SU / CU11 Aug22SU, 2016 CU23/CU22 Aug22SU, 2013 CU23 Aug22SU or later), then run ExchangeExtendedProtectionManagement.ps1.' }];
    }
    const vdirs = facts.iis?.virtualDirectories;
    if (!vdirs) return [{ status: 'indeterminate', code: 'ep-config-unknown', cves, message: 'The IIS virtual directory configuration was not collected.', evidence: [base] }];
    const problems: string[] = [];
    for (const want of spec.virtualDirectories) {
      if (want.notOn2013 && info.product === '2013') continue;
      const got = vdirs.find((v) => v.site.toLowerCase() === want.site.toLowerCase() && v.path.toLowerCase() === want.path.toLowerCase());
      if (!got) continue; // not present on this server's roles
      const current = got.tokenChecking ?? 'None';
      const ewsFiltered = want.site === 'Exchange Back End' && want.path === 'EWS' && got.ipFilterAllowUnlisted === false;
      const ok = current === want.expected || (want.expected === 'Allow' && current === 'Require') || want.expected === 'None' || ewsFiltered;
      if (!ok) problems.push(`${want.site}/${want.path}: ${current}, expected ${want.expected}`);
    }
    const lsa = facts.config?.suppressExtendedProtection;
    if (lsa !== undefined && lsa !== 0) problems.push(`LSA SuppressExtendedProtection = ${lsa}`);
    if (facts.config?.sslOffloading) problems.push('SSL offloading is on (Extended Protection does not support it)');
    const ev = [base, { fact: 'iis.virtualDirectories', observed: problems.length ? problems : 'as required', source: facts.iis?.source }];
    if (supported === undefined) {
      return [{ status: 'indeterminate', code: 'ep-build-unknown', cves, message: `The build is known only to the CU; whether it supports Extended Protection depends on its SU.${problems.length ? ` Configuration problems: ${problems.join('; ')}.` : ''}`, evidence: ev }];
    }
    if (problems.length) {
      return [{ status: 'fail', code: 'ep-not-configured', cves, message: `Extended Protection is not configured as required: ${problems.join('; ')}.`, evidence: ev, remediation: 'Run ExchangeExtendedProtectionManagement.ps1 to configure Extended Protection (or fix the listed virtual directories).' }];
    }
    return [{ status: 'pass', code: 'ep-configured', cves, message: 'Extended Protection is configured on every virtual directory as Microsoft requires.', evidence: ev }];
  },
});
