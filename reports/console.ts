/**
 * Terminal summary: servers worst first (worst status, then its worst severity, then how many), each with its
 * non-passing findings grouped by status, then a one-line fleet summary. Colour only when asked (the CLI asks
 * when stdout is a TTY).
 */
import { createColors } from 'picocolors';
import type { Renderer } from './index.js';
import { catalogAgeText } from './text.js';
import { SEVERITY_ORDER, STATUS_ORDER, type Finding, type ResultDocument, type TargetResult } from '../src/contract.js';

/** How bad a server looks: its worst status, then the worst severity at that status, then how many such findings. */
function badness(t: TargetResult): [number, number, number] {
  if (t.status === 'unreachable' || t.status === 'error') return [-1, 0, 0];
  const open = t.findings.filter((f) => !f.waived);
  const status = Math.min(...open.map((f) => STATUS_ORDER.indexOf(f.status)), STATUS_ORDER.length);
  const worst = open.filter((f) => STATUS_ORDER.indexOf(f.status) === status);
  const severity = Math.min(...worst.map((f) => SEVERITY_ORDER.indexOf(f.severity)), SEVERITY_ORDER.length);
  return [status, severity, -worst.filter((f) => SEVERITY_ORDER.indexOf(f.severity) === severity).length];
}

function compareTargets(a: TargetResult, b: TargetResult): number {
  const [x, y] = [badness(a), badness(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || a.target.localeCompare(b.target);
}

function describeBuild(t: TargetResult): string {
  const ex = t.facts?.exchange;
  if (!ex) return 'build not collected';
  if (ex.online) return 'Exchange Online';
  if (ex.notExchange) return `not Exchange (${ex.notExchange})`;
  const product = ex.product ? `Exchange ${ex.product}` : 'Exchange';
  return ex.build ? `${product} ${ex.build} (${ex.precision}, ${ex.source})` : `${product} (build unknown)`;
}

export function renderConsole(doc: ResultDocument, color: boolean): string {
  const c = createColors(color);
  const paint: Record<Finding['status'], (s: string) => string> = {
    error: c.magenta,
    fail: c.red,
    indeterminate: c.yellow,
    mitigated: c.cyan,
    pass: c.green,
    not_applicable: c.dim,
  };
  const stale = doc.catalog.stale ? c.yellow : c.dim;
  const out: string[] = [stale(`exaudit ${doc.command} · catalog ${catalogAgeText(doc.catalog)}`), ''];
  const targets = [...doc.targets].sort(compareTargets);
  for (const t of targets) {
    if (t.status === 'unreachable' || t.status === 'error') {
      out.push(`${c.bold(t.target)}  ${c.magenta(t.status.toUpperCase())}: ${t.error ?? ''}`, '');
      continue;
    }
    out.push(
      `${c.bold(t.target)}  ${c.dim(describeBuild(t))}${t.status === 'partial' ? c.yellow('  [partial facts]') : ''}`,
    );
    const shown = t.findings.filter((f) => f.status !== 'pass' && f.status !== 'not_applicable');
    for (const f of shown) {
      const tag = f.waived ? c.dim('WAIVED') : paint[f.status](f.status.toUpperCase());
      const sev = f.status === 'fail' ? ` ${f.severity}` : '';
      out.push(`  ${tag}${sev}  ${f.title}: ${f.message}`);
      if (f.remediation && f.status !== 'indeterminate' && !f.waived) out.push(c.dim(`      fix: ${f.remediation}`));
    }
    const passed = t.findings.filter((f) => f.status === 'pass').length;
    const na = t.findings.filter((f) => f.status === 'not_applicable').length;
    out.push(c.dim(`  ${passed} passed, ${na} not applicable`), '');
  }
  if (doc.ioc) out.push(...iocSection(doc.ioc, c));
  // A sweep ends with its own totals; other commands (and merged results) with the fleet's.
  out.push(doc.command === 'ioc' && doc.ioc ? sweepLine(doc, doc.ioc, c) : summaryLine(doc, c));
  return `${out.join('\n')}\n`;
}

type Ioc = NonNullable<ResultDocument['ioc']>;
const SHOWN_HITS = 50;
const SHOWN_UNREADABLE = 20;

/** One row per swept server (or path set), then the hits, then what could not be read and why. */
function iocSection(ioc: Ioc, c: ReturnType<typeof createColors>): string[] {
  const s = ioc.summary;
  const out = [
    `${c.bold('Compromise sweep')}  ${s.files} files, ${s.lines} lines, ${s.malformedLines} malformed, ${s.hits} hits, ${s.unreadable?.length ?? 0} unreadable`,
  ];
  const sweeps = ioc.sweeps ?? [];
  if (sweeps.length > 1 || sweeps.some((w) => w.target)) {
    const name = (w: (typeof sweeps)[number]) => w.target ?? '(unattributed)';
    const width = Math.max(6, ...sweeps.map((w) => name(w).length));
    out.push(
      c.dim(`  ${'server'.padEnd(width)}  source  ${'files'.padStart(7)}  ${'lines'.padStart(9)}  hits  unreadable`),
    );
    for (const w of sweeps)
      out.push(
        `  ${name(w).padEnd(width)}  ${w.source.padEnd(6)}  ${String(w.files).padStart(7)}  ${String(w.lines).padStart(9)}  ${(w.hits ? c.red : String)(String(w.hits).padStart(4))}  ${String(w.unreadable ?? 0).padStart(10)}`,
      );
  }
  for (const h of ioc.hits.slice(0, SHOWN_HITS)) {
    out.push(
      `  ${c.red(h.severity.toUpperCase())}  ${h.indicator} (${h.advisory})  ${h.target ? `${h.target}  ` : ''}${h.file}${h.line ? `:${h.line}` : ''}${h.clientIp ? `  from ${h.clientIp}` : ''}`,
    );
  }
  if (ioc.hits.length > SHOWN_HITS) out.push(c.dim(`  … ${ioc.hits.length - SHOWN_HITS} more hits in the JSON output`));
  for (const u of (s.unreadable ?? []).slice(0, SHOWN_UNREADABLE))
    out.push(c.yellow(`  UNREADABLE  ${u.file}: ${u.error}`));
  if ((s.unreadable?.length ?? 0) > SHOWN_UNREADABLE)
    out.push(c.dim(`  … ${s.unreadable!.length - SHOWN_UNREADABLE} more unreadable inputs in the JSON output`));
  out.push('');
  return out;
}

/** The sweep's own totals: what was read, what was found by severity, what could not be read. */
function sweepLine(doc: ResultDocument, ioc: Ioc, c: ReturnType<typeof createColors>): string {
  const s = ioc.summary;
  const bySeverity = SEVERITY_ORDER.map((k) => [k, ioc.hits.filter((h) => h.severity === k).length] as const)
    .filter(([, n]) => n)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const servers = new Set([
    ...(ioc.sweeps ?? []).flatMap((w) => (w.target ? [w.target] : [])),
    ...doc.targets.map((t) => t.target),
  ]);
  const unassessed = doc.targets.filter((t) => t.status === 'unreachable' || t.status === 'error').length;
  const mib = (s.bytes / 1024 / 1024).toFixed(1);
  return (
    [
      `Sweep: ${s.files} file${s.files === 1 ? '' : 's'} (${mib} MiB), ${s.lines} lines${servers.size ? ` from ${servers.size} server${servers.size === 1 ? '' : 's'}${unassessed ? ` (${unassessed} not swept)` : ''}` : ''}:`,
      (s.hits ? c.red : c.green)(`${s.hits} hit${s.hits === 1 ? '' : 's'}${bySeverity ? ` (${bySeverity})` : ''}`),
      ...(s.unreadable?.length ? [c.yellow(`${s.unreadable.length} unreadable`)] : []),
    ].join('  ') + c.dim(`  · catalog ${doc.catalog.version}`)
  );
}

function summaryLine(doc: ResultDocument, c: ReturnType<typeof createColors>): string {
  const s = doc.summary;
  const by = (k: string) => s.byStatus[k] ?? 0;
  const unassessed = (s.targetsByStatus['unreachable'] ?? 0) + (s.targetsByStatus['error'] ?? 0);
  const sev = SEVERITY_ORDER.filter((k) => s.bySeverity[k])
    .map((k) => `${s.bySeverity[k]} ${k}`)
    .join(', ');
  return (
    [
      `${s.targets} target${s.targets === 1 ? '' : 's'}${unassessed ? ` (${unassessed} not assessed)` : ''}:`,
      c.red(`${by('fail')} fail${sev ? ` (${sev})` : ''}`),
      c.cyan(`${by('mitigated')} mitigated`),
      c.yellow(`${by('indeterminate')} indeterminate`),
      c.green(`${by('pass')} pass`),
      ...(by('error') ? [c.magenta(`${by('error')} check errors`)] : []),
      ...(s.waived ? [`${s.waived} waived`] : []),
    ].join('  ') + c.dim(`  · catalog ${doc.catalog.version}`)
  );
}

const consoleRenderer: Renderer = {
  format: 'console',
  extension: 'txt',
  description: 'grouped terminal summary, worst servers first',
  render: (doc: ResultDocument, opts) => renderConsole(doc, opts.color ?? false),
};
export default consoleRenderer;
