/**
 * SMBv1 as HealthChecker judges it (Get-Smb1ServerSettings.ps1, Invoke-AnalyzerSecuritySettings.ps1): the FS-SMB1
 * feature should not be installed and the server should refuse SMB1 (Get-SmbServerConfiguration
 * EnableSMB1Protocol false).
 */
import { defineCheck, type CheckResult } from '../src/contract/check.js';
import { notCollected, outOfScope } from './_shared.js';

export default defineCheck({
  meta: {
    id: 'smb1',
    title: 'SMBv1 removed and blocked',
    severity: 'medium',
    requires: ['exchange'],
    references: ['https://aka.ms/HC-SMB1'],
  },
  evaluate(facts) {
    const scope = outOfScope(facts);
    if (scope) return [scope];
    const smb = facts.windows?.smb;
    if (!smb || (smb.smb1Installed === undefined && smb.smb1Enabled === undefined))
      return [notCollected(facts, 'windows.smb', 'the SMBv1 state', 'smb1-unknown')];
    const evidence = [
      {
        fact: 'windows.smb',
        observed: { smb1Installed: smb.smb1Installed ?? null, smb1Enabled: smb.smb1Enabled ?? null },
        expected: { smb1Installed: false, smb1Enabled: false },
        source: smb.source,
      },
    ];
    const problems: string[] = [];
    if (smb.smb1Installed) problems.push('the FS-SMB1 feature is installed');
    if (smb.smb1Enabled) problems.push('the SMB server accepts SMB1 (EnableSMB1Protocol true)');
    if (problems.length)
      return [
        {
          status: 'fail',
          code: 'smb1-present',
          message: `SMBv1 should be removed and blocked: ${problems.join('; ')}.`,
          evidence,
          remediation:
            'Set-SmbServerConfiguration -EnableSMB1Protocol $false, then Uninstall-WindowsFeature FS-SMB1 (https://aka.ms/HC-SMB1).',
        },
      ];
    const unknown = [
      smb.smb1Installed === undefined ? 'whether FS-SMB1 is installed' : '',
      smb.smb1Enabled === undefined ? 'whether the server accepts SMB1' : '',
    ].filter(Boolean);
    const result: CheckResult = unknown.length
      ? {
          status: 'indeterminate',
          code: 'smb1-partly-unknown',
          message: `No SMBv1 problem among what was collected, but ${unknown.join(' and ')} is not known.`,
          evidence,
        }
      : { status: 'pass', code: 'smb1-off', message: 'SMBv1 is not installed and the server refuses it.', evidence };
    return [result];
  },
});
