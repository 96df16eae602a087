/**
 * LSA settings HealthChecker shows (rules/healthchecker/windows.yaml, lsa): the LAN Manager authentication level
 * (exaudit fails a level below 3, which still sends LM or NTLMv1 responses), Credential Guard (not supported on an
 * Exchange server: HealthChecker Red) and the FIPS algorithm policy (recorded, not judged, as HealthChecker does).
 */
import { defineCheck, type CheckResult } from '../src/contract/check.js';
import { notCollected, withSettingRules } from './_shared.js';

export default defineCheck({
  meta: {
    id: 'lsa-settings',
    title: 'LSA: NTLMv2 only, no Credential Guard',
    severity: 'medium',
    requires: ['exchange'],
    references: [
      'https://learn.microsoft.com/previous-versions/windows/it-pro/windows-10/security/threat-protection/security-policy-settings/network-security-lan-manager-authentication-level',
      'https://aka.ms/HC-CredentialGuardCheck',
    ],
  },
  evaluate(facts, catalog) {
    return withSettingRules(facts, catalog, 'lsa', null, (spec) => {
      const lsa = facts.windows?.lsa;
      if (!lsa) return [notCollected(facts, 'windows.lsa', 'the LSA registry values', 'lsa-unknown')];
      const out: CheckResult[] = [];
      // LAN Manager authentication level: not set means the Windows default.
      if (lsa.lmCompatibilityLevel === undefined)
        out.push(notCollected(facts, 'windows.lsa', 'LmCompatibilityLevel', 'lm-level-unknown'));
      else {
        const level = lsa.lmCompatibilityLevel ?? spec.lmCompatibilityLevelDefault;
        const ev = [
          {
            fact: 'windows.lsa.lmCompatibilityLevel',
            observed: lsa.lmCompatibilityLevel ?? `not set (Windows default ${spec.lmCompatibilityLevelDefault})`,
            expected: `${spec.lmCompatibilityLevelMinimum} or higher (5 recommended)`,
            source: lsa.source,
          },
        ];
        out.push(
          level < spec.lmCompatibilityLevelMinimum
            ? {
                status: 'fail',
                code: 'lm-level-weak',
                key: 'lm',
                message: `LmCompatibilityLevel is ${level}: the server still sends LM or NTLMv1 responses (exaudit's judgement; HealthChecker shows the value).`,
                evidence: ev,
                remediation:
                  'Set "Network security: LAN Manager authentication level" to "Send NTLMv2 response only" (3) or higher.',
              }
            : {
                status: 'pass',
                code: 'lm-level-ok',
                key: 'lm',
                message: `LmCompatibilityLevel is ${level} (NTLMv2 only).`,
                evidence: ev,
              },
        );
      }
      // Credential Guard: the registry flag or the running security service.
      const running = facts.windows?.deviceGuard?.securityServicesRunning;
      const flag = lsa.lsaCfgFlags;
      const byFlag = flag !== undefined && flag !== null && flag !== 0;
      const byService = running?.includes(spec.credentialGuardService) ?? false;
      const cgEvidence = [
        {
          fact: 'windows.lsa.lsaCfgFlags, windows.deviceGuard.securityServicesRunning',
          observed: { lsaCfgFlags: flag ?? null, securityServicesRunning: running ?? null },
          expected: { lsaCfgFlags: 0, securityServicesRunning: `without ${spec.credentialGuardService}` },
          source: lsa.source,
        },
      ];
      if (byFlag || byService)
        out.push({
          status: 'fail',
          code: 'credential-guard-enabled',
          key: 'credential-guard',
          message:
            'Credential Guard is enabled; it is not supported on an Exchange server and can cause a performance hit (HealthChecker: Red).',
          evidence: cgEvidence,
          remediation: 'Turn Credential Guard off on Exchange servers (https://aka.ms/HC-CredentialGuardCheck).',
        });
      else if (flag === undefined || !running)
        out.push({
          status: 'indeterminate',
          code: 'credential-guard-unknown',
          key: 'credential-guard',
          message: `Credential Guard state unknown: ${flag === undefined ? 'LsaCfgFlags' : 'the Win32_DeviceGuard running services'} ${flag === undefined && !running ? 'and the running services were' : 'was'} not collected (HealthChecker: "Unknown").`,
          evidence: cgEvidence,
        });
      else
        out.push({
          status: 'pass',
          code: 'credential-guard-off',
          key: 'credential-guard',
          message: 'Credential Guard is not enabled.',
          evidence: cgEvidence,
        });
      // FIPS: recorded only.
      if (lsa.fipsAlgorithmPolicy !== undefined)
        out.push({
          status: 'pass',
          code: 'fips-recorded',
          key: 'fips',
          severity: 'info',
          message: `FipsAlgorithmPolicy Enabled = ${lsa.fipsAlgorithmPolicy ?? 'not set'} (recorded; HealthChecker shows this value without judging it).`,
          evidence: [
            { fact: 'windows.lsa.fipsAlgorithmPolicy', observed: lsa.fipsAlgorithmPolicy, source: lsa.source },
          ],
        });
      return out;
    });
  },
});
