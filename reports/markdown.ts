/**
 * Markdown evidence report (GitHub tables): versions, scope, each directive action's status per server with
 * the facts behind it (with --directive), what remains and by when, findings by server with evidence and
 * sources, waivers, indicator hits.
 */
import type { Renderer, RenderOptions } from './index.js';
import type { ResultDocument } from '../src/contract.js';
import { buildModel, dueText, evidenceText, remainingBy, shownStatus, waiverText } from './model.js';
import { clean } from './text.js';

const esc = (s: unknown) =>
  clean(s)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '\\`')
    .replace(/</g, '&lt;')
    .replace(/\r?\n/g, ' ');
const row = (cells: unknown[]) => `| ${cells.map(esc).join(' | ')} |`;
const table = (head: string[], rows: unknown[][]) => [
  row(head),
  `| ${head.map(() => '---').join(' | ')} |`,
  ...rows.map(row),
];

export function toMarkdown(doc: ResultDocument, opts: RenderOptions): string {
  const m = buildModel(doc, opts);
  const out: string[] = [`# ${esc(m.title)}`, ''];
  out.push(...m.meta.map(([k, v]) => `- ${k}: ${esc(v)}`), '');
  for (const n of m.notes) out.push(`> **Note.** ${esc(n)}`, '');

  out.push('## Scope', '');
  if (m.directive) out.push(esc(m.directive.scope), '');
  out.push(`${m.servers.length} server(s) in this result.`, '');
  if (m.servers.length) {
    out.push(
      ...table(
        ['server', 'status', 'build', 'build source', 'collected at', 'collected by', 'facts sha256'],
        m.servers.map((s) => [
          s.target,
          s.error ? `${s.status}: ${s.error}` : s.status,
          s.build ? `${s.build} (${s.precision})` : (s.product ?? ''),
          s.source ?? '',
          s.collectedAt ?? '',
          s.collectors ?? '',
          s.digest ?? '',
        ]),
      ),
      '',
    );
  }

  out.push('## Summary', '', ...table(['finding status', 'count'], m.summary), '');

  if (m.directive) {
    const d = m.directive;
    const servers = m.servers.map((s) => s.target);
    out.push('## Required actions: status per server', '', `Source: ${d.source}`, '');
    out.push(
      ...table(
        ['action', 'due', ...servers],
        d.actions.map((a) => [
          `${a.ref}: ${a.title}`,
          dueText(a),
          ...servers.map((s) => m.rows.find((r) => r.actionId === a.id && r.target === s)?.status ?? ''),
        ]),
      ),
      '',
    );
    out.push('## Required actions: the facts behind each status', '');
    for (const a of d.actions) {
      out.push(`### ${esc(`${a.ref}: ${a.title}`)}`, '', `Requires: ${esc(a.requires)}`, '');
      if (a.due || a.dueText) out.push(`Due: ${esc(dueText(a))}`, '');
      const how = [
        ...a.evidence.map((e) => e.check),
        ...(a.eligible ? [`CU eligible for ${a.eligible.update}`] : []),
        ...(a.ioc ? ['exaudit ioc sweep'] : []),
      ];
      out.push(
        `Evidenced by: ${esc(how.length ? how.join(', ') : "the agency's attestation only")}${a.manual ? `. Attest: ${esc(a.manual)}` : ''}`,
        '',
      );
      if (a.note) out.push(`Limits: ${esc(a.note)}`, '');
      const rows = m.rows.filter((r) => r.actionId === a.id);
      if (!how.length)
        out.push(`Status on every server: ${rows.length ? 'needs attestation' : 'no servers in this result'}.`, '');
      else if (rows.length) {
        out.push(
          ...table(
            ['server', 'status', 'why', 'facts (source)', 'collected at'],
            rows.map((r) => [
              r.target,
              r.status,
              r.summary,
              r.facts
                .map(
                  (f) =>
                    `${f.fact}: ${f.observed}${f.expected ? ` (expected ${f.expected})` : ''}${f.source ? ` [${f.source}]` : ''}`,
                )
                .join('; '),
              r.collectedAt ?? '',
            ]),
          ),
          '',
        );
      }
    }
    out.push('## What remains, and by when', '');
    if (m.remaining.length) {
      out.push(
        ...table(
          ['servers', 'action', 'status', 'by', 'to do'],
          m.remaining.map((x) => [
            x.targets.join(', '),
            `${x.row.ref}: ${x.row.action}`,
            x.row.status,
            remainingBy(x),
            x.row.todo.join(' '),
          ]),
        ),
        '',
      );
    } else out.push('Nothing: every action is met or not applicable on every server.', '');
  }

  out.push('## Findings by server', '');
  for (const t of m.findings) {
    const s = m.servers.find((x) => x.target === t.target)!;
    out.push(
      `### ${esc(t.target)}`,
      '',
      `Status: ${esc(s.status)}${s.error ? ` (${esc(s.error)})` : ''}${s.build ? `; build ${esc(s.build)} (${esc(s.precision)}, ${esc(s.source)})` : ''}${s.collectedAt ? `; collected ${esc(s.collectedAt)}` : ''}`,
      '',
    );
    if (t.findings.length) {
      out.push(
        ...table(
          ['status', 'severity', 'check', 'finding', 'evidence [source]', 'remediation'],
          t.findings.map((f) => [
            f.waived ? `${shownStatus(f)}; ${waiverText(f)}` : shownStatus(f),
            f.severity,
            f.checkId,
            f.message,
            evidenceText(f),
            f.remediation ?? '',
          ]),
        ),
        '',
      );
    } else
      out.push(
        s.status === 'unreachable' || s.status === 'error'
          ? 'Not assessed: nothing is known about this server.'
          : 'No open findings.',
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

  if (m.ioc) {
    const s = m.ioc.summary;
    out.push(
      '## Indicators of compromise',
      '',
      `Swept ${s.files} files (${s.lines} lines, ${s.malformedLines} malformed): ${s.hits} hits.${s.unreadable?.length ? ` Unreadable: ${esc(s.unreadable.map((u) => `${u.file} (${u.error})`).join('; '))}.` : ''}`,
      '',
    );
    if (m.ioc.hits.length) {
      out.push(
        ...table(
          ['severity', 'indicator', 'advisory', 'file:line', 'time', 'client', 'excerpt'],
          m.ioc.hits.map((h) => [
            h.severity,
            h.indicator,
            h.advisory,
            `${h.file}:${h.line}`,
            h.timestamp ?? '',
            h.clientIp ?? '',
            h.excerpt.slice(0, 200),
          ]),
        ),
        '',
      );
      if (s.hits > m.ioc.shown) out.push(`${s.hits - m.ioc.shown} more hits are in the JSON result.`, '');
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
  description: "Markdown evidence report (use --directive for a directive's actions)",
  render: toMarkdown,
};
export default markdown;
