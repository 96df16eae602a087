/**
 * Directive evidence: each required action's status per server, judged here (never in a renderer) and stored in
 * the result document (`directives`), from the findings, the catalog and the indicator sweep's coverage.
 *
 * An action is evidenced by findings of named checks (optionally narrowed to CVEs, to the CVEs of catalog updates,
 * or to KEV-listed CVEs), by the server's CU being one the directive allows, by an IOC sweep, or only by the
 * agency's attestation. A status is never better than its evidence: a check that did not run means "not assessed",
 * a waived failure stays "waived", an action with a manual part is at best "needs attestation". A target that is not
 * on-premises Exchange is "not applicable" for every action, one that was not reached "not assessed": neither is
 * ever "met". Indicator actions say "action required" only for a server whose own files hold hits, "met" only where
 * a sweep read that server's files and found nothing, and "needs evidence" otherwise.
 */
import type {
  ActionRow,
  ActionStatus,
  DirectiveResult,
  DirectiveScope,
  EvidenceFact,
  Finding,
  IocSection,
  RemainingWork,
  TargetResult,
} from '../contract.js';
import { ACTION_STATUSES, hitServer } from '../contract/check.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Directive, DirectiveAction, EvidenceRule } from '../catalog/schema.js';
import { buildInfoFromFacts } from '../catalog/lookup.js';
import { installText, valueText } from '../util/text.js';

const worst = (list: ActionStatus[]): ActionStatus =>
  list.reduce((a, b) => (ACTION_STATUSES.indexOf(b) < ACTION_STATUSES.indexOf(a) ? b : a), 'not applicable');

interface Part {
  status: ActionStatus;
  summary: string;
  facts: EvidenceFact[];
  todo: string[];
  findings: Finding[];
}

/** Control characters are stripped where server-supplied values become evidence text. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
const text = (v: unknown): string => valueText(v).replace(CONTROL, '');

function factsOf(findings: Finding[]): EvidenceFact[] {
  const seen = new Set<string>();
  const out: EvidenceFact[] = [];
  for (const f of findings) {
    for (const e of f.evidence) {
      const item: EvidenceFact = {
        fact: e.fact,
        observed: text(e.observed),
        ...(e.expected !== undefined ? { expected: text(e.expected) } : {}),
        ...(e.source ? { source: e.source } : {}),
      };
      const key = JSON.stringify(item);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(item);
      }
    }
  }
  return out;
}

/** The build as collected, which every status about updates rests on. */
function buildFact(t: TargetResult): EvidenceFact[] {
  const ex = t.facts?.exchange;
  if (!ex?.build && !ex?.product) return [];
  return [
    {
      fact: 'exchange.build',
      observed: text(ex.build ?? `Exchange ${ex.product}`),
      source: `${ex.source ?? 'unknown source'} (precision ${ex.precision})`,
    },
  ];
}

function updateIdsOf(f: Finding): string[] {
  return f.evidence
    .filter((e) => e.fact === 'catalog.updates' && typeof e.observed === 'string')
    .map((e) => e.observed as string);
}

function cveSetFor(rule: EvidenceRule, catalog: Catalog): Set<string> | undefined {
  if (!rule.cves && !rule.updates && !rule.kev) return undefined;
  const set = new Set(rule.cves ?? []);
  for (const u of rule.updates ?? []) for (const c of catalog.update(u)?.cves ?? []) set.add(c);
  if (rule.kev) for (const c of catalog.cves) if (c.kev) set.add(c.id);
  return set;
}

const msgs = (fs: Finding[]) =>
  fs
    .slice(0, 4)
    .map((f) => f.message)
    .join(' ') + (fs.length > 4 ? ` (and ${fs.length - 4} more)` : '');

function evaluateRule(t: TargetResult, r: EvidenceRule, catalog: Catalog): Part {
  const all = t.findings.filter((f) => f.checkId === r.check);
  const scope = [
    r.cves?.join(', '),
    r.updates?.length ? `the CVEs fixed by ${r.updates.join(', ')}` : '',
    r.kev ? 'KEV-listed CVEs' : '',
  ]
    .filter(Boolean)
    .join('; ');
  const labelBase = `${r.check}${scope ? ` (${scope})` : ''}`;
  if (!all.length)
    return {
      status: 'not assessed',
      summary: `${labelBase}: the check was not run on this server.`,
      facts: [],
      todo: [`Run exaudit with the ${r.check} check.`],
      findings: [],
    };
  const errors = all.filter((f) => f.status === 'error');
  if (errors.length)
    return {
      status: 'not assessed',
      summary: `${labelBase}: ${errors[0]!.message}`,
      facts: [],
      todo: [errors[0]!.remediation ?? 'Report the check error.'],
      findings: errors,
    };
  const cves = cveSetFor(r, catalog);
  const updates = new Set(r.updates ?? []);
  const relevant = all.filter((f) => {
    if (r.codes && !r.codes.includes(f.code)) return false;
    if (!cves) return true;
    const ids = updateIdsOf(f);
    if (ids.length) return ids.some((u) => updates.has(u)) || (!updates.size && f.cves.some((c) => cves.has(c)));
    if (f.cves.length) return f.cves.some((c) => cves.has(c));
    // A finding about no CVE in particular counts when it says the check could not judge (e.g. the build is unknown).
    return f.status === 'indeterminate' || f.status === 'fail';
  });
  const open = relevant.filter((f) => !f.waived && f.status === 'fail');
  const waived = relevant.filter((f) => f.waived && f.status !== 'pass' && f.status !== 'not_applicable');
  const unknown = relevant.filter((f) => !f.waived && f.status === 'indeterminate');
  const mitigated = relevant.filter((f) => !f.waived && f.status === 'mitigated');
  const shown = open.length
    ? open
    : waived.length
      ? waived
      : unknown.length
        ? unknown
        : mitigated.length
          ? mitigated
          : relevant;
  // Every missing update is closed by the server's one update: say that once, not once per update.
  const install = t.update ? installText(t.update) : undefined;
  const todo = [
    ...new Set(
      shown
        .filter((f) => f.status !== 'pass' && f.status !== 'not_applicable')
        .map((f) => (install && f.remediation?.startsWith(install) ? `${install}.` : f.remediation))
        .filter((x): x is string => !!x),
    ),
  ];
  if (!todo.length && unknown.length && !open.length && !waived.length)
    todo.push('Collect what the findings name as not collected (exaudit audit --ssh or --local) and run again.');
  const involved = cves ? [...new Set(relevant.flatMap((f) => f.cves).filter((c) => cves.has(c)))] : [];
  const label = `${labelBase}${involved.length ? ` [involved here: ${involved.slice(0, 8).join(', ')}${involved.length > 8 ? ', …' : ''}]` : ''}`;
  const facts = [...buildFact(t), ...factsOf(shown.slice(0, 6))];
  if (open.length) return { status: 'not met', summary: `${label}: ${msgs(open)}`, facts, todo, findings: open };
  if (waived.length)
    return {
      status: 'waived',
      summary: `${label}: ${msgs(waived)} Waived: ${waived.map((f) => `${f.waived!.reason} (owner ${f.waived!.owner ?? 'not given'}, until ${f.waived!.expires ?? 'no expiry'})`).join('; ')}.`,
      facts,
      todo: [
        ...todo,
        ...waived.map(
          (f) =>
            `Waiver${f.waived!.expires ? ` expires ${f.waived!.expires}` : ' has no expiry'}: remediate or renew it.`,
        ),
      ],
      findings: waived,
    };
  if (unknown.length)
    return { status: 'indeterminate', summary: `${label}: ${msgs(unknown)}`, facts, todo, findings: unknown };
  if (mitigated.length)
    return { status: 'mitigated (interim)', summary: `${label}: ${msgs(mitigated)}`, facts, todo, findings: mitigated };
  if (relevant.length && relevant.every((f) => f.status === 'not_applicable'))
    return { status: 'not applicable', summary: `${label}: ${msgs(relevant)}`, facts, todo: [], findings: relevant };
  const passed = relevant.filter((f) => f.status === 'pass');
  const summary = cves
    ? `${label}: none is open on this server${passed.length ? ` (${msgs(passed)})` : ''}.`
    : `${label}: ${msgs(passed.length ? passed : relevant)}`;
  return {
    status: 'met',
    summary,
    facts: [...buildFact(t), ...factsOf(passed.slice(0, 3))],
    todo: [],
    findings: passed,
  };
}

function evaluateEligibility(
  t: TargetResult,
  e: NonNullable<DirectiveAction['eligible']>,
  asOf: string,
  catalog: Catalog,
): Part {
  const allowed = Object.entries(e.cus)
    .map(([p, cus]) => `${p === 'SE' ? 'Exchange SE' : `Exchange ${p}`} ${cus.includes('*') ? '(any)' : cus.join('/')}`)
    .join(', ');
  const part = (status: ActionStatus, summary: string, facts: EvidenceFact[], todo: string[] = []): Part => ({
    status,
    summary,
    facts,
    todo,
    findings: [],
  });
  if (!t.facts) return part('not assessed', 'No facts were collected.', []);
  const info = buildInfoFromFacts(catalog, t.facts, asOf);
  if (!info)
    return part('indeterminate', 'The Exchange build is not known, so the CU is not either.', buildFact(t), [
      'Collect the ExSetup.exe file version (exaudit audit).',
    ]);
  const facts = [...buildFact(t), { fact: 'exchange.cu', observed: info.name, source: 'rules/builds.json' }];
  const cus = e.cus[info.product];
  if (!cus)
    return part('not met', `${info.productName} cannot take ${e.update} (eligible: ${allowed}).`, facts, [
      `Move to a version that can take ${e.update} (${allowed}), or disconnect the server.`,
    ]);
  if (cus.includes('*')) return part('met', `${info.productName} is eligible for ${e.update}.`, facts);
  if (!info.cu)
    return part('indeterminate', `${info.productName}: the CU is not known (eligible: ${allowed}).`, facts, [
      'Collect the exact build (exaudit audit).',
    ]);
  return cus.includes(info.cu)
    ? part('met', `${info.productName} ${info.cu} is eligible for ${e.update}.`, facts)
    : part('not met', `${info.productName} ${info.cu} cannot take ${e.update} (eligible: ${allowed}).`, facts, [
        `Install ${info.productName} ${cus.at(-1)} and ${e.update} or later, or disconnect the server.`,
      ]);
}

/** What the sweep says about one server: its own hits, its coverage, and hits no server can be blamed for. */
interface SweepView {
  ioc?: IocSection;
  servers: string[];
}

function evaluateIoc(view: SweepView, target: string, kind: 'sweep' | 'trigger'): Part {
  const { ioc } = view;
  const needs = (summary: string, todo: string[]): Part => ({
    status: 'needs evidence',
    summary,
    facts: [],
    todo,
    findings: [],
  });
  // The same words for every server, so what remains groups them.
  const sweepTodo =
    "Sweep the server's logs (exaudit ioc --ssh, or exaudit ioc PATHS --target SERVER) and join the result with exaudit report --merge.";
  if (!ioc) return needs('No indicator sweep is part of this result.', [sweepTodo]);
  const own = ioc.hits.filter((h) => hitServer(h, view.servers) === target);
  const unattributed = ioc.hits.filter((h) => hitServer(h, view.servers) === undefined);
  const swept = (ioc.sweeps ?? []).filter((s) => s.target === target);
  const sweptFact: EvidenceFact[] = swept.map((s) => ({
    fact: 'ioc.sweep',
    observed: `${s.files} files, ${s.lines} lines, ${s.hits} hits${s.unreadable ? `, ${s.unreadable} unreadable` : ''}`,
    source: `exaudit ioc (${s.source}: ${s.paths.slice(0, 3).map(text).join(', ')}${s.paths.length > 3 ? ', …' : ''})`,
  }));
  if (own.length) {
    const facts = [
      ...sweptFact,
      ...own.slice(0, 5).map((h) => ({
        fact: `ioc.${h.indicator}`,
        observed: text(`${h.file}:${h.line}${h.timestamp ? ` at ${h.timestamp}` : ''}`),
        source: h.advisory,
      })),
    ];
    const summary = `exaudit ioc found ${own.length} indicator hit${own.length === 1 ? '' : 's'} in this server's files (${[...new Set(own.map((h) => h.advisory))].join(', ')}).`;
    return kind === 'sweep'
      ? {
          status: 'not met',
          summary,
          facts,
          todo: ['Treat the hits as a compromise: report them to CISA as an incident and follow Action 3.'],
          findings: [],
        }
      : {
          status: 'action required',
          summary,
          facts,
          todo: ['Indicators were found: this action applies.'],
          findings: [],
        };
  }
  if (unattributed.length)
    return needs(
      `${unattributed.length} indicator hit${unattributed.length === 1 ? '' : 's'} came from files not attributed to any server (exaudit ioc without --target): they may be this server's.`,
      [
        `Find which server the swept files came from and sweep again with --target, or ${sweepTodo[0]!.toLowerCase()}${sweepTodo.slice(1)}`,
      ],
    );
  if (!swept.length)
    return needs(
      ioc.sweeps
        ? "No sweep in this result read this server's files."
        : 'The sweep in this result does not say which servers it covered (a result from before sweeps were attributed).',
      [sweepTodo],
    );
  const read = swept.reduce((n, s) => n + s.files, 0);
  const unreadable = swept.reduce((n, s) => n + (s.unreadable ?? 0), 0);
  if (!read)
    return {
      ...needs("The sweep of this server's files read no file.", [sweepTodo]),
      facts: sweptFact,
    };
  if (unreadable)
    return {
      ...needs(`${unreadable} of this server's files could not be read, so a clean sweep cannot be claimed.`, [
        'Make the unreadable files readable (see the sweep result) and sweep again.',
      ]),
      facts: sweptFact,
    };
  return {
    status: 'met',
    summary: `exaudit ioc read ${read} of this server's files and found no indicator.`,
    facts: sweptFact,
    todo: [],
    findings: [],
  };
}

function kevDue(findings: Finding[], catalog: Catalog): ActionRow['kevDue'] {
  const out = new Map<string, string | null>();
  for (const f of findings)
    for (const id of f.cves) {
      const k = catalog.cve(id)?.kev;
      if (k) out.set(id, k.dueDate);
    }
  return [...out].map(([cve, due]) => ({ cve, due }));
}

/** One line per fact and observed value; the one that also says what was expected wins. */
function mergeFacts(facts: EvidenceFact[]): EvidenceFact[] {
  const out = new Map<string, EvidenceFact>();
  for (const f of facts) {
    const key = `${f.fact}\0${f.observed}`;
    const had = out.get(key);
    if (!had || (!had.expected && f.expected)) out.set(key, had ? { ...f, source: f.source ?? had.source } : f);
  }
  return [...out.values()];
}

/** Is the target a server the directive covers? Exchange Online and non-Exchange hosts are not; unreached ones are not known. */
export function scopeOf(t: Pick<TargetResult, 'target' | 'status' | 'error' | 'facts'>): DirectiveScope {
  if (t.status === 'unreachable' || t.status === 'error')
    return { target: t.target, scope: 'not assessed', reason: `not reached: ${text(t.error ?? t.status)}` };
  const ex = t.facts?.exchange;
  if (ex?.online)
    return { target: t.target, scope: 'out of scope', reason: 'Exchange Online (Microsoft 365), not on-premises' };
  if (ex?.notExchange)
    return { target: t.target, scope: 'out of scope', reason: `not Exchange: ${text(ex.notExchange)}` };
  const what = ex?.build ? `${ex.product ? `Exchange ${ex.product} ` : ''}${text(ex.build)}` : 'build not identified';
  return { target: t.target, scope: 'in scope', reason: `on-premises Exchange (${what})` };
}

const isIocAction = (a: DirectiveAction) => !!a.ioc;

/**
 * Judges one directive over targets as they pass (a streamed run keeps only the rows), then the indicator actions
 * once the sweep is known.
 */
export class DirectiveJudge {
  private readonly targets: { target: string; scope: DirectiveScope; collectedAt?: string }[] = [];
  private readonly rows = new Map<string, ActionRow[]>();
  /** Indicator actions wait for the sweep: their other parts, judged while the target was at hand. */
  private readonly pending = new Map<string, { target: string; collectedAt?: string; parts: Part[] }[]>();
  private unverifiedFindings = 0;

  constructor(
    private readonly directive: Directive,
    private readonly catalog: Catalog,
    private readonly asOf: string,
  ) {
    for (const a of directive.actions) this.rows.set(a.id, []);
  }

  add(t: TargetResult): void {
    const scope = scopeOf(t);
    this.targets.push({
      target: t.target,
      scope,
      ...(t.facts?.collectedAt ? { collectedAt: t.facts.collectedAt } : {}),
    });
    this.unverifiedFindings += t.findings.filter((f) => /not verified/.test(f.message)).length;
    for (const a of this.directive.actions) {
      if (isIocAction(a) && scope.scope === 'in scope') {
        // Judged in finish(), with the sweep.
        const list = this.pending.get(a.id) ?? [];
        list.push({
          target: t.target,
          ...(t.facts?.collectedAt ? { collectedAt: t.facts.collectedAt } : {}),
          parts: this.parts(a, t),
        });
        this.pending.set(a.id, list);
        continue;
      }
      this.rows.get(a.id)!.push(this.judgeAction(a, t, scope));
    }
  }

  private base(a: DirectiveAction, target: string, collectedAt?: string) {
    return { actionId: a.id, target, ...(collectedAt ? { collectedAt } : {}) };
  }

  private judgeAction(a: DirectiveAction, t: TargetResult, scope: DirectiveScope): ActionRow {
    const collectedAt = t.facts?.collectedAt;
    const none = { facts: [], kevDue: [] };
    if (scope.scope === 'out of scope')
      return {
        ...this.base(a, t.target, collectedAt),
        status: 'not applicable',
        summary: `Out of scope: ${scope.reason}.`,
        ...none,
        todo: [],
      };
    if (scope.scope === 'not assessed')
      return {
        ...this.base(a, t.target),
        status: 'not assessed',
        summary: `The server was not assessed (${scope.reason}), so whether the directive covers it is not known either.`,
        ...none,
        todo: [`Reach the server and run exaudit again (${text(t.error ?? t.status)}).`],
      };
    const automated = a.evidence.length > 0 || !!a.eligible;
    if (!automated)
      return {
        actionId: a.id,
        target: t.target,
        status: 'needs attestation',
        summary: a.manual ?? 'Attested by the agency.',
        ...none,
        todo: [a.manual ?? 'Attest this action.'],
      };
    if (a.appliesIf) {
      const gate = t.findings.filter((f) => f.checkId === a.appliesIf);
      if (gate.length && gate.every((f) => f.status === 'not_applicable'))
        return {
          ...this.base(a, t.target, collectedAt),
          status: 'not applicable',
          summary: gate.map((f) => f.message).join(' '),
          facts: factsOf(gate),
          todo: [],
          kevDue: [],
        };
    }
    return this.combine(a, t.target, collectedAt, this.parts(a, t));
  }

  private parts(a: DirectiveAction, t: TargetResult): Part[] {
    return [
      ...a.evidence.map((r) => evaluateRule(t, r, this.catalog)),
      ...(a.eligible ? [evaluateEligibility(t, a.eligible, this.asOf, this.catalog)] : []),
    ];
  }

  private combine(a: DirectiveAction, target: string, collectedAt: string | undefined, parts: Part[]): ActionRow {
    let status = worst(parts.map((p) => p.status));
    // A trigger that did not fire (a covering sweep found nothing) is met; elsewhere a manual part still needs attesting.
    const cleanTrigger = a.ioc === 'trigger' && status === 'met';
    if (a.manual && !cleanTrigger && (status === 'met' || status === 'not applicable')) status = 'needs attestation';
    const todo = [...new Set(parts.flatMap((p) => p.todo))];
    if (a.manual && status !== 'met') todo.push(a.manual);
    const failing = parts.filter((p) => p.status === 'not met').flatMap((p) => p.findings);
    return {
      ...this.base(a, target, collectedAt),
      status,
      summary: parts.map((p) => p.summary).join(' '),
      facts: mergeFacts(parts.flatMap((p) => p.facts)),
      todo,
      kevDue: kevDue(failing, this.catalog),
    };
  }

  /** The indicator actions (now that the sweep is known), what remains, and the notes. */
  finish(ioc: IocSection | undefined, judgedWith?: { catalogVersion: string }): DirectiveResult {
    const d = this.directive;
    const view: SweepView = { ...(ioc ? { ioc } : {}), servers: this.targets.map((t) => t.target) };
    const order = new Map(this.targets.map((t, i) => [t.target, i]));
    for (const a of d.actions.filter(isIocAction)) {
      const list = this.rows.get(a.id)!;
      for (const p of this.pending.get(a.id) ?? [])
        list.push(this.combine(a, p.target, p.collectedAt, [...p.parts, evaluateIoc(view, p.target, a.ioc!)]));
      list.sort((x, y) => order.get(x.target)! - order.get(y.target)!);
    }
    const rows = d.actions.flatMap((a) => this.rows.get(a.id)!);
    const notes: string[] = [];
    if (!d.verified)
      notes.push(
        `The required actions of ${d.id.toUpperCase().replace('-', ' ')} come from secondary reporting; the directive's own text could not be read in full. Check them against CISA's page before filing.`,
      );
    if (judgedWith && judgedWith.catalogVersion !== this.catalog.meta.version)
      notes.push(
        `Directive CVE lists were resolved with catalog ${this.catalog.meta.version}; the findings were judged with catalog ${judgedWith.catalogVersion}.`,
      );
    const out = this.targets.filter((t) => t.scope.scope === 'out of scope');
    if (out.length)
      notes.push(
        `${out.length} target${out.length === 1 ? ' is' : 's are'} not on-premises Exchange (${out.map((t) => t.target).join(', ')}): the directive does not cover ${out.length === 1 ? 'it' : 'them'}, and no action is judged there.`,
      );
    const unattributed = ioc ? ioc.hits.filter((h) => hitServer(h, view.servers) === undefined).length : 0;
    if (unattributed)
      notes.push(
        `${unattributed} indicator hit${unattributed === 1 ? ' was' : 's were'} found in files not attributed to any server (exaudit ioc without --target): no server is cleared by the sweep until they are attributed.`,
      );
    if (this.unverifiedFindings)
      notes.push(`${this.unverifiedFindings} finding(s) rest on catalog facts marked unverified (see rules/).`);
    return {
      id: d.id,
      title: d.title,
      issued: d.issued,
      source: d.source,
      verified: d.verified,
      scope: d.scope,
      asOf: this.asOf,
      catalogVersion: this.catalog.meta.version,
      actions: d.actions.map((a) => ({
        id: a.id,
        ref: a.ref,
        title: a.title,
        requires: a.requires,
        ...(a.due ? { due: a.due } : {}),
        ...(a.dueText ? { dueText: a.dueText } : {}),
        ...(a.manual ? { manual: a.manual } : {}),
        ...(a.note ? { note: a.note } : {}),
        evidencedBy: [
          ...a.evidence.map((e) => e.check),
          ...(a.eligible ? [`CU eligible for ${a.eligible.update}`] : []),
          ...(a.ioc ? ['exaudit ioc sweep'] : []),
        ],
      })),
      servers: this.targets.map((t) => t.scope),
      rows,
      remaining: remainingWork(d, rows, this.asOf),
      notes,
    };
  }
}

/** What is left to do: rows that are not met (or not known to be), grouped where servers share the same to-do. */
export function remainingWork(d: Pick<Directive, 'actions'>, rows: ActionRow[], asOf: string): RemainingWork[] {
  const due = new Map(d.actions.map((a) => [a.id, a.due]));
  const groups = new Map<string, RemainingWork>();
  for (const row of rows) {
    if (row.status === 'met' || row.status === 'not applicable') continue;
    // The directive's own date first; KEV due dates where the directive sets none (BOD 22-01).
    const kev = row.kevDue
      .map((k) => k.due)
      .filter((x): x is string => !!x)
      .sort();
    const by = due.get(row.actionId) ?? kev[0];
    const key = JSON.stringify([row.actionId, row.status, row.todo, by]);
    const had = groups.get(key);
    if (had) {
      had.targets.push(row.target);
      for (const k of row.kevDue) if (!had.kevDue.some((x) => x.cve === k.cve)) had.kevDue.push(k);
      continue;
    }
    groups.set(key, {
      actionIds: [row.actionId],
      status: row.status,
      targets: [row.target],
      todo: row.todo,
      kevDue: [...row.kevDue],
      ...(by ? { by } : {}),
      overdue: !!by && by < asOf,
    });
  }
  // A server that is not known (or needs the same thing) for several actions is one line: the actions listed, the
  // earliest date kept.
  const merged = new Map<string, RemainingWork>();
  for (const g of groups.values()) {
    const key = JSON.stringify([g.status, g.todo, g.targets]);
    const had = merged.get(key);
    if (!had) {
      merged.set(key, g);
      continue;
    }
    had.actionIds.push(...g.actionIds);
    for (const k of g.kevDue) if (!had.kevDue.some((x) => x.cve === k.cve)) had.kevDue.push(k);
    if (g.by && (!had.by || g.by < had.by)) {
      had.by = g.by;
      had.overdue = g.overdue;
    }
  }
  return [...merged.values()].sort(
    (a, b) =>
      ACTION_STATUSES.indexOf(a.status) - ACTION_STATUSES.indexOf(b.status) ||
      (a.by ?? '9999').localeCompare(b.by ?? '9999'),
  );
}

/** Judges directives over a whole document (a saved result that `report` renders again, or a test's). */
export function judgeDirectives(
  doc: { targets: TargetResult[]; ioc?: IocSection | undefined; catalog: { version: string } },
  directives: Directive[],
  catalog: Catalog,
  asOf: string,
): DirectiveResult[] {
  return directives.map((d) => {
    const judge = new DirectiveJudge(d, catalog, asOf);
    for (const t of doc.targets) judge.add(t);
    return judge.finish(doc.ioc, { catalogVersion: doc.catalog.version });
  });
}
