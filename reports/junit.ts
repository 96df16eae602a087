/**
 * JUnit XML for GitLab, Jenkins and Azure DevOps: a test suite per server, a test case per finding (the name
 * carries the check and code or CVE so names stay unique; the classname is the server). fail → failure,
 * error (or an unreachable server) → error, indeterminate/not_applicable → skipped with the reason.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { Renderer } from './index.js';
import type { ResultDocument } from '../src/engine/result.js';
import { clean } from './text.js';

export function toJunit(doc: ResultDocument): string {
  let tests = 0; let failures = 0; let errors = 0; let skipped = 0;
  const suites = doc.targets.map((t) => {
    const cases = t.findings.map((f) => {
      const name = `${f.checkId} ${f.cves.length === 1 ? f.cves[0] : f.code}`;
      const tc: Record<string, unknown> = { '@_classname': t.target, '@_name': name, '@_time': '0' };
      if (f.waived) tc['skipped'] = { '@_message': `waived: ${clean(f.waived.reason)}` };
      else if (f.status === 'fail') tc['failure'] = { '@_message': clean(f.message), '@_type': f.severity, '#text': clean([f.message, f.remediation && `Fix: ${f.remediation}`, ...f.evidence.map((e) => `${e.fact}: ${clean(e.observed)}`)].filter(Boolean).join('\n')) };
      else if (f.status === 'error') tc['error'] = { '@_message': clean(f.message), '#text': clean(f.message) };
      else if (f.status === 'indeterminate' || f.status === 'not_applicable') tc['skipped'] = { '@_message': clean(f.message) };
      return tc;
    });
    if (t.status === 'unreachable' || t.status === 'error') cases.push({ '@_classname': t.target, '@_name': 'collection', '@_time': '0', error: { '@_message': clean(t.error ?? t.status), '#text': clean(t.error ?? t.status) } });
    const c = {
      tests: cases.length,
      failures: cases.filter((x) => 'failure' in x).length,
      errors: cases.filter((x) => 'error' in x).length,
      skipped: cases.filter((x) => 'skipped' in x).length,
    };
    tests += c.tests; failures += c.failures; errors += c.errors; skipped += c.skipped;
    return {
      '@_name': t.target, '@_tests': c.tests, '@_failures': c.failures, '@_errors': c.errors, '@_skipped': c.skipped, '@_timestamp': doc.startedAt,
      properties: { property: [{ '@_name': 'catalog.version', '@_value': doc.catalog.version }, { '@_name': 'target.status', '@_value': t.status }] },
      testcase: cases,
    };
  });
  const builder = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true, processEntities: true });
  const xml = builder.build({ testsuites: { '@_name': `exaudit ${doc.command}`, '@_tests': tests, '@_failures': failures, '@_errors': errors, '@_skipped': skipped, testsuite: suites } });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
}

const junit: Renderer = { format: 'junit', extension: 'junit.xml', description: 'JUnit XML: a suite per server, a case per finding', render: toJunit };
export default junit;
