/**
 * JUnit XML for GitLab, Jenkins and Azure DevOps: a test suite per server and a test case per check result
 * (the classname is the server; the name carries the check and its code or CVE, made unique within the
 * suite because GitLab keeps only the first of duplicate names). fail → failure, error (or an unreachable
 * server) → error, indeterminate / not_applicable / waived → skipped with the reason. Indicator hits get a
 * suite of their own, one failing case per hit.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { Renderer } from './index.js';
import type { Finding, ResultDocument } from '../src/contract.js';
import { clean, waiverTerms } from './text.js';
import { valueText } from '../src/util/text.js';

type Case = Record<string, unknown>;

/**
 * Text XML 1.0 can hold: clean() removes terminal sequences and C0/C1 controls; the noncharacters U+FFFE and U+FFFF
 * and unpaired surrogates are not XML characters either (a parser rejects the whole report), so they go too.
 */
const xmlText = (v: unknown) =>
  clean(v).replace(/[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');

/** Unique case names: check + CVE or code, then the title, then the fingerprint when still ambiguous. */
function caseNames(findings: Finding[]): string[] {
  const base = findings.map((f) => `${f.checkId} ${f.cves.length === 1 ? f.cves[0] : f.code}`);
  const count = (list: string[]) =>
    list.reduce<Map<string, number>>((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map());
  const c1 = count(base);
  const second = base.map((n, i) => (c1.get(n)! > 1 ? `${n} (${findings[i]!.title})` : n));
  const c2 = count(second);
  return second.map((n, i) => (c2.get(n)! > 1 ? `${n} #${findings[i]!.fingerprint.slice(0, 8)}` : n));
}

function suite(name: string, startedAt: string, properties: [string, string][], cases: Case[]) {
  return {
    '@_name': xmlText(name),
    '@_tests': cases.length,
    '@_failures': cases.filter((x) => 'failure' in x).length,
    '@_errors': cases.filter((x) => 'error' in x).length,
    '@_skipped': cases.filter((x) => 'skipped' in x).length,
    '@_time': '0',
    '@_timestamp': startedAt,
    properties: { property: properties.map(([n, v]) => ({ '@_name': xmlText(n), '@_value': xmlText(v) })) },
    testcase: cases,
  };
}

export function toJunit(doc: ResultDocument): string {
  const suites = doc.targets.map((t) => {
    const names = caseNames(t.findings);
    const cases: Case[] = t.findings.map((f, i) => {
      const tc: Case = { '@_classname': xmlText(t.target), '@_name': xmlText(names[i]), '@_time': '0' };
      const detail = xmlText(
        [
          f.message,
          f.remediation && `Fix: ${f.remediation}`,
          ...f.evidence.map(
            (e) => `${e.fact}: ${xmlText(valueText(e.observed, 'null'))}${e.source ? ` [${e.source}]` : ''}`,
          ),
        ]
          .filter(Boolean)
          .join('\n'),
      );
      if (f.waived)
        tc['skipped'] = {
          '@_message': xmlText(`waived (${f.status}): ${f.waived.reason}; ${waiverTerms(f.waived)}`),
          '#text': detail,
        };
      else if (f.status === 'fail')
        tc['failure'] = { '@_message': xmlText(f.message), '@_type': f.severity, '#text': detail };
      else if (f.status === 'error')
        tc['error'] = { '@_message': xmlText(f.message), '@_type': 'check-error', '#text': detail };
      else if (f.status === 'indeterminate' || f.status === 'not_applicable')
        tc['skipped'] = { '@_message': xmlText(`${f.status}: ${f.message}`), '#text': detail };
      else if (f.status === 'mitigated') tc['system-out'] = xmlText(`mitigated (interim): ${detail}`);
      return tc;
    });
    if (t.status === 'unreachable' || t.status === 'error')
      cases.push({
        '@_classname': xmlText(t.target),
        '@_name': 'collection',
        '@_time': '0',
        error: { '@_message': xmlText(t.error ?? t.status), '@_type': t.status, '#text': xmlText(t.error ?? t.status) },
      });
    return suite(
      t.target,
      doc.startedAt,
      [
        ['catalog.version', doc.catalog.version],
        ['target.status', t.status],
        ...(t.facts?.exchange?.build ? [['exchange.build', t.facts.exchange.build] as [string, string]] : []),
      ],
      cases,
    );
  });
  if (doc.ioc) {
    const seen = new Map<string, number>();
    const cases: Case[] = doc.ioc.hits.map((h) => {
      let name = `${h.indicator} ${h.file}:${h.line}`;
      const n = (seen.get(name) ?? 0) + 1;
      seen.set(name, n);
      if (n > 1) name = `${name} #${n}`;
      return {
        '@_classname': 'ioc',
        '@_name': xmlText(name),
        '@_time': '0',
        failure: {
          '@_message': xmlText(`${h.advisory}: ${h.indicator}`),
          '@_type': h.severity,
          '#text': xmlText(
            `${h.file}:${h.line}${h.timestamp ? ` at ${h.timestamp}` : ''}${h.clientIp ? ` from ${h.clientIp}` : ''}\n${h.excerpt}`,
          ),
        },
      };
    });
    const s = doc.ioc.summary;
    // A sweep with no hits is one passing case, so the suite shows that it ran.
    if (!cases.length)
      cases.push({
        '@_classname': 'ioc',
        '@_name': 'no indicator found',
        '@_time': '0',
        'system-out': `${s.files} files, ${s.lines} lines swept`,
      });
    suites.push(
      suite(
        'ioc',
        doc.startedAt,
        [
          ['catalog.version', doc.catalog.version],
          ['ioc.files', String(s.files)],
          ['ioc.lines', String(s.lines)],
        ],
        cases,
      ),
    );
  }
  const total = (k: '@_tests' | '@_failures' | '@_errors' | '@_skipped') => suites.reduce((n, x) => n + x[k], 0);
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    format: true,
    suppressEmptyNode: true,
    processEntities: true,
  });
  const xml = builder.build({
    testsuites: {
      '@_name': `exaudit ${doc.command}`,
      '@_tests': total('@_tests'),
      '@_failures': total('@_failures'),
      '@_errors': total('@_errors'),
      '@_skipped': total('@_skipped'),
      '@_time': '0',
      testsuite: suites,
    },
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
}

const junit: Renderer = {
  format: 'junit',
  extension: 'junit.xml',
  description: 'JUnit XML: a suite per server, a case per check result',
  render: toJunit,
};
export default junit;
