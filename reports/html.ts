/**
 * One self-contained HTML evidence report: inline CSS, a CSP that forbids every external load, escaped text,
 * print styles (A4/Letter, tables that wrap and do not split rows). Same content as the Markdown report; the
 * result JSON is embedded for machine reading.
 */
import type { Renderer, RenderOptions } from './index.js';
import type { ResultDocument } from '../src/contract.js';
import { buildModel, dueText, evidenceText, remainingBy, shownStatus, waiverText } from './model.js';
import { clean } from './text.js';

const h = (s: unknown) =>
  clean(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
/** CSS class for a status word (finding or action status). */
const cls = (s: string) =>
  `st-${s
    .replace(/[^a-z]+/gi, '-')
    .replace(/-+$/, '')
    .toLowerCase()}`;
const table = (head: string[], rows: string[][], klass = '') =>
  `<table${klass ? ` class="${klass}"` : ''}><thead><tr>${head.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
const td = (s: unknown, klass = '') => `<td${klass ? ` class="${klass}"` : ''}>${h(s)}</td>`;

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1b1b;background:#fff}
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #bbb}h3{font-size:1rem;margin-top:1.4rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.3rem .5rem;vertical-align:top;text-align:left;overflow-wrap:break-word}
td small{overflow-wrap:anywhere}
th{background:#eee}dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;color:#333}dl.meta dt{font-weight:600}dl.meta dd{margin:0;overflow-wrap:anywhere}
.note{border-left:4px solid #8a5a00;background:#fff8e6;padding:.4rem .8rem}
.st-fail,.st-not-met,.st-action-required,.st-error{color:#a40000;font-weight:600}.st-pass,.st-met{color:#1a6b1a}
.st-indeterminate,.st-not-assessed,.st-needs-attestation{color:#7a4f00}.st-mitigated,.st-mitigated-interim,.st-waived{color:#0a5b8a}
small{color:#555}td[class^="st-"]{white-space:nowrap}
@page{margin:1.5cm}
@media print{body{margin:0;font-size:10.5pt;color:#000}h2,h3{break-after:avoid}tr,.note{break-inside:avoid}thead{display:table-header-group}
th{background:#eee;-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:#000}}`;

export function toHtml(doc: ResultDocument, opts: RenderOptions): string {
  const m = buildModel(doc, opts);
  const p: string[] = [`<h1>${h(m.title)}</h1>`];
  let inSection = false;
  const sec = (id: string, title: string) => {
    p.push(`${inSection ? '</section>' : ''}<section id="${id}"><h2>${h(title)}</h2>`);
    inSection = true;
  };
  p.push(`<dl class="meta">${m.meta.map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`).join('')}</dl>`);
  for (const n of m.notes) p.push(`<p class="note"><strong>Note.</strong> ${h(n)}</p>`);

  sec('scope', 'Scope');
  if (m.directive) p.push(`<p>${h(m.directive.scope)}</p>`);
  p.push(`<p>${m.servers.length} server(s) in this result.</p>`);
  if (m.servers.length) {
    p.push(
      table(
        ['server', 'status', 'build', 'build source', 'collected at', 'collected by', 'facts sha256'],
        m.servers.map((s) => [
          td(s.target),
          td(s.error ? `${s.status}: ${s.error}` : s.status, cls(s.status)),
          td(s.build ? `${s.build} (${s.precision})` : (s.product ?? '')),
          td(s.source ?? ''),
          td(s.collectedAt ?? ''),
          td(s.collectors ?? ''),
          `<td><small>${h(s.digest ?? '')}</small></td>`,
        ]),
      ),
    );
  }
  sec('summary', 'Summary');
  p.push(
    table(
      ['finding status', 'count'],
      m.summary.map(([k, v]) => [td(k, cls(k)), td(v)]),
    ),
  );

  if (m.directive) {
    const d = m.directive;
    const servers = m.servers.map((s) => s.target);
    sec('actions', 'Required actions: status per server');
    p.push(`<p>Source: ${h(d.source)}</p>`);
    p.push(
      table(
        ['action', 'due', ...servers],
        d.actions.map((a) => [
          td(`${a.ref}: ${a.title}`),
          td(dueText(a)),
          ...servers.map((s) => {
            const st = m.rows.find((r) => r.actionId === a.id && r.target === s)?.status ?? '';
            return td(st, cls(st));
          }),
        ]),
        'matrix',
      ),
    );
    sec('action-facts', 'Required actions: the facts behind each status');
    for (const a of d.actions) {
      const how = [
        ...a.evidence.map((e) => e.check),
        ...(a.eligible ? [`CU eligible for ${a.eligible.update}`] : []),
        ...(a.ioc ? ['exaudit ioc sweep'] : []),
      ];
      p.push(
        `<div class="action" id="action-${h(a.id)}"><h3>${h(`${a.ref}: ${a.title}`)}</h3><p><strong>Requires:</strong> ${h(a.requires)}</p>`,
      );
      if (a.due || a.dueText) p.push(`<p><strong>Due:</strong> ${h(dueText(a))}</p>`);
      p.push(
        `<p><strong>Evidenced by:</strong> ${h(how.length ? how.join(', ') : "the agency's attestation only")}${a.manual ? `. <strong>Attest:</strong> ${h(a.manual)}` : ''}</p>`,
      );
      if (a.note) p.push(`<p><strong>Limits:</strong> ${h(a.note)}</p>`);
      const rows = m.rows.filter((r) => r.actionId === a.id);
      if (!how.length)
        p.push(
          `<p><strong>Status on every server:</strong> <span class="st-needs-attestation">${rows.length ? 'needs attestation' : 'no servers in this result'}</span></p>`,
        );
      else if (rows.length) {
        p.push(
          table(
            ['server', 'status', 'why', 'facts [source]', 'collected at'],
            rows.map((r) => [
              td(r.target),
              td(r.status, cls(r.status)),
              td(r.summary),
              `<td>${r.facts.map((f) => `${h(f.fact)}: ${h(f.observed)}${f.expected ? ` (expected ${h(f.expected)})` : ''}${f.source ? ` <small>[${h(f.source)}]</small>` : ''}`).join('<br>')}</td>`,
              td(r.collectedAt ?? ''),
            ]),
          ),
        );
      }
      p.push('</div>');
    }
    sec('remaining', 'What remains, and by when');
    p.push(
      m.remaining.length
        ? table(
            ['servers', 'action', 'status', 'by', 'to do'],
            m.remaining.map((x) => [
              td(x.targets.join(', ')),
              td(`${x.row.ref}: ${x.row.action}`),
              td(x.row.status, cls(x.row.status)),
              td(remainingBy(x), x.overdue ? 'st-fail' : ''),
              td(x.row.todo.join(' ')),
            ]),
          )
        : '<p>Nothing: every action is met or not applicable on every server.</p>',
    );
  }

  sec('findings', 'Findings by server');
  for (const t of m.findings) {
    const s = m.servers.find((x) => x.target === t.target)!;
    p.push(
      `<h3>${h(t.target)}</h3><p><small>${h(s.status)}${s.error ? `: ${h(s.error)}` : ''}${s.build ? ` · build ${h(s.build)} (${h(s.precision)}, ${h(s.source)})` : ''}${s.collectedAt ? ` · collected ${h(s.collectedAt)}` : ''}</small></p>`,
    );
    if (!t.findings.length) {
      p.push(
        s.status === 'unreachable' || s.status === 'error'
          ? '<p class="st-not-assessed">Not assessed: nothing is known about this server.</p>'
          : '<p>No open findings.</p>',
      );
      continue;
    }
    p.push(
      table(
        ['status', 'severity', 'check', 'finding', 'evidence [source]', 'remediation'],
        t.findings.map((f) => [
          `<td class="${f.waived ? 'st-waived' : cls(f.status)}">${h(shownStatus(f))}${f.waived ? `<br><small>${h(waiverText(f))}</small>` : ''}</td>`,
          td(f.severity),
          td(f.checkId),
          td(f.message),
          `<td><small>${h(evidenceText(f))}</small></td>`,
          td(f.remediation ?? ''),
        ]),
      ),
    );
  }

  if (m.waivers.length) {
    sec('waivers', 'Waivers');
    p.push(
      table(
        ['state', 'matches', 'reason', 'owner', 'expires'],
        m.waivers.map((w) => [
          td(w.state, w.state === 'expired' ? 'st-fail' : ''),
          td(w.fingerprint ? `fingerprint ${w.fingerprint}` : `${w.check ?? ''} on ${w.target ?? 'every server'}`),
          td(w.reason),
          td(w.owner ?? ''),
          td(w.expires ?? 'no expiry'),
        ]),
      ),
    );
  }
  if (m.ioc) {
    const s = m.ioc.summary;
    sec('ioc', 'Indicators of compromise');
    p.push(
      `<p>Swept ${s.files} files (${s.lines} lines, ${s.malformedLines} malformed): ${s.hits} hits.${s.unreadable?.length ? ` Unreadable: ${h(s.unreadable.map((u) => `${u.file} (${u.error})`).join('; '))}.` : ''}</p>`,
    );
    if (m.ioc.hits.length) {
      p.push(
        table(
          ['severity', 'indicator', 'advisory', 'file:line', 'time', 'client', 'excerpt'],
          m.ioc.hits.map((x) => [
            td(x.severity),
            td(x.indicator),
            td(x.advisory),
            td(`${x.file}:${x.line}`),
            td(x.timestamp ?? ''),
            td(x.clientIp ?? ''),
            `<td><small>${h(x.excerpt.slice(0, 200))}</small></td>`,
          ]),
        ),
      );
      if (s.hits > m.ioc.shown) p.push(`<p>${s.hits - m.ioc.shown} more hits are in the embedded JSON result.</p>`);
    }
  }
  if (inSection) p.push('</section>');
  p.push(
    '<hr><p><small>Integrity: when written with --output DIR, manifest.json beside this report lists the SHA-256 of every file; check it with <code>exaudit verify DIR</code> and record its digest outside this folder.</small></p>',
  );
  const json = JSON.stringify(doc)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="exaudit ${h(doc.tool.version)}">
<title>${h(m.directive ? `${m.directive.id.toUpperCase()} evidence` : 'exaudit evidence')}</title><style>${CSS}</style></head>
<body>${p.join('\n')}
<script type="application/json" id="exaudit-result">${json}</script>
</body></html>
`;
}

const html: Renderer = {
  format: 'html',
  extension: 'html',
  description: "self-contained HTML evidence report (use --directive for a directive's actions)",
  render: toHtml,
};
export default html;
