/**
 * Extended Protection: the build supports it, every virtual directory is configured as Microsoft requires
 * (rules/extended-protection.yaml), LSA SuppressExtendedProtection is 0, and SSL offloading (which EP does not
 * support) is off. Closes CVE-2022-24516, -21979, -21980, -24477, -30134 and CVE-2024-21410.
 */
import { defineCheck, type CheckResult } from '../src/contract/check.js';
import { buildEvidence, withBuild } from './_shared.js';
import { judgeExtendedProtection } from './_ep.js';

const FIX = 'Run ExchangeExtendedProtectionManagement.ps1 to configure Extended Protection (or fix the listed items).';

export default defineCheck({
  meta: {
    id: 'extended-protection',
    title: 'Extended Protection configured',
    severity: 'high',
    requires: ['exchange'],
    directives: ['bod-22-01'],
    references: [
      'https://learn.microsoft.com/exchange/plan-and-deploy/post-installation-tasks/security-best-practices/exchange-extended-protection',
    ],
  },
  evaluate(facts, catalog, ctx) {
    return withBuild(facts, catalog, ctx.asOf, 'Extended Protection', (info) => {
      const ep = judgeExtendedProtection(facts, catalog, info);
      if (!ep)
        return [
          { status: 'error', code: 'catalog-incomplete', message: 'The catalog has no extended-protection.yaml.' },
        ];
      const { cves } = ep;
      const ev = [buildEvidence(facts, info), ...ep.evidence];
      const main = ((): CheckResult[] => {
        switch (ep.state) {
          case 'unsupported-build':
            return [
              {
                status: 'fail',
                code: 'ep-unsupported-build',
                cves,
                message: ep.configuredAny
                  ? `Extended Protection is configured, but ${info.name} does not support it (HealthChecker says the same); ${cves.length} CVEs stay open until it is updated.`
                  : `${info.name} cannot run Extended Protection; ${cves.length} CVEs stay open until it is updated and EP is enabled.`,
                evidence: [buildEvidence(facts, info)],
                remediation:
                  'Install the latest SU (EP needs 2019 CU12 Aug22SU / CU11 Aug22SU, 2016 CU23/CU22 Aug22SU, 2013 CU23 Aug22SU or later), then run ExchangeExtendedProtectionManagement.ps1.',
              },
            ];
          case 'not-configured':
            // Open either way: a build that cannot take EP, or one that can and is misconfigured.
            return [
              {
                status: 'fail',
                code: 'ep-not-configured',
                cves,
                message: `Extended Protection is not configured as required: ${ep.problems.join('; ')}.`,
                evidence: ev,
                remediation: FIX,
              },
            ];
          case 'configured':
            return [
              {
                status: 'pass',
                code: 'ep-configured',
                cves,
                message:
                  'Extended Protection is configured on every virtual directory as Microsoft requires; SuppressExtendedProtection is 0 and SSL offloading is off.',
                evidence: ev,
              },
            ];
          case 'unknown':
            if (!facts.iis?.virtualDirectories)
              return [
                {
                  status: 'indeterminate',
                  code: 'ep-config-unknown',
                  cves,
                  message: 'The IIS virtual directory configuration was not collected.',
                  evidence: ev,
                  remediation: 'Collect applicationHost.config (exaudit audit --ssh/--local).',
                },
              ];
            if (ep.supported === undefined)
              return [
                {
                  status: 'indeterminate',
                  code: 'ep-build-unknown',
                  cves,
                  message: `The build is known only to the CU; whether it supports Extended Protection depends on its SU.${ep.unknown.length ? ` Not collected: ${ep.unknown.join(', ')}.` : ''}`,
                  evidence: ev,
                },
              ];
            return [
              {
                status: 'indeterminate',
                code: 'ep-partly-unknown',
                cves,
                message: `No problem among what was collected, but ${ep.unknown.join(', ')} ${ep.unknown.length === 1 ? 'was' : 'were'} not collected.`,
                evidence: ev,
                remediation:
                  'Run the collector in the Exchange Management Shell so every Extended Protection fact is read.',
              },
            ];
        }
      })();
      // Require where Microsoft expects Allow: as secure, but not what clients are tested with (HealthChecker: Yellow).
      if (!ep.stricter.length) return main;
      return [
        ...main,
        {
          status: 'fail',
          code: 'ep-stricter-than-expected',
          key: 'stricter',
          severity: 'low',
          message: `Extended Protection is Require where Microsoft expects Allow on ${ep.stricter.join(', ')}: not the supported configuration (clients that cannot do channel binding, e.g. some EWS and ActiveSync clients, may fail).`,
          evidence: [
            {
              fact: 'iis.virtualDirectories',
              observed: ep.stricter.map((v) => `${v}: Require`),
              expected: 'Allow',
              source: facts.iis?.source,
            },
          ],
          remediation:
            'Set tokenChecking to Allow on these virtual directories (ExchangeExtendedProtectionManagement.ps1).',
        },
      ];
    });
  },
});
