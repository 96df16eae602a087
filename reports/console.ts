/**
 * Terminal view, summary first: one row per server (worst first: verdict, build and precision, the one update that
 * brings it current and what it closes, directive actions not met), then each server's worst findings (a missing
 * update with its CVEs is one line), the sweep and the fleet's counts. `details` prints every finding with its
 * evidence. Every server-supplied value is stripped of terminal control sequences. Colour only when asked (the CLI
 * asks when stdout is a TTY).
 */
import { createColors } from 'picocolors';
import type { Renderer, RenderOptions } from './index.js';
import { catalogAgeText } from './text.js';
import { hitServer, SEVERITY_ORDER, type ResultDocument } from '../src/contract.js';
import { oneLine } from '../src/util/text.js';
import {
  bySeverity,
  headline,
  itemsOf,
  serverRow,
  VERDICTS,
  actionCounts,
  type Item,
  type ServerRow,
  type Verdict,
} from './model.js';

/** Findings shown per server without --details. */
export const WORST_PER_SERVER = 3;
/** Indicator hits listed without --details. */
const HITS_SHOWN = 10;
/** Unreadable sweep inputs listed without --details. */
const UNREADABLE_SHOWN = 20;

type Colors = ReturnType<typeof createColors>;

function paintVerdict(c: Colors, v: Verdict | Item['status']): (s: string) => string {
  switch (v) {
    case 'fail':
      return c.red;
    case 'error':
    case 'not assessed':
      return c.magenta;
    case 'indeterminate':
      return c.yellow;
    case 'mitigated':
      return c.cyan;
    case 'pass':
      return c.green;
    default:
      return c.dim;
  }
}

/** Pads to a width measured without colour codes. */
const pad = (s: string, plain: string, width: number) => s + ' '.repeat(Math.max(0, width - plain.length));

function serverTable(rows: ServerRow[], c: Colors, withActions: boolean): string[] {
  const head = [
    'server',
    'verdict',
    'build (precision)',
    'to install',
    'closes',
    ...(withActions ? ['actions not met'] : []),
  ];
  const cells = rows.map((r) => [
    oneLine(r.target),
    r.severity ? `${r.verdict} (${r.severity})` : r.verdict,
    oneLine(`${r.build.replace(/^Exchange (?=\d|SE )/, '')}${r.precision ? ` (${r.precision})` : ''}`),
    oneLine(r.install),
    r.closes,
    ...(withActions ? [r.actionsNotMet === undefined ? '-' : String(r.actionsNotMet)] : []),
  ]);
  const widths = head.map((h, i) => Math.min(44, Math.max(h.length, ...cells.map((x) => x[i]!.length))));
  const fit = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s);
  const line = (xs: string[], paint?: (i: number, s: string) => string) =>
    xs
      .map((x, i) => {
        const t = fit(x, widths[i]!);
        const shown = paint ? paint(i, t) : t;
        return i === xs.length - 1 ? shown : pad(shown, t, widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [
    c.dim(line(head)),
    ...cells.map((x, n) =>
      line(x, (i, t) => (i === 0 ? c.bold(t) : i === 1 ? paintVerdict(c, rows[n]!.verdict)(t) : t)),
    ),
  ];
}

function itemLines(i: Item, c: Colors, details: boolean, serverFix: string): string[] {
  const tag = i.waived ? c.dim('WAIVED') : paintVerdict(c, i.status)(i.status.toUpperCase());
  const sev = i.status === 'fail' || i.waived ? ` ${i.severity}` : '';
  const out = [`  ${tag}${sev}  ${oneLine(headline(i))}`];
  if (i.checkId === 'security-updates' && i.cves.length) out.push(c.dim(`      CVEs: ${i.cves.join(', ')}`));
  if (details && i.evidence) out.push(c.dim(`      evidence: ${oneLine(i.evidence)}`));
  if (i.waived) out.push(c.dim(`      waived: ${oneLine(i.waived.reason)}`));
  else if (
    i.remediation &&
    i.status !== 'indeterminate' &&
    (details || !serverFix || !i.remediation.startsWith(serverFix))
  )
    out.push(c.dim(`      fix: ${oneLine(i.remediation)}`));
  return out;
}

export function renderConsole(doc: ResultDocument, opts: RenderOptions = {}): string {
  const c = createColors(opts.color ?? false);
  const details = !!opts.details;
  const directive = doc.directives?.[0];
  const stale = doc.catalog.stale ? c.yellow : c.dim;
  const out: string[] = [stale(`exaudit ${doc.command} · catalog ${catalogAgeText(doc.catalog)}`), ''];
  const rows = doc.targets.map((t) => ({ t, row: serverRow(t, directive) }));
  // Worst first: verdict, then severity, then how many KEV and other CVEs the missing update leaves open.
  const rank = (r: ServerRow) =>
    VERDICTS.indexOf(r.verdict) * 10 + (r.severity ? SEVERITY_ORDER.indexOf(r.severity) : 9);
  const open = (t: ResultDocument['targets'][number]) => [t.update?.kev.length ?? 0, t.update?.closes.length ?? 0];
  rows.sort((a, b) => {
    const [ka, ca] = open(a.t);
    const [kb, cb] = open(b.t);
    return rank(a.row) - rank(b.row) || kb! - ka! || cb! - ca! || a.row.target.localeCompare(b.row.target);
  });
  if (rows.length)
    out.push(
      ...serverTable(
        rows.map((x) => x.row),
        c,
        !!directive,
      ),
      '',
    );

  let hidden = 0;
  const shown: string[] = [];
  for (const { t, row } of rows) {
    if (row.verdict === 'not assessed') {
      shown.push(`${c.bold(oneLine(t.target))}  ${c.magenta(t.status.toUpperCase())}: ${oneLine(t.error ?? '')}`);
      continue;
    }
    const items = bySeverity(itemsOf(t), opts.severities);
    if (!items.length && !details) continue;
    const take = details ? items : items.slice(0, WORST_PER_SERVER);
    hidden += items.length - take.length;
    shown.push(
      `${c.bold(oneLine(t.target))}  ${c.dim(oneLine(`${row.build}${row.precision ? ` (${row.precision}, ${row.source ?? ''})` : ''}`))}${t.status === 'partial' ? c.yellow('  [partial facts]') : ''}`,
    );
    if (row.update) shown.push(c.dim(`  fix: ${oneLine(row.update)}: closes ${row.closes}`));
    for (const i of take) shown.push(...itemLines(i, c, details, row.update));
    if (details) {
      const passed = t.findings.filter((f) => f.status === 'pass').length;
      const na = t.findings.filter((f) => f.status === 'not_applicable').length;
      shown.push(c.dim(`  ${passed} passed, ${na} not applicable`));
    } else if (items.length > take.length) shown.push(c.dim(`  … ${items.length - take.length} more (--details)`));
    shown.push('');
  }
  if (shown.length) {
    out.push(c.bold(details ? 'Findings' : 'Worst findings'), '', ...shown);
    if (shown.at(-1) !== '') out.push('');
  }
  if (opts.severities?.length) out.push(c.dim(`Showing ${opts.severities.join(', ')} findings only (--severity).`), '');

  if (doc.ioc) {
    const s = doc.ioc.summary;
    const servers = doc.targets.map((t) => t.target);
    const hits = bySeverity(doc.ioc.hits, opts.severities);
    out.push(
      `${c.bold('Compromise sweep')}  ${s.files} files, ${s.lines} lines, ${s.malformedLines} malformed, ${s.hits} hits${s.unreadable?.length ? `, ${s.unreadable.length} unreadable` : ''}`,
    );
    // One row per sweep: which server's files were read, from where, and what was found or left unread.
    const sweeps = doc.ioc.sweeps ?? [];
    if (sweeps.length) {
      const name = (w: (typeof sweeps)[number]) => oneLine(w.target ?? '(unattributed)');
      const width = Math.max(6, ...sweeps.map((w) => name(w).length));
      out.push(
        c.dim(`  ${'server'.padEnd(width)}  source  ${'files'.padStart(7)}  ${'lines'.padStart(9)}  hits  unreadable`),
      );
      for (const w of sweeps)
        out.push(
          `  ${name(w).padEnd(width)}  ${w.source.padEnd(6)}  ${String(w.files).padStart(7)}  ${String(w.lines).padStart(9)}  ${(w.hits ? c.red : String)(String(w.hits).padStart(4))}  ${String(w.unreadable ?? 0).padStart(10)}`,
        );
    }
    const list = details ? hits : hits.slice(0, HITS_SHOWN);
    for (const h of list) {
      const host = hitServer(h, servers);
      out.push(
        `  ${c.red(h.severity.toUpperCase())}  ${oneLine(h.indicator)} (${oneLine(h.advisory)})  ${oneLine(h.line ? `${h.file}:${h.line}` : h.file)}${host && !h.file.startsWith(`${host}:`) ? `  on ${oneLine(host)}` : ''}${h.clientIp ? `  from ${oneLine(h.clientIp)}` : ''}`,
      );
    }
    if (hits.length > list.length)
      out.push(c.dim(`  … ${hits.length - list.length} more hits (--details, or the JSON output)`));
    // What could not be read is said with its reason: a clean sweep must mean the input was read.
    const unreadable = s.unreadable ?? [];
    const listed = details ? unreadable : unreadable.slice(0, UNREADABLE_SHOWN);
    for (const u of listed) out.push(c.yellow(`  UNREADABLE  ${oneLine(u.file)}: ${oneLine(u.error)}`));
    if (unreadable.length > listed.length)
      out.push(
        c.dim(`  … ${unreadable.length - listed.length} more unreadable inputs (--details, or the JSON output)`),
      );
    out.push('');
  }
  if (directive) {
    out.push(c.bold(`${directive.title}: servers per status, for each required action`));
    const width = Math.max(...directive.actions.map((a) => a.id.length));
    for (const a of directive.actions) {
      const counts = actionCounts(directive, a.id)
        .map(([s, n]) => `${s} ${n}`)
        .join(' · ');
      out.push(`  ${a.id.padEnd(width)}  ${counts}`);
    }
    out.push('');
  }
  if (hidden) out.push(c.dim(`${hidden} more finding(s) not shown: --details prints them all.`));
  // A sweep ends with its own totals; other commands (and merged results) with the fleet's.
  out.push(doc.command === 'ioc' && doc.ioc ? sweepLine(doc, doc.ioc, c) : summaryLine(doc, c));
  return `${out.join('\n')}\n`;
}

/** The sweep's own totals: what was read, from how many servers, what was found by severity, what was not read. */
function sweepLine(doc: ResultDocument, ioc: NonNullable<ResultDocument['ioc']>, c: Colors): string {
  const s = ioc.summary;
  const bySev = SEVERITY_ORDER.map((k) => [k, ioc.hits.filter((h) => h.severity === k).length] as const)
    .filter(([, n]) => n)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const servers = new Set([
    ...(ioc.sweeps ?? []).flatMap((w) => (w.target ? [w.target] : [])),
    ...doc.targets.map((t) => t.target),
  ]);
  const unswept = doc.targets.filter((t) => t.status === 'unreachable' || t.status === 'error').length;
  const mib = (s.bytes / 1024 / 1024).toFixed(1);
  return (
    [
      `Sweep: ${s.files} file${s.files === 1 ? '' : 's'} (${mib} MiB), ${s.lines} lines${servers.size ? ` from ${servers.size} server${servers.size === 1 ? '' : 's'}${unswept ? ` (${unswept} not swept)` : ''}` : ''}:`,
      (s.hits ? c.red : c.green)(`${s.hits} hit${s.hits === 1 ? '' : 's'}${bySev ? ` (${bySev})` : ''}`),
      ...(s.unreadable?.length ? [c.yellow(`${s.unreadable.length} unreadable`)] : []),
    ].join('  ') + c.dim(`  · catalog ${doc.catalog.version}`)
  );
}

/** The fleet's counts: targets by status and findings by status (they add up to the totals said). */
export function summaryLine(doc: ResultDocument, c: Colors): string {
  const s = doc.summary;
  const by = (k: string) => s.byStatus[k] ?? 0;
  const unassessed = (s.targetsByStatus['unreachable'] ?? 0) + (s.targetsByStatus['error'] ?? 0);
  const sev = SEVERITY_ORDER.filter((k) => s.bySeverity[k])
    .map((k) => `${s.bySeverity[k]} ${k}`)
    .join(', ');
  return (
    [
      `${s.targets} target${s.targets === 1 ? '' : 's'}${unassessed ? ` (${unassessed} not assessed)` : ''}, ${s.findings} finding${s.findings === 1 ? '' : 's'}:`,
      c.red(`${by('fail')} fail${sev ? ` (${sev})` : ''}`),
      c.cyan(`${by('mitigated')} mitigated`),
      c.yellow(`${by('indeterminate')} indeterminate`),
      c.green(`${by('pass')} pass`),
      c.dim(`${by('not_applicable')} not applicable`),
      ...(by('error') ? [c.magenta(`${by('error')} check errors`)] : []),
    ].join('  ') +
    (s.waived ? `  (${s.waived} of them waived)` : '') +
    c.dim(`  · catalog ${doc.catalog.version}`)
  );
}

const consoleRenderer: Renderer = {
  format: 'console',
  extension: 'txt',
  description: 'summary first: one row per server, then the worst findings (--details: all of them)',
  render: (doc: ResultDocument, opts) => renderConsole(doc, opts),
};
export default consoleRenderer;
