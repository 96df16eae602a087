/**
 * IIS configuration files as HealthChecker judges them (Invoke-AnalyzerIISInformation.ps1, "Invalid Configuration
 * File"): every applicationHost.config and web.config the collector read must be well-formed XML. A file IIS cannot
 * parse breaks the sites or applications under it, and hides what it configures (rewrite rules, Extended Protection).
 */
import { defineCheck } from '../src/contract/check.js';
import { edgeNotApplicable, notCollected, outOfScope } from './_shared.js';

export default defineCheck({
  meta: {
    id: 'web-config',
    title: 'IIS configuration files valid',
    severity: 'medium',
    requires: ['exchange'],
    references: ['https://aka.ms/HC-MissingConfig'],
  },
  evaluate(facts) {
    const scope = outOfScope(facts) ?? edgeNotApplicable(facts, 'The IIS configuration check');
    if (scope) return [scope];
    const files = facts.iis?.configFiles;
    if (!files?.length)
      return [notCollected(facts, 'iis.configFiles', 'the IIS configuration files', 'web-config-unknown')];
    const source = facts.iis?.source;
    const invalid = files.filter((f) => !f.valid);
    if (invalid.length)
      return [
        {
          status: 'fail',
          code: 'web-config-invalid',
          message: `${invalid.length} IIS configuration file(s) are not well-formed XML: ${invalid.map((f) => `${f.path}${f.error ? ` (${f.error})` : ''}`).join('; ')}.`,
          evidence: [{ fact: 'iis.configFiles', observed: invalid, expected: 'well-formed XML', source }],
          remediation:
            'Repair each file from a backup or a healthy server of the same build (https://aka.ms/HC-MissingConfig).',
        },
      ];
    return [
      {
        status: 'pass',
        code: 'web-config-valid',
        message: `The ${files.length} IIS configuration files read are well-formed.`,
        evidence: [{ fact: 'iis.configFiles', observed: files.map((f) => f.path), source }],
      },
    ];
  },
});
