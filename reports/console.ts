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
  if (doc.ioc) {
    const s = doc.ioc.summary;
    out.push(
      `${c.bold('Compromise sweep')}  ${s.files} files, ${s.lines} lines, ${s.malformedLines} malformed, ${s.hits} hits`,
    );
    for (const h of doc.ioc.hits.slice(0, 50)) {
      out.push(
        `  ${c.red(h.severity.toUpperCase())}  ${h.indicator} (${h.advisory})  ${h.file}:${h.line}${h.clientIp ? `  from ${h.clientIp}` : ''}`,
      );
    }
    if (doc.ioc.hits.length > 50) out.push(c.dim(`  … ${doc.ioc.hits.length - 50} more hits in the JSON output`));
    out.push('');
  }
  out.push(summaryLine(doc, c));
  return `${out.join('\n')}\n`;
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
