/**
 * One self-contained HTML evidence report, overview first: an inline SVG chart of the servers' verdicts (no
 * script: the CSP stays `default-src 'none'`), one row per server, each directive's actions with how many servers
 * are at each status and what remains by when; then each server's actions and findings in a collapsed `<details>`
 * (a missing update with its CVEs is one row). Tables wrap instead of scrolling sideways, and the print stylesheet
 * opens every `<details>` (auditors print evidence to PDF). Every value is escaped; the result JSON is embedded for
 * machine reading.
 */
import type { Renderer, RenderOptions } from './index.js';
import type { DirectiveResult, ResultDocument } from '../src/contract.js';
import {
  actionCounts,
  buildModel,
  bySeverity,
  dueText,
  itemsOf,
  remainingLine,
  rowFacts,
  serversText,
  rowsFor,
  headline,
  shownStatus,
  verdictCounts,
  waiverText,
  type ServerRow,
  type Verdict,
} from './model.js';
import { MAX_HITS } from './markdown.js';
import { clean } from './text.js';

const h = (s: unknown) =>
  clean(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
/** CSS class for a status word (finding, verdict or action status). */
const cls = (s: string) =>
  `st-${s
    .replace(/[^a-z]+/gi, '-')
    .replace(/-+$/, '')
    .toLowerCase()}`;
const table = (head: string[], rows: string[][], klass = '') =>
  `<table${klass ? ` class="${klass}"` : ''}><thead><tr>${head.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
const td = (s: unknown, klass = '') => `<td${klass ? ` class="${klass}"` : ''}>${h(s)}</td>`;
/** An id fragment from a server name (letters, digits, dot and dash). */
const anchor = (s: string) => s.replace(/[^A-Za-z0-9.-]/g, '_');

const COLOURS: Record<Verdict, string> = {
  fail: '#b00020',
  error: '#7a1f7a',
  'not assessed': '#7a1f7a',
  indeterminate: '#b36b00',
  mitigated: '#0a5b8a',
  pass: '#2e7d32',
  'not applicable': '#8a8a8a',
};

/** A horizontal bar, one segment per verdict, with a legend: drawn inline, so the CSP needs no image source. */
function verdictChart(rows: ServerRow[]): string {
  const counts = verdictCounts(rows);
  const total = rows.length || 1;
  const W = 1000;
  let x = 0;
  const bars = counts
    .map(([v, n]) => {
      const w = (n / total) * W;
      const r = `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="28" fill="${COLOURS[v]}"><title>${h(`${n} ${v}`)}</title></rect>`;
      x += w;
      return r;
    })
    .join('');
  let lx = 0;
  const legend = counts
    .map(([v, n]) => {
      const label = `${n} ${v}`;
      const g = `<rect x="${lx}" y="40" width="14" height="14" fill="${COLOURS[v]}"/><text x="${lx + 20}" y="52">${h(label)}</text>`;
      lx += 34 + label.length * 9;
      return g;
    })
    .join('');
  return `<figure class="chart"><svg role="img" aria-label="${h(counts.map(([v, n]) => `${n} ${v}`).join(', '))}" viewBox="0 0 ${W} 60" width="100%" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" font-size="15">${bars}${legend}</svg><figcaption>Servers by verdict</figcaption></figure>`;
}

const CSS = `*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem auto;padding:0 1.5rem;max-width:1600px;color:#1b1b1b;background:#fff}
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #bbb}h3{font-size:1rem;margin:1rem 0 .4rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.25rem .45rem;vertical-align:top;text-align:left;overflow-wrap:anywhere}
td.nw,th{white-space:nowrap;overflow-wrap:normal}
th{background:#eee}dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;color:#333;margin:.3rem 0}dl.meta dt{font-weight:600}dl.meta dd{margin:0;overflow-wrap:anywhere}
.note{border-left:4px solid #8a5a00;background:#fff8e6;padding:.4rem .8rem}
.st-fail,.st-not-met,.st-action-required,.st-error{color:#a40000;font-weight:600}.st-pass,.st-met{color:#1a6b1a}
.st-indeterminate,.st-not-assessed,.st-needs-attestation,.st-needs-evidence{color:#7a4f00}.st-mitigated,.st-mitigated-interim,.st-waived{color:#0a5b8a}
.st-not-applicable{color:#666}small{color:#555}
details{border:1px solid #ccc;border-radius:4px;margin:.4rem 0;padding:.2rem .6rem}details>summary{cursor:pointer;padding:.2rem 0}details[open]>summary{border-bottom:1px solid #ddd;margin-bottom:.4rem}
figure.chart{margin:.5rem 0 1rem;max-width:900px}figure.chart figcaption{font-size:.85rem;color:#555}
td.num{text-align:right;white-space:nowrap}
@page{margin:1.5cm}
@media print{body{margin:0;padding:0;max-width:none;font-size:10pt;color:#000}h2,h3{break-after:avoid}tr,.note,figure{break-inside:avoid}thead{display:table-header-group}
th{background:#eee;-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:#000}
details{border:0;padding:0}details>summary{list-style:none;font-weight:600;border-bottom:1px solid #999}details::details-content{content-visibility:visible;display:block}
td.nw{white-space:normal;overflow-wrap:anywhere}}`;

function directiveOverview(d: DirectiveResult, p: string[]): void {
  p.push(`<section id="directive-${h(d.id)}"><h2>${h(d.title)}: required actions</h2>`);
  p.push(`<p><small>Source: ${h(d.source)}. Scope: ${h(d.scope)}</small></p>`);
  for (const k of ['out of scope', 'not assessed'] as const) {
    const list = d.servers.filter((s) => s.scope === k);
    if (list.length)
      p.push(
        `<p><strong>${h(k)}:</strong> ${list.map((s) => `${h(s.target)} <small>(${h(s.reason)})</small>`).join('; ')}</p>`,
      );
  }
  p.push(
    table(
      ['id', 'action', 'due', 'servers per status'],
      d.actions.map((a) => [
        `<td class="nw"><a href="#act-${h(d.id)}-${h(a.id)}">${h(a.id)}</a></td>`,
        td(`${a.ref}: ${a.title}`),
        td(dueText(a)),
        `<td>${actionCounts(d, a.id)
          .map(([s, n]) => `<span class="${cls(s)}">${h(s)} ${n}</span>`)
          .join(' · ')}</td>`,
      ]),
      'actions',
    ),
  );
  p.push(`<h3 id="remaining-${h(d.id)}">What remains, and by when</h3>`);
  p.push(
    d.remaining.length
      ? table(
          ['action', 'status', 'by', 'servers', 'to do'],
          d.remaining.map((x) => {
            const { action, by } = remainingLine(d, x);
            return [
              td(action),
              td(x.status, `${cls(x.status)} nw`),
              td(by, x.overdue ? 'st-fail' : ''),
              td(serversText(d, x.targets)),
              td(x.todo.join(' ')),
            ];
          }),
        )
      : '<p>Nothing: every action is met or not applicable on every server.</p>',
  );
  p.push('<details><summary>What each action requires and what evidences it</summary>');
  for (const a of d.actions)
    p.push(
      `<div id="act-${h(d.id)}-${h(a.id)}"><h3>${h(`${a.ref}: ${a.title}`)}</h3><p>${h(a.requires)}${a.due || a.dueText ? ` <strong>Due:</strong> ${h(dueText(a))}.` : ''} <strong>Evidenced by:</strong> ${h(a.evidencedBy.length ? a.evidencedBy.join(', ') : "the agency's attestation only")}.${a.manual ? ` <strong>Attest:</strong> ${h(a.manual)}` : ''}${a.note ? ` <strong>Limits:</strong> ${h(a.note)}` : ''}</p></div>`,
    );
  p.push('</details></section>');
}

export function toHtml(doc: ResultDocument, opts: RenderOptions = {}): string {
  const m = buildModel(doc);
  const p: string[] = [`<h1>${h(m.title)}</h1>`];
  p.push(`<dl class="meta">${m.meta.map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`).join('')}</dl>`);
  for (const n of m.notes) p.push(`<p class="note"><strong>Note.</strong> ${h(n)}</p>`);

  const withActions = m.directives.length > 0;
  p.push(`<section id="overview"><h2>Overview</h2>`, verdictChart(m.servers));
  p.push(
    table(
      ['server', 'verdict', 'build (precision)', 'to install', 'closes', ...(withActions ? ['actions not met'] : [])],
      m.servers.map((s) => [
        `<td class="nw"><a href="#server-${h(anchor(s.target))}">${h(s.target)}</a></td>`,
        td(s.severity ? `${s.verdict} (${s.severity})` : s.verdict, `${cls(s.verdict)} nw`),
        td(`${s.build}${s.precision ? ` (${s.precision})` : ''}`),
        td(s.update.replace(/^Install /, '')),
        td(s.closes),
        ...(withActions ? [td(s.actionsNotMet ?? '-', 'num')] : []),
      ]),
      'servers',
    ),
    '</section>',
  );
  for (const d of m.directives) directiveOverview(d, p);

  p.push(
    '<section id="servers"><h2>Servers</h2><p><small>Each server\'s actions and findings; printing opens them all.</small></p>',
  );
  for (const [i, t] of doc.targets.entries()) {
    const s = m.servers[i]!;
    const items = bySeverity(itemsOf(t), opts.severities);
    p.push(
      `<details id="server-${h(anchor(t.target))}"><summary><strong>${h(t.target)}</strong> · <span class="${cls(s.verdict)}">${h(s.severity ? `${s.verdict} (${s.severity})` : s.verdict)}</span> · ${h(s.build)}${s.actionsNotMet ? ` · ${s.actionsNotMet} action(s) not met` : ''} · ${items.length} open item(s)</summary>`,
    );
    p.push(
      `<p><small>${h(s.status)}${s.error ? `: ${h(s.error)}` : ''}${s.precision ? ` · precision ${h(s.precision)} (${h(s.source)})` : ''}${s.collectedAt ? ` · collected ${h(s.collectedAt)}` : ''}${s.collectors ? ` by ${h(s.collectors)}` : ''}${s.digest ? ` · facts sha256 ${h(s.digest)}` : ''}</small></p>`,
    );
    if (s.update) p.push(`<p><strong>Fix:</strong> ${h(s.update)}: closes ${h(s.closes)}.</p>`);
    for (const d of m.directives) {
      const { rows, attest } = rowsFor(d, t.target);
      const action = new Map(d.actions.map((a) => [a.id, a]));
      if (rows.length)
        p.push(
          table(
            [`${d.id.toUpperCase()} action`, 'status', 'why', 'facts [source]'],
            rows.map((r) => [
              `<td class="nw"><a href="#act-${h(d.id)}-${h(r.actionId)}">${h(r.actionId)}</a><br><small>${h(action.get(r.actionId)?.ref ?? '')}</small></td>`,
              td(r.status, `${cls(r.status)} nw`),
              td(r.summary),
              `<td><small>${h(rowFacts(r))}</small></td>`,
            ]),
            'rows',
          ),
        );
      if (attest.length)
        p.push(
          `<p><span class="st-needs-attestation">Needs the agency's attestation:</span> ${h(attest.join('; '))}.</p>`,
        );
    }
    if (items.length)
      p.push(
        table(
          ['status', 'severity', 'finding', 'evidence [source]', 'remediation'],
          items.map((x) => [
            `<td class="${x.waived ? 'st-waived' : cls(x.status)} nw">${h(shownStatus(x))}${x.waived ? `<br><small>${h(waiverText(x))}</small>` : ''}</td>`,
            td(x.severity),
            td(headline(x)),
            `<td><small>${h(x.checkId === 'security-updates' && x.cves.length ? `CVEs: ${x.cves.join(', ')}` : x.evidenceNoBuild)}</small></td>`,
            td(
              x.remediation && s.update && x.remediation.startsWith(s.update) ? 'the fix above' : (x.remediation ?? ''),
            ),
          ]),
          'findings',
        ),
      );
    else
      p.push(
        s.verdict === 'not assessed'
          ? '<p class="st-not-assessed">Not assessed: nothing is known about this server.</p>'
          : '<p>No open findings.</p>',
      );
    p.push('</details>');
  }
  p.push('</section>');

  if (m.waivers.length) {
    p.push('<section id="waivers"><h2>Waivers</h2>');
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
      '</section>',
    );
  }
  if (doc.ioc) {
    const s = doc.ioc.summary;
    const hits = bySeverity(doc.ioc.hits, opts.severities);
    p.push('<section id="ioc"><h2>Indicators of compromise</h2>');
    p.push(
      `<p>Swept ${s.files} files (${s.lines} lines, ${s.malformedLines} malformed): ${s.hits} hits.${s.unreadable?.length ? ` Unreadable: ${h(s.unreadable.map((u) => `${u.file} (${u.error})`).join('; '))}.` : ''}</p>`,
    );
    if (doc.ioc.sweeps?.length)
      p.push(
        table(
          ['server', 'source', 'files', 'lines', 'hits', 'unreadable'],
          doc.ioc.sweeps.map((w) => [
            td(w.target ?? 'not attributed to a server'),
            td(w.source),
            td(w.files, 'num'),
            td(w.lines, 'num'),
            td(w.hits, 'num'),
            td(w.unreadable ?? 0, 'num'),
          ]),
        ),
      );
    if (hits.length) {
      p.push(`<details><summary>${hits.length} indicator hit(s)</summary>`);
      p.push(
        table(
          ['severity', 'indicator', 'server', 'file:line', 'time', 'excerpt'],
          hits
            .slice(0, MAX_HITS)
            .map((x) => [
              td(x.severity),
              td(`${x.indicator} (${x.advisory})`),
              td(x.target ?? ''),
              td(`${x.file}:${x.line}`),
              td(x.timestamp ?? ''),
              `<td><small>${h(x.excerpt.slice(0, 200))}</small></td>`,
            ]),
        ),
      );
      if (hits.length > MAX_HITS) p.push(`<p>${hits.length - MAX_HITS} more hits are in the embedded JSON result.</p>`);
      p.push('</details>');
    }
    p.push('</section>');
  }
  p.push(
    '<hr><p><small>Integrity: when written with --output DIR, manifest.json beside this report lists the SHA-256 of every file; check it with <code>exaudit verify DIR</code> and record its digest outside this folder.</small></p>',
  );
  const json = JSON.stringify(doc)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  const d0 = m.directives[0];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="exaudit ${h(doc.tool.version)}">
<title>${h(d0 ? `${d0.id.toUpperCase()} evidence` : 'exaudit evidence')}</title><style>${CSS}</style></head>
<body>${p.join('\n')}
<script type="application/json" id="exaudit-result">${json}</script>
</body></html>
`;
}

const html: Renderer = {
  format: 'html',
  extension: 'html',
  description: "self-contained HTML evidence report, overview first (with --directive, the directive's actions)",
  render: toHtml,
};
export default html;
