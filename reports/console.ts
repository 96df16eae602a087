/**
 * Terminal summary: servers worst first, each with its non-passing findings grouped by status, then a
 * one-line fleet summary. Colour only when asked (the CLI asks when stdout is a TTY).
 */
import { createColors } from 'picocolors';
import type { Renderer } from './index.js';
import { STATUS_ORDER, type Finding, type ResultDocument, type TargetResult } from '../src/engine/result.js';

function worstIndex(t: TargetResult): number {
  if (t.status === 'unreachable' || t.status === 'error') return -1;
  return Math.min(...t.findings.filter((f) => !f.waived).map((f) => STATUS_ORDER.indexOf(f.status)), STATUS_ORDER.length);
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
    error: c.magenta, fail: c.red, indeterminate: c.yellow, mitigated: c.cyan, pass: c.green, not_applicable: c.dim,
  };
  const out: string[] = [];
  const targets = [...doc.targets].sort((a, b) => worstIndex(a) - worstIndex(b) || a.target.localeCompare(b.target));
  for (const t of targets) {
    if (t.status === 'unreachable' || t.status === 'error') {
      out.push(`${c.bold(t.target)}  ${c.magenta(t.status.toUpperCase())}: ${t.error ?? ''}`, '');
      continue;
    }
    out.push(`${c.bold(t.target)}  ${c.dim(describeBuild(t))}${t.status === 'partial' ? c.yellow('  [partial facts]') : ''}`);
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
    out.push(`${c.bold('Compromise sweep')}  ${s.files} files, ${s.lines} lines, ${s.malformedLines} malformed, ${s.hits} hits`);
    for (const h of doc.ioc.hits.slice(0, 50)) {
      out.push(`  ${c.red(h.severity.toUpperCase())}  ${h.indicator} (${h.advisory})  ${h.file}:${h.line}${h.clientIp ? `  from ${h.clientIp}` : ''}`);
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
  const sev = Object.entries(s.bySeverity).map(([k, v]) => `${v} ${k}`).join(', ');
  return [
    `${s.targets} target${s.targets === 1 ? '' : 's'}${unassessed ? ` (${unassessed} not assessed)` : ''}:`,
    c.red(`${by('fail')} fail${sev ? ` (${sev})` : ''}`),
    c.cyan(`${by('mitigated')} mitigated`),
    c.yellow(`${by('indeterminate')} indeterminate`),
    c.green(`${by('pass')} pass`),
    ...(by('error') ? [c.magenta(`${by('error')} check errors`)] : []),
    ...(s.waived ? [`${s.waived} waived`] : []),
  ].join('  ') + c.dim(`  · catalog ${doc.catalog.version}`);
}

const consoleRenderer: Renderer = {
  format: 'console',
  extension: 'txt',
  description: 'grouped terminal summary, worst servers first',
  render: (doc: ResultDocument, opts) => renderConsole(doc, opts.color ?? false),
};
export default consoleRenderer;
