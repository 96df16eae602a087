/**
 * One self-contained HTML evidence report: inline CSS, a CSP that forbids every external load, escaped text,
 * print styles. Same content as the Markdown report; the result JSON is embedded for machine reading.
 */
import type { Renderer, RenderOptions } from './index.js';
import type { ResultDocument } from '../src/engine/result.js';
import { directiveStatus, DIRECTIVES } from './directives.js';
import { clean } from './text.js';

const h = (s: unknown) => clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1b1b}h1{font-size:1.5rem}h2{margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f3f3f3}.fail,.not-met{color:#a40000;font-weight:600}.pass,.met{color:#1a6b1a}.indeterminate{color:#8a5a00}.mitigated{color:#0a5b8a}
.meta{color:#555}@media print{body{margin:0}h2{page-break-after:avoid}tr{page-break-inside:avoid}}`;

export function toHtml(doc: ResultDocument, opts: RenderOptions): string {
  const d = opts.directive ? DIRECTIVES[opts.directive] : undefined;
  const parts: string[] = [];
  parts.push(`<h1>Exchange exposure evidence${d ? `: ${h(d.title)}` : ''}</h1>`);
  parts.push(`<p class="meta">exaudit ${h(doc.tool.version)} · catalog ${h(doc.catalog.version)} (${h(doc.catalog.date)}) · run ${h(doc.command)} ${h(doc.startedAt)} – ${h(doc.finishedAt)} · ${doc.targets.length} server(s)</p>`);
  parts.push('<h2>Summary</h2><table><tr><th>status</th><th>findings</th></tr>', ...Object.entries(doc.summary.byStatus).map(([k, v]) => `<tr><td class="${h(k)}">${h(k)}</td><td>${v}</td></tr>`), '</table>');
  if (d) {
    parts.push(`<h2>Required actions</h2><p>Source: ${h(d.source)}${d.verified ? '' : ' (actions from secondary reporting: not verified)'}</p><table><tr><th>action</th><th>due</th><th>server</th><th>status</th><th>evidence</th></tr>`);
    for (const r of directiveStatus(doc, d)) parts.push(`<tr><td>${h(r.action)}</td><td>${h(r.due ?? '')}</td><td>${h(r.target)}</td><td class="${h(r.status.replace(/\s.*$/, '').replace('not', 'not-met'))}">${h(r.status)}</td><td>${h(r.evidence)}</td></tr>`);
    parts.push('</table>');
  }
  parts.push('<h2>Findings by server</h2>');
  for (const t of doc.targets) {
    const ex = t.facts?.exchange;
    parts.push(`<h3>${h(t.target)}</h3><p class="meta">${h(t.status)}${t.error ? `: ${h(t.error)}` : ''}${ex?.build ? ` · build ${h(ex.build)} (${h(ex.precision)}, ${h(ex.source)})` : ''}${t.facts?.collectedAt ? ` · collected ${h(t.facts.collectedAt)}` : ''}</p>`);
    const open = t.findings.filter((f) => f.status !== 'pass' && f.status !== 'not_applicable');
    if (!open.length) { parts.push('<p>No open findings.</p>'); continue; }
    parts.push('<table><tr><th>status</th><th>severity</th><th>check</th><th>finding</th><th>remediation</th></tr>');
    for (const f of open) parts.push(`<tr><td class="${h(f.status)}">${f.waived ? 'waived' : h(f.status)}</td><td>${h(f.severity)}</td><td>${h(f.checkId)}</td><td>${h(f.message)}</td><td>${h(f.remediation ?? '')}</td></tr>`);
    parts.push('</table>');
  }
  const json = JSON.stringify(doc).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>exaudit evidence${d ? ` ${h(d.id)}` : ''}</title><style>${CSS}</style></head>
<body>${parts.join('\n')}
<script type="application/json" id="exaudit-result">${json}</script>
</body></html>
`;
}

const html: Renderer = { format: 'html', extension: 'html', description: 'self-contained HTML evidence report (use --directive for a directive\'s actions)', render: toHtml };
export default html;
