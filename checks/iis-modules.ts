/**
 * IIS native (global) modules as HealthChecker judges them (Get-IISModules.ps1, Invoke-AnalyzerSecurityIISModules.ps1):
 * a module whose image is not signed, or is missing, is Red (a known IIS backdoor technique loads an unsigned
 * native module); one signed by someone other than Microsoft is Yellow. exaudit also fails a signature that no longer
 * matches the file or does not chain to a trusted root (HealthChecker: Yellow), as a tampered Microsoft module would.
 */
import { defineCheck } from '../src/contract/check.js';
import { notCollected, withSettingRules } from './_shared.js';

/** Get-AuthenticodeSignature statuses that mean "not signed" in HealthChecker's terms. */
const UNSIGNED = new Set(['notsigned', 'unknownerror', 'notsupportedfileformat', 'incompatible']);
const TAMPERED = new Set(['hashmismatch', 'nottrusted']);

export default defineCheck({
  meta: {
    id: 'iis-modules',
    title: 'IIS native modules signed by Microsoft',
    severity: 'high',
    requires: ['exchange'],
    references: [
      'https://www.microsoft.com/security/blog/2022/07/26/malicious-iis-extensions-quietly-open-persistent-backdoors-into-servers/',
    ],
  },
  evaluate(facts, catalog) {
    return withSettingRules(facts, catalog, 'iisModules', 'The IIS module check', (spec) => {
      const modules = facts.iis?.globalModules;
      if (!modules) return [notCollected(facts, 'iis.globalModules', 'the IIS global modules', 'iis-modules-unknown')];
      const unsigned: string[] = [];
      const tampered: string[] = [];
      const foreign: string[] = [];
      const unread: string[] = [];
      for (const m of modules) {
        const label = `${m.name} (${m.image ?? 'no image'})`;
        const status = m.signatureStatus?.toLowerCase();
        if (m.fileFound === false) unsigned.push(`${label}: file not found`);
        else if (status === undefined) unread.push(label);
        else if (UNSIGNED.has(status)) unsigned.push(`${label}: ${m.signatureStatus}`);
        else if (TAMPERED.has(status)) tampered.push(`${label}: ${m.signatureStatus}`);
        else if (status !== 'valid') unread.push(`${label}: ${m.signatureStatus}`);
        else if (!m.signer?.includes(spec.microsoftSigner))
          foreign.push(`${label}: signed by ${m.signer ?? 'unknown'}`);
      }
      const source = facts.iis?.source;
      const out = [];
      if (unsigned.length || tampered.length)
        out.push({
          status: 'fail' as const,
          code: 'iis-module-unsigned',
          key: 'unsigned',
          severity: 'critical' as const,
          message: `IIS loads native modules that are not validly signed: ${[...unsigned, ...tampered].join('; ')}. Investigate them as possible backdoors.`,
          evidence: [
            { fact: 'iis.globalModules', observed: [...unsigned, ...tampered], expected: 'Valid signatures', source },
          ],
          remediation:
            'Find out what installed each module; remove unknown ones (appcmd or IIS Manager) and sweep for compromise.',
        });
      if (foreign.length)
        out.push({
          status: 'fail' as const,
          code: 'iis-module-not-microsoft',
          key: 'foreign',
          severity: 'medium' as const,
          message: `IIS loads native modules not signed by Microsoft: ${foreign.join('; ')}. Confirm each is expected (antivirus, load balancer agents, …).`,
          evidence: [{ fact: 'iis.globalModules', observed: foreign, expected: spec.microsoftSigner, source }],
          remediation: 'Confirm the vendor of each module; remove what nobody installed on purpose.',
        });
      if (out.length) return out;
      if (unread.length)
        return [
          {
            status: 'indeterminate' as const,
            code: 'iis-modules-partly-unknown',
            message: `No unsigned module among those read, but the signature of ${unread.join('; ')} was not read.`,
            evidence: [{ fact: 'iis.globalModules', observed: unread, source }],
          },
        ];
      return [
        {
          status: 'pass' as const,
          code: 'iis-modules-signed',
          message: `All ${modules.length} IIS global modules are signed by Microsoft.`,
          evidence: [{ fact: 'iis.globalModules', observed: modules.length, source }],
        },
      ];
    });
  },
});
