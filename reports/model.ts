/**
 * What every human view says, computed once from the result document (no catalog, clock or file): one row per
 * server (verdict, build and precision, the one update that brings it current and what it closes, directive
 * actions not met), each server's findings as items (a missing update with its CVEs is one item, not one per CVE),
 * and the document's directive evidence as the engine judged it.
 */
import {
  ACTION_STATUSES,
  SEVERITY_ORDER,
  STATUS_ORDER,
  type DirectiveResult,
  type Finding,
  type ResultDocument,
  type Severity,
  type TargetResult,
} from '../src/contract.js';
import { installText, valueText } from '../src/util/text.js';
import { productOfBuild } from '../src/util/version.js';
import { catalogAgeText, clean, waiverTerms } from './text.js';

/** A server's overall verdict, worst first. */
export const VERDICTS = [
  'fail',
  'error',
  'not assessed',
  'indeterminate',
  'mitigated',
  'pass',
  'not applicable',
] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface ServerRow {
  target: string;
  status: TargetResult['status'];
  error?: string;
  verdict: Verdict;
  /** The worst severity among unwaived failures. */
  severity?: Severity;
  /** "Exchange 2019 15.2.1544.14", "Exchange Online", "not Exchange (nginx)", "not reached". */
  build: string;
  precision?: string;
  source?: string;
  collectedAt?: string;
  collectors?: string;
  digest?: string;
  /** "Install Exchange 2019 CU15 Sep26SUv2 (15.2.1748.53, …)", or empty when current or unknown. */
  update: string;
  /** The same for a table cell: "2019 CU15 Sep26SUv2 (15.2.1748.53), ESU only"; "current" or "-" without one. */
  install: string;
  /** "88 CVEs, 20 KEV" that the update closes. */
  closes: string;
  /** Directive actions not met or required on this server (the first directive in the document). */
  actionsNotMet?: number;
  /** Open items (fail, error, indeterminate, mitigated; waived ones included). */
  open: number;
}

/** One line a person reads: a finding, or a missing update with the CVE findings it closes folded in. */
export interface Item {
  status: Finding['status'];
  severity: Severity;
  waived?: Finding['waived'];
  checkId: string;
  title: string;
  message: string;
  cves: string[];
  /** KEV-listed CVEs among them, where the findings' evidence says so. */
  kev: number;
  remediation: string | null;
  evidence: string;
  /** The evidence without the build (stated once per server by the views). */
  evidenceNoBuild: string;
  /** The findings behind the item (one, or an update's finding and its CVE findings). */
  findings: Finding[];
}

export const isOpen = (f: Pick<Finding, 'status'>): boolean => f.status !== 'pass' && f.status !== 'not_applicable';

export function shownStatus(f: Pick<Finding, 'status' | 'waived'>): string {
  return f.waived ? `waived (${f.status})` : f.status;
}

export function waiverText(f: Pick<Finding, 'waived'>): string {
  if (!f.waived) return '';
  return `waived: ${f.waived.reason}; ${waiverTerms(f.waived)}`;
}

/** The evidence in words; `withoutBuild` leaves out the build, when the view states it once per server. */
export function evidenceText(f: Pick<Finding, 'evidence'>, withoutBuild = false): string {
  return f.evidence
    .filter((e) => !withoutBuild || e.fact !== 'exchange.build')
    .map((e) => {
      const obs = clean(valueText(e.observed, 'null'));
      const exp = e.expected === undefined ? '' : ` (expected ${clean(valueText(e.expected, 'null'))})`;
      return `${e.fact}: ${obs}${exp}${e.source ? ` [${e.source}]` : ''}`;
    })
    .join('; ');
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function kevOf(f: Finding): boolean {
  const e = f.evidence.find((x) => x.fact === 'catalog.cve');
  return !!(e?.observed && typeof e.observed === 'object' && (e.observed as { kev?: unknown }).kev);
}

export function verdictOf(t: TargetResult): { verdict: Verdict; severity?: Severity } {
  if (t.status === 'unreachable' || t.status === 'error') return { verdict: 'not assessed' };
  const ex = t.facts?.exchange;
  if (ex?.online || ex?.notExchange) return { verdict: 'not applicable' };
  const live = t.findings.filter((f) => !f.waived);
  const fails = live.filter((f) => f.status === 'fail');
  if (fails.length)
    return {
      verdict: 'fail',
      severity: SEVERITY_ORDER.find((s) => fails.some((f) => f.severity === s)) ?? 'info',
    };
  for (const v of ['error', 'indeterminate', 'mitigated'] as const)
    if (live.some((f) => f.status === v)) return { verdict: v };
  if (t.findings.length && t.findings.every((f) => f.status === 'not_applicable')) return { verdict: 'not applicable' };
  return { verdict: 'pass' };
}

export function describeBuild(t: TargetResult): string {
  if (t.status === 'unreachable' || t.status === 'error') return 'not reached';
  const ex = t.facts?.exchange;
  if (!ex) return 'build not collected';
  if (ex.online) return 'Exchange Online';
  if (ex.notExchange) return `not Exchange (${clean(ex.notExchange)})`;
  const family = ex.product ?? (ex.build ? productOfBuild(ex.build) : undefined);
  const product = family ? `Exchange ${family}` : 'Exchange';
  return ex.build ? `${product} ${clean(ex.build)}` : `${product} (build unknown)`;
}

export function serverRow(t: TargetResult, directive?: DirectiveResult): ServerRow {
  const ex = t.facts?.exchange;
  const { verdict, severity } = verdictOf(t);
  const u = t.update;
  const notMet = directive?.rows.filter(
    (r) => r.target === t.target && (r.status === 'not met' || r.status === 'action required'),
  ).length;
  return {
    target: t.target,
    status: t.status,
    ...(t.error ? { error: clean(t.error) } : {}),
    verdict,
    ...(severity ? { severity } : {}),
    build: describeBuild(t),
    ...(ex?.build && ex.precision ? { precision: ex.precision } : {}),
    ...(ex?.source ? { source: clean(ex.source) } : {}),
    ...(t.facts?.collectedAt ? { collectedAt: t.facts.collectedAt } : {}),
    ...(t.facts?.collectors?.length
      ? { collectors: t.facts.collectors.map((c) => `${c.name}${c.version ? ` ${c.version}` : ''}`).join(', ') }
      : t.facts?.target.transport
        ? { collectors: t.facts.target.transport }
        : {}),
    ...(t.factsDigest ? { digest: t.factsDigest } : {}),
    update: u ? installText(u) : '',
    install: u
      ? `${u.name.replace(/^Exchange (Server )?/, '')} (${u.build})${u.esuOnly ? ', ESU only' : ''}`
      : verdict === 'not applicable' || verdict === 'not assessed' || !ex?.build
        ? '-'
        : t.findings.some((f) => f.code === 'update-missing' && f.status === 'fail')
          ? 'see the findings' // a result from before the update was recorded
          : 'current',
    closes: u
      ? [
          u.closes.length ? `${plural(u.closes.length, 'CVE')} (${u.kev.length} KEV)` : '',
          u.unknown ? `${u.unknown} unknown at ${ex?.precision ?? 'this'} level` : '',
        ]
          .filter(Boolean)
          .join('; ') || 'no CVE open by build'
      : '',
    ...(directive && directive.servers.some((s) => s.target === t.target) ? { actionsNotMet: notMet ?? 0 } : {}),
    open: t.findings.filter(isOpen).length,
  };
}

/** Worst first: status, then severity, then title. */
export function compareItems(
  a: Pick<Item, 'status' | 'severity' | 'title' | 'waived' | 'kev' | 'cves'>,
  b: typeof a,
): number {
  return (
    Number(!!a.waived) - Number(!!b.waived) ||
    STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
    SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
    b.kev - a.kev ||
    b.cves.length - a.cves.length ||
    a.title.localeCompare(b.title, 'en', { numeric: true })
  );
}

function itemOf(f: Finding): Item {
  return {
    status: f.status,
    severity: f.severity,
    ...(f.waived ? { waived: f.waived } : {}),
    checkId: f.checkId,
    title: clean(f.title),
    message: clean(f.message),
    cves: f.cves,
    kev: kevOf(f) ? 1 : 0,
    remediation: f.remediation === null ? null : clean(f.remediation),
    evidence: evidenceText(f),
    evidenceNoBuild: evidenceText(f, true),
    findings: [f],
  };
}

/**
 * A server's findings as items, worst first: each missing update (security-updates) is one item listing its CVEs,
 * and the per-CVE findings (cve-exposure) it closes fold into it; every other finding is an item of its own.
 * `open` leaves out passes and not-applicable results.
 */
export function itemsOf(t: TargetResult, open = true): Item[] {
  const findings = open ? t.findings.filter(isOpen) : t.findings;
  const updates = findings.filter(
    (f) => f.checkId === 'security-updates' && f.code === 'update-missing' && f.status === 'fail',
  );
  const byCve = new Map<string, Item>();
  const items: Item[] = [];
  for (const u of updates) {
    const item = itemOf(u);
    item.kev = 0;
    items.push(item);
    for (const c of u.cves) if (!byCve.has(c)) byCve.set(c, item);
  }
  for (const f of findings) {
    if (updates.includes(f)) continue;
    const host = f.code === 'cve-open' && f.cves.length === 1 && !f.waived ? byCve.get(f.cves[0]!) : undefined;
    // A CVE open because its update is missing is said once, with the update; one open by configuration stays apart.
    if (host && f.evidence.length <= 2 && !host.waived && host.status === f.status) {
      host.findings.push(f);
      host.kev += kevOf(f) ? 1 : 0;
      continue;
    }
    items.push(itemOf(f));
  }
  for (const i of items)
    if (i.checkId === 'security-updates' && i.findings.length > 1)
      i.message = `${i.message}${i.kev ? ` ${plural(i.kev, 'of them is', 'of them are')} in CISA KEV.` : ''}`;
  return items.sort(compareItems);
}

/** An item in one line: the message alone when it already starts with what the title names. */
export function headline(i: Pick<Item, 'title' | 'message'>): string {
  const lead = /^[^\s:]+/.exec(i.title)?.[0] ?? '';
  return lead && i.message.startsWith(lead) ? i.message : `${i.title}: ${i.message}`;
}

/** The items' status counts, for the fleet chart and summaries. */
export function verdictCounts(rows: ServerRow[]): [Verdict, number][] {
  return VERDICTS.map((v) => [v, rows.filter((r) => r.verdict === v).length] as [Verdict, number]).filter(
    ([, n]) => n > 0,
  );
}

export interface ReportModel {
  title: string;
  asOf: string;
  meta: [string, string][];
  servers: ServerRow[];
  directives: DirectiveResult[];
  waivers: NonNullable<ResultDocument['waivers']>;
  notes: string[];
}

export function buildModel(doc: ResultDocument): ReportModel {
  const directives = doc.directives ?? [];
  const asOf = directives[0]?.asOf ?? doc.catalog.asOf ?? doc.finishedAt.slice(0, 10);
  const meta: [string, string][] = [
    ['Tool', `exaudit ${doc.tool.version}`],
    [
      'Catalog',
      `${doc.catalog.version} (${doc.catalog.date})${doc.catalog.sha256 ? `, sha256 ${doc.catalog.sha256}` : ''}`,
    ],
    ['Catalog age', catalogAgeText(doc.catalog)],
    ['Run', `${doc.command}, ${doc.startedAt} to ${doc.finishedAt}`],
    ...(doc.argv?.length
      ? [['Command line (redacted)', clean(`exaudit ${doc.argv.join(' ')}`)] as [string, string]]
      : []),
    ['Judged as of', asOf],
    ...directives.map((d) => ['Directive', `${d.title}, issued ${d.issued}; ${d.source}`] as [string, string]),
  ];
  const notes = directives.flatMap((d) => d.notes.map((n) => (directives.length > 1 ? `${d.id}: ${n}` : n)));
  if (!directives.length) {
    const unverified = doc.targets.flatMap((t) => t.findings).filter((f) => /not verified/.test(f.message)).length;
    if (unverified) notes.push(`${unverified} finding(s) rest on catalog facts marked unverified (see rules/).`);
  }
  return {
    title: `Exchange exposure evidence${directives.length === 1 ? `: ${directives[0]!.title}` : ''}`,
    asOf,
    meta,
    servers: doc.targets.map((t) => serverRow(t, directives[0])),
    directives,
    waivers: doc.waivers ?? [],
    notes,
  };
}

export function dueText(r: { due?: string | undefined; dueText?: string | undefined }): string {
  return r.due ? `${r.due}${r.dueText ? ` ${r.dueText}` : ''}` : (r.dueText ?? '');
}

export function remainingBy(
  x: DirectiveResult['remaining'][number],
  action: { due?: string | undefined; dueText?: string | undefined } | undefined,
): string {
  const kev = x.kevDue.length
    ? ` (KEV: ${x.kevDue
        .slice(0, 6)
        .map((k) => `${k.cve} ${k.due ?? 'no due date in the catalog'}`)
        .join(', ')}${x.kevDue.length > 6 ? `, and ${x.kevDue.length - 6} more` : ''})`
    : '';
  const by = x.by
    ? `${x.by}${action?.dueText && x.by === action.due ? ` ${action.dueText}` : ''}${x.overdue ? ', overdue' : ''}`
    : 'no date set by the directive';
  return `${by}${kev}`;
}

/** A server's directive rows that say something about it: everything but the pure attestations, which are listed. */
export function rowsFor(
  d: DirectiveResult,
  target: string,
): { rows: DirectiveResult['rows']; attest: string[]; met: DirectiveResult['rows'] } {
  const all = d.rows.filter((r) => r.target === target);
  const attest = all.filter((r) => r.status === 'needs attestation' && !r.facts.length);
  return {
    rows: all.filter((r) => !attest.includes(r)),
    attest: attest.map((r) => r.actionId),
    met: all.filter((r) => r.status === 'met' || r.status === 'not applicable'),
  };
}

/** The facts behind a row, without the build (stated once per server). */
export function rowFacts(r: DirectiveResult['rows'][number]): string {
  return r.facts
    .filter((f) => f.fact !== 'exchange.build')
    .map(
      (f) =>
        `${f.fact}: ${f.observed}${f.expected ? ` (expected ${f.expected})` : ''}${f.source ? ` [${f.source}]` : ''}`,
    )
    .join('; ');
}

/** A line of remaining work: what it is about ("Action 1: Apply …", or the refs of several) and by when. */
export function remainingLine(
  d: DirectiveResult,
  x: DirectiveResult['remaining'][number],
): { action: string; by: string } {
  const actions = x.actionIds.map((id) => d.actions.find((a) => a.id === id)).filter((a) => !!a);
  const action =
    actions.length === 1
      ? `${actions[0]!.ref}: ${actions[0]!.title}`
      : actions.length === d.actions.length
        ? `every action (${actions.length})`
        : actions.map((a) => a.ref).join('; ');
  return {
    action,
    by: remainingBy(
      x,
      actions.find((a) => a.due === x.by),
    ),
  };
}

/** Servers of a remaining-work line: "every server in scope (15)" when it is all of them, else their names. */
export function serversText(d: DirectiveResult, targets: string[]): string {
  const inScope = d.servers.filter((s) => s.scope === 'in scope').map((s) => s.target);
  return targets.length > 3 && targets.length === inScope.length && inScope.every((t) => targets.includes(t))
    ? `every server in scope (${targets.length})`
    : targets.join(', ');
}

/** Per action, how many servers are at each status: "not met 9 · met 4". */
export function actionCounts(d: DirectiveResult, actionId: string): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of d.rows) if (r.actionId === actionId) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return ACTION_STATUSES.filter((s) => counts.has(s)).map((s) => [s, counts.get(s)!]);
}

/** Severities chosen with --severity (Trivy's spelling: CRITICAL,HIGH), applied to what a view shows. */
export function bySeverity<T extends { severity: Severity }>(list: T[], severities?: Severity[]): T[] {
  return severities?.length ? list.filter((x) => severities.includes(x.severity)) : list;
}
