/**
 * Markdown evidence report: scope, summary, each directive action's status per server (with --directive),
 * findings by server with evidence and sources, what remains to be done, tool and catalog versions.
 */
import type { Renderer, RenderOptions } from './index.js';
import type { ResultDocument } from '../src/engine/result.js';
import { directiveStatus, DIRECTIVES } from './directives.js';
import { clean } from './text.js';

const esc = (s: unknown) => clean(s).replace(/\|/g, '\\|').replace(/`/g, '\\`').replace(/</g, '&lt;').replace(/\n/g, ' ');

export function toMarkdown(doc: ResultDocument, opts: RenderOptions): string {
  const out: string[] = [];
  const d = opts.directive ? DIRECTIVES[opts.directive] : undefined;
  out.push(`# Exchange exposure evidence${d ? `: ${d.title}` : ''}`, '');
  out.push(`- Tool: exaudit ${doc.tool.version}; catalog ${doc.catalog.version} (${doc.catalog.date})${doc.catalog.sha256 ? `, sha256 ${doc.catalog.sha256}` : ''}`);
  out.push(`- Run: \`${doc.command}\` from ${doc.startedAt} to ${doc.finishedAt}`);
  out.push(`- Scope: ${doc.targets.length} server(s): ${doc.targets.map((t) => esc(t.target)).join(', ')}`, '');
  const s = doc.summary;
  out.push('## Summary', '', '| status | findings |', '| --- | --- |', ...Object.entries(s.byStatus).map(([k, v]) => `| ${k} | ${v} |`), '');
  if (d) {
    out.push(`## ${d.title}: required actions`, '', `Source: ${d.source}`, '', '| action | due | server | status | evidence |', '| --- | --- | --- | --- | --- |');
    for (const row of directiveStatus(doc, d)) out.push(`| ${esc(row.action)} | ${row.due ?? ''} | ${esc(row.target)} | ${row.status} | ${esc(row.evidence)} |`);
    out.push('');
  }
  out.push('## Findings by server', '');
  for (const t of doc.targets) {
    const ex = t.facts?.exchange;
    out.push(`### ${esc(t.target)}`, '', `Status: ${t.status}${t.error ? ` (${esc(t.error)})` : ''}${ex?.build ? `; build ${ex.build} (${ex.precision}, ${esc(ex.source)})` : ''}${t.facts?.collectedAt ? `; collected ${t.facts.collectedAt}` : ''}${t.factsDigest ? `; facts sha256 ${t.factsDigest}` : ''}`, '');
    const open = t.findings.filter((f) => f.status !== 'pass' && f.status !== 'not_applicable');
    if (open.length) {
      out.push('| status | severity | check | finding | evidence | remediation |', '| --- | --- | --- | --- | --- | --- |');
      for (const f of open) out.push(`| ${f.waived ? 'waived' : f.status} | ${f.severity} | ${f.checkId} | ${esc(f.message)} | ${esc(f.evidence.map((e) => `${e.fact}: ${clean(e.observed)}${e.source ? ` (${e.source})` : ''}`).join('; '))} | ${esc(f.remediation ?? '')} |`);
      out.push('');
    } else out.push('No open findings.', '');
  }
  const unverified = doc.targets.flatMap((t) => t.findings).filter((f) => /not verified/.test(f.message)).length;
  if (unverified) out.push(`Note: ${unverified} finding(s) rest on catalog facts marked unverified (see rules/).`, '');
  return `${out.join('\n')}\n`;
}

const markdown: Renderer = { format: 'markdown', extension: 'md', description: 'Markdown evidence report (use --directive for a directive\'s actions)', render: toMarkdown };
export default markdown;
