/**
 * Markdown evidence report (GitHub tables), summary first: one row per server, each directive's actions with how
 * many servers are at each status and what remains by when, then per server its actions (status, why, the facts
 * and their sources) and its findings (a missing update with its CVEs is one row), waivers and indicator hits.
 * Tables keep to the columns that matter. Every value is escaped: table pipes, line breaks (CR too), HTML, and
 * link and image syntax, so text from a server cannot add a link, an image or a row.
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
} from './model.js';
import { clean } from './text.js';

/** Escapes Markdown that could change the document's structure: tables, line breaks, HTML, links, images, code. */
export const esc = (s: unknown) =>
  clean(s)
    .replace(/\\/g, '\\\\')
    .replace(/([|`*_[\]<>!~])/g, '\\$1')
    .replace(/\r\n?|\n/g, ' ')
    .replace(/\t/g, ' ');
const row = (cells: unknown[]) => `| ${cells.map(esc).join(' | ')} |`;
const table = (head: string[], rows: unknown[][]) => [
  row(head),
  `| ${head.map(() => '---').join(' | ')} |`,
  ...rows.map(row),
];
/** Longest text in a cell of the per-server tables: the whole text is in the HTML report and the JSON result. */
const CELL = 320;
const cap = (s: string) => (s.length > CELL ? `${s.slice(0, CELL - 1)}… (in full in the HTML and JSON)` : s);

/** Most indicator hits listed in a report; the full list stays in the JSON result. */
export const MAX_HITS = 200;

const verdictOf = (s: ServerRow) => (s.severity ? `${s.verdict} (${s.severity})` : s.verdict);

function directiveSummary(d: DirectiveResult, out: string[]): void {
  out.push(`## ${esc(d.title)}: required actions`, '', `Source: ${esc(d.source)}`, '', `Scope: ${esc(d.scope)}`, '');
  const scope = ['out of scope', 'not assessed'].flatMap((k) => {
    const list = d.servers.filter((s) => s.scope === k);
    return list.length ? [`- ${k}: ${list.map((s) => `${esc(s.target)} (${esc(s.reason)})`).join('; ')}`] : [];
  });
  if (scope.length) out.push(...scope, '');
  out.push(
    ...table(
      ['id', 'action', 'due', 'servers per status'],
      d.actions.map((a) => [
        a.id,
        `${a.ref}: ${a.title}`,
        dueText(a),
        actionCounts(d, a.id)
          .map(([s, n]) => `${s} ${n}`)
          .join(' · '),
      ]),
    ),
    '',
  );
  out.push(`### What remains, and by when`, '');
  if (d.remaining.length)
    out.push(
      ...table(
        ['action', 'status', 'by', 'servers', 'to do'],
        d.remaining.map((x) => {
          const { action, by } = remainingLine(d, x);
          return [action, x.status, by, serversText(d, x.targets), x.todo.join(' ')];
        }),
      ),
      '',
    );
  else out.push('Nothing: every action is met or not applicable on every server.', '');
}

export function toMarkdown(doc: ResultDocument, opts: RenderOptions = {}): string {
  const m = buildModel(doc);
  const out: string[] = [`# ${esc(m.title)}`, ''];
  out.push(...m.meta.map(([k, v]) => `- ${esc(k)}: ${esc(v)}`), '');
  for (const n of m.notes) out.push(`> **Note.** ${esc(n)}`, '');

  out.push('## Overview', '');
  out.push(
    `${m.servers.length} server(s): ${verdictCounts(m.servers)
      .map(([v, n]) => `${n} ${v}`)
      .join(', ')}.`,
    '',
  );
  const withActions = m.directives.length > 0;
  if (m.servers.length)
    out.push(
      ...table(
        ['server', 'verdict', 'build (precision)', 'to install', 'closes', ...(withActions ? ['actions not met'] : [])],
        m.servers.map((s) => [
          s.target,
          verdictOf(s),
          `${s.build}${s.precision ? ` (${s.precision})` : ''}`,
          s.update.replace(/^Install /, ''),
          s.closes,
          ...(withActions ? [s.actionsNotMet ?? '-'] : []),
        ]),
      ),
      '',
    );
  for (const d of m.directives) directiveSummary(d, out);

  out.push('## Servers', '');
  for (const [i, t] of doc.targets.entries()) {
    const s = m.servers[i]!;
    out.push(`### ${esc(t.target)}`, '');
    out.push(
      `${esc(verdictOf(s))}; ${esc(s.build)}${s.precision ? ` (${esc(s.precision)}, ${esc(s.source)})` : ''}${s.error ? `; ${esc(s.error)}` : ''}${s.collectedAt ? `; collected ${esc(s.collectedAt)}` : ''}${s.collectors ? ` by ${esc(s.collectors)}` : ''}${s.digest ? `; facts sha256 ${esc(s.digest)}` : ''}`,
      '',
    );
    if (s.update) out.push(`Fix: ${esc(s.update)}: closes ${esc(s.closes)}.`, '');
    for (const d of m.directives) {
      // Narrow: the actions still open, with why and the facts; met ones named (their facts are in HTML and JSON).
      const scope = d.servers.find((x) => x.target === t.target);
      if (scope && scope.scope !== 'in scope') {
        out.push(
          `${esc(d.id)}: ${scope.scope === 'out of scope' ? 'not applicable' : 'not assessed'} for every action (${esc(scope.reason)}).`,
          '',
        );
        continue;
      }
      const { rows, attest, met } = rowsFor(d, t.target);
      const open = rows.filter((r) => !met.includes(r));
      if (open.length)
        out.push(
          ...table(
            [`${d.id} action`, 'status', 'why', 'facts [source]'],
            open.map((r) => [r.actionId, r.status, cap(r.summary), cap(rowFacts(r))]),
          ),
          '',
        );
      for (const [label, list] of [
        ['Met', met.filter((r) => r.status === 'met').map((r) => r.actionId)],
        ['Not applicable', met.filter((r) => r.status === 'not applicable').map((r) => r.actionId)],
        ["Needs the agency's attestation", attest],
      ] as const)
        if (list.length) out.push(`${label}: ${esc(list.join(', '))}.`, '');
    }
    const all = bySeverity(itemsOf(t), opts.severities);
    // Narrow: what is wrong in full; what could not be judged by name (why, in HTML and JSON).
    const unknown = all.filter((x) => x.status === 'indeterminate' && !x.waived);
    const items = all.filter((x) => !unknown.includes(x));
    if (unknown.length)
      out.push(
        `Not judged (indeterminate, ${unknown.length}): ${esc(unknown.map((x) => (/^CVE-\d+-\d+:/.test(x.title) ? x.title.split(':')[0] : x.title)).join('; '))}.`,
        '',
      );
    if (items.length)
      out.push(
        ...table(
          ['status', 'severity', 'finding', 'remediation'],
          items.map((x) => [
            x.waived ? `${shownStatus(x)}; ${waiverText(x)}` : shownStatus(x),
            x.severity,
            `${cap(headline(x))}${x.checkId === 'security-updates' && x.cves.length ? ` CVEs: ${x.cves.join(', ')}.` : ''}`,
            x.remediation && s.update && x.remediation.startsWith(s.update) ? 'the fix above' : (x.remediation ?? ''),
          ]),
        ),
        '',
      );
    else if (!unknown.length)
      out.push(
        s.verdict === 'not assessed' ? 'Not assessed: nothing is known about this server.' : 'No open findings.',
        '',
      );
  }

  if (m.waivers.length) {
    out.push(
      '## Waivers',
      '',
      ...table(
        ['state', 'matches', 'reason', 'owner', 'expires'],
        m.waivers.map((w) => [
          w.state,
          w.fingerprint ? `fingerprint ${w.fingerprint}` : `${w.check ?? ''} on ${w.target ?? 'every server'}`,
          w.reason,
          w.owner ?? '',
          w.expires ?? 'no expiry',
        ]),
      ),
      '',
    );
  }

  if (doc.ioc) {
    const s = doc.ioc.summary;
    const hits = bySeverity(doc.ioc.hits, opts.severities);
    out.push(
      '## Indicators of compromise',
      '',
      `Swept ${s.files} files (${s.lines} lines, ${s.malformedLines} malformed): ${s.hits} hits.${s.unreadable?.length ? ` Unreadable: ${esc(s.unreadable.map((u) => `${u.file} (${u.error})`).join('; '))}.` : ''}`,
      '',
    );
    if (doc.ioc.sweeps?.length)
      out.push(
        ...table(
          ['server', 'source', 'files', 'lines', 'hits', 'unreadable'],
          doc.ioc.sweeps.map((w) => [
            w.target ?? 'not attributed',
            w.source,
            w.files,
            w.lines,
            w.hits,
            w.unreadable ?? 0,
          ]),
        ),
        '',
      );
    if (hits.length) {
      out.push(
        ...table(
          ['severity', 'indicator', 'server', 'file:line', 'time', 'excerpt'],
          hits
            .slice(0, MAX_HITS)
            .map((h) => [
              h.severity,
              `${h.indicator} (${h.advisory})`,
              h.target ?? '',
              `${h.file}:${h.line}`,
              h.timestamp ?? '',
              h.excerpt.slice(0, 120),
            ]),
        ),
        '',
      );
      if (hits.length > MAX_HITS) out.push(`${hits.length - MAX_HITS} more hits are in the JSON result.`, '');
    }
  }
  out.push(
    '---',
    '',
    'Integrity: when written with `--output DIR`, `manifest.json` beside this report lists the SHA-256 of every file; check it with `exaudit verify DIR` and record its digest outside this folder.',
    '',
  );
  return `${out.join('\n')}\n`;
}

const markdown: Renderer = {
  format: 'markdown',
  extension: 'md',
  description: "Markdown evidence report, summary first (with --directive, the directive's actions)",
  render: toMarkdown,
};
export default markdown;
