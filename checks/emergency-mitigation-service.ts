/**
 * EEMS (2016 ≥ CU22, 2019 ≥ CU11, SE): enabled at org and server level, service running, nothing blocked; the
 * mitigations applied are listed. A pass needs every one of those facts; a missing one is indeterminate.
 */
import { defineCheck } from '../src/contract/check.js';
import { eemsAvailable, withBuild } from './_shared.js';

export default defineCheck({
  meta: {
    id: 'emergency-mitigation-service',
    title: 'Emergency Mitigation Service healthy',
    severity: 'medium',
    requires: ['exchange'],
    references: ['https://learn.microsoft.com/exchange/exchange-emergency-mitigation-service'],
  },
  evaluate(facts, catalog, ctx) {
    return withBuild(facts, catalog, ctx.asOf, 'The Emergency Mitigation Service', (info) => {
      const available = eemsAvailable(info);
      if (available === undefined)
        return [
          {
            status: 'indeterminate',
            code: 'eems-build-unknown',
            message: `Only the product is known (${info.name}); EEMS exists from 2016 CU22 and 2019 CU11.`,
          },
        ];
      if (!available)
        return [
          {
            status: 'not_applicable',
            code: 'eems-not-available',
            message: `${info.name} predates the Emergency Mitigation Service (2016 CU22, 2019 CU11).`,
          },
        ];
      const e = facts.config?.eems;
      if (!e)
        return [
          {
            status: 'indeterminate',
            code: 'eems-unknown',
            message: 'The EEMS state was not collected (needs the Exchange cmdlets).',
          },
        ];
      const problems: string[] = [];
      if (e.orgEnabled === false) problems.push('disabled at organization level');
      if (e.serverEnabled === false) problems.push('disabled on this server');
      if (e.serviceStatus && !/running/i.test(e.serviceStatus))
        problems.push(`MSExchangeMitigation service ${e.serviceStatus}`);
      if (e.serviceStartMode && !/auto/i.test(e.serviceStartMode))
        problems.push(`service start mode ${e.serviceStartMode}`);
      if (e.blocked?.length) problems.push(`mitigations blocked: ${e.blocked.join(', ')}`);
      if (e.patternServiceReachable === false) problems.push('the mitigation pattern service is unreachable');
      const ev = [{ fact: 'config.eems', observed: e, source: facts.config?.source }];
      if (problems.length)
        return [
          {
            status: 'fail',
            code: 'eems-not-healthy',
            message: `The Emergency Mitigation Service cannot protect this server: ${problems.join('; ')}.`,
            evidence: ev,
            remediation:
              'Set-OrganizationConfig / Set-ExchangeServer -MitigationsEnabled $true; start MSExchangeMitigation (Automatic); allow HTTPS to officeclient.microsoft.com.',
          },
        ];
      const missing = [
        ...(e.orgEnabled === undefined ? ['organization MitigationsEnabled'] : []),
        ...(e.serverEnabled === undefined ? ['server MitigationsEnabled'] : []),
        ...(e.serviceStatus === undefined ? ['MSExchangeMitigation service state'] : []),
        // MitigationsApplied and MitigationsBlocked are read together (Get-ExchangeServer); a source that lists only
        // the blocked ones when there are any (HealthChecker's display) leaves blocked out when none is.
        ...(e.blocked === undefined && e.applied === undefined ? ['MitigationsApplied/MitigationsBlocked'] : []),
      ];
      if (missing.length)
        return [
          {
            status: 'indeterminate',
            code: 'eems-partly-unknown',
            message: `No problem among what was collected, but ${missing.join(', ')} ${missing.length === 1 ? 'was' : 'were'} not collected.`,
            evidence: ev,
            remediation:
              'Run the collector in the Exchange Management Shell (Get-OrganizationConfig, Get-ExchangeServer).',
          },
        ];
      return [
        {
          status: 'pass',
          code: 'eems-healthy',
          message: `EEMS is enabled and running${e.applied?.length ? `; applied: ${e.applied.join(', ')}` : ''}.`,
          evidence: ev,
        },
      ];
    });
  },
});
