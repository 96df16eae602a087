/** EEMS (2016 ≥ CU22, 2019 ≥ CU11, SE): enabled at org and server level, service running, nothing blocked. */
import { defineCheck } from '../src/engine/check.js';
import { buildOf, edgeNotApplicable } from './_shared.js';
import { compareBuilds } from '../src/util/version.js';

export default defineCheck({
  meta: { id: 'emergency-mitigation-service', title: 'Emergency Mitigation Service healthy', severity: 'medium', requires: ['exchange'], references: ['https://learn.microsoft.com/exchange/exchange-emergency-mitigation-service'] },
  evaluate(facts, catalog, ctx) {
    const edge = edgeNotApplicable(facts, 'The Emergency Mitigation Service');
    if (edge) return [edge];
    const r = buildOf(facts, catalog, ctx.asOf);
    if ('result' in r) return [r.result];
    const { info } = r;
    const probe = info.cuBuild ?? info.build ?? '0';
    const has = info.product === 'SE' || (info.product === '2016' && compareBuilds(probe, '15.1.2375.7') >= 0) || (info.product === '2019' && compareBuilds(probe, '15.2.986.5') >= 0);
    if (!has) return [{ status: 'not_applicable', code: 'eems-not-available', message: `${info.name} predates the Emergency Mitigation Service (2016 CU22, 2019 CU11).` }];
    const e = facts.config?.eems;
    if (!e) return [{ status: 'indeterminate', code: 'eems-unknown', message: 'The EEMS state was not collected (needs the Exchange cmdlets).' }];
    const problems: string[] = [];
    if (e.orgEnabled === false) problems.push('disabled at organization level');
    if (e.serverEnabled === false) problems.push('disabled on this server');
    if (e.serviceStatus && !/running/i.test(e.serviceStatus)) problems.push(`MSExchangeMitigation service ${e.serviceStatus}`);
    if (e.serviceStartMode && !/auto/i.test(e.serviceStartMode)) problems.push(`service start mode ${e.serviceStartMode}`);
    if (e.blocked?.length) problems.push(`mitigations blocked: ${e.blocked.join(', ')}`);
    if (e.patternServiceReachable === false) problems.push('the mitigation pattern service is unreachable');
    const ev = [{ fact: 'config.eems', observed: e, source: facts.config?.source }];
    if (problems.length) return [{ status: 'fail', code: 'eems-not-healthy', message: `The Emergency Mitigation Service cannot protect this server: ${problems.join('; ')}.`, evidence: ev, remediation: 'Set-OrganizationConfig / Set-ExchangeServer -MitigationsEnabled $true; start MSExchangeMitigation (Automatic); allow HTTPS to officeclient.microsoft.com.' }];
    if (e.orgEnabled === undefined || e.serverEnabled === undefined) return [{ status: 'indeterminate', code: 'eems-partly-unknown', message: 'Only part of the EEMS state was collected.', evidence: ev }];
    return [{ status: 'pass', code: 'eems-healthy', message: `EEMS is enabled and running${e.applied?.length ? `; applied: ${e.applied.join(', ')}` : ''}.`, evidence: ev }];
  },
});
