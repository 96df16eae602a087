/**
 * SARIF 2.1.0 as GitHub code scanning accepts it: each rule once, results with a level, a location (the
 * inventory line when known, else a synthetic repo-relative path for the host) and the host as a logical
 * location, partialFingerprints from the finding fingerprint. Only open findings (fail, indeterminate, error,
 * mitigated) become results; passes and waived findings do not.
 */
import type { Renderer } from './index.js';
import type { Finding, ResultDocument, Severity, TargetResult } from '../src/engine/result.js';
import { clean } from './text.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

function ruleId(f: Finding): string {
  return f.code === 'cve-open' || f.code === 'cve-su-unknown' ? `${f.checkId}/${f.cves[0] ?? f.code}` : `${f.checkId}/${f.code}`;
}

function location(t: TargetResult) {
  const inv = t.facts?.target.inventoryFile;
  const physical = inv
    ? { artifactLocation: { uri: inv.replace(/\\/g, '/') }, region: { startLine: t.facts?.target.inventoryLine ?? 1 } }
    : { artifactLocation: { uri: `exchange/${t.target.replace(/[^A-Za-z0-9._-]/g, '_')}` }, region: { startLine: 1 } };
  return { physicalLocation: physical, logicalLocations: [{ name: t.target, kind: 'module' }] };
}

export function toSarif(doc: ResultDocument): object {
  const rules = new Map<string, object>();
  const results: object[] = [];
  for (const t of doc.targets) {
    for (const f of t.findings) {
      if (f.waived || f.status === 'pass' || f.status === 'not_applicable') continue;
      const id = ruleId(f);
      if (!rules.has(id)) {
        rules.set(id, {
          id, name: id.replace(/[^A-Za-z0-9]+(.)/g, (_m, c: string) => c.toUpperCase()),
          shortDescription: { text: clean(f.title) },
          fullDescription: { text: clean(f.cves.length ? `${f.title} (${f.cves.join(', ')})` : f.title) },
          help: { text: clean(f.remediation ?? f.message), markdown: clean(f.remediation ?? f.message) },
          ...(f.references[0] ? { helpUri: f.references[0] } : {}),
          defaultConfiguration: { level: LEVEL[f.severity] },
          properties: { tags: ['security', 'exchange', ...f.cves], precision: f.status === 'indeterminate' ? 'low' : 'high', 'security-severity': SECURITY_SEVERITY[f.severity] },
        });
      }
      results.push({
        ruleId: id, ruleIndex: [...rules.keys()].indexOf(id),
        level: f.status === 'indeterminate' ? 'note' : LEVEL[f.severity],
        message: { text: clean(`${t.target}: ${f.message}`) },
        locations: [location(t)],
        partialFingerprints: { 'exauditFinding/v1': f.fingerprint },
        properties: { status: f.status, code: f.code, target: t.target },
      });
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'exaudit', semanticVersion: doc.tool.version, informationUri: 'https://github.com/exaudit/exaudit', rules: [...rules.values()] } },
      automationDetails: { id: `exaudit/${doc.command}/` },
      invocations: [{ executionSuccessful: true, startTimeUtc: doc.startedAt, endTimeUtc: doc.finishedAt }],
      properties: { catalogVersion: doc.catalog.version },
      results,
    }],
  };
}

const sarif: Renderer = {
  format: 'sarif', extension: 'sarif', description: 'SARIF 2.1.0 for GitHub code scanning',
  render: (doc) => `${JSON.stringify(toSarif(doc), null, 2)}\n`,
};
export default sarif;
