/**
 * Directive definitions (rules/directives/*.yaml) and each required action's status per server.
 *
 * An action is evidenced by findings of named checks (optionally narrowed to CVEs, to the CVEs of catalog
 * updates, or to KEV-listed CVEs), by the server's CU being one the directive allows, by an IOC sweep, or
 * only by the agency's attestation. A status is never better than its evidence: a check that did not run
 * means "not assessed", a waived failure stays "waived", an action with a manual part is at best
 * "needs attestation".
 */
import { hitServer, type Finding, type ResultDocument, type TargetResult } from '../src/contract.js';
import type { Catalog } from '../src/catalog/catalog.js';
import type { Directive, DirectiveAction, EvidenceRule } from '../src/catalog/schema.js';
import { buildInfoFromFacts } from '../src/catalog/lookup.js';
import { clean } from './text.js';
import { valueText } from '../src/util/text.js';

// Directive definitions load and validate with the catalog (src/catalog/); this module judges them.
export type { Directive, DirectiveAction, EvidenceRule } from '../src/catalog/schema.js';

export const ACTION_STATUSES = [
  'not met',
  'action required',
  'waived',
  'not assessed',
  'indeterminate',
  'mitigated (interim)',
  'needs attestation',
  'met',
  'not applicable',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];
const worst = (list: ActionStatus[]): ActionStatus =>
  list.reduce((a, b) => (ACTION_STATUSES.indexOf(b) < ACTION_STATUSES.indexOf(a) ? b : a), 'not applicable');

/** One fact behind a status, with where it came from. */
export interface EvidenceFact {
  fact: string;
  observed: string;
  expected?: string;
  source?: string;
}

export interface ActionRow {
  actionId: string;
  ref: string;
  action: string;
  due?: string;
  dueText?: string;
  target: string;
  status: ActionStatus;
  /** What the status rests on, in words. */
  summary: string;
  facts: EvidenceFact[];
  collectedAt?: string;
  /** What is left to do for this server, when anything is. */
  todo: string[];
  /** KEV due dates of the open CVEs behind a not-met row. */
  kevDue: { cve: string; due: string | null }[];
}

interface Part {
  status: ActionStatus;
  summary: string;
  facts: EvidenceFact[];
  todo: string[];
  findings: Finding[];
}

const text = (v: unknown): string => valueText(v);

function factsOf(findings: Finding[]): EvidenceFact[] {
  const seen = new Set<string>();
  const out: EvidenceFact[] = [];
  for (const f of findings) {
    for (const e of f.evidence) {
      const item: EvidenceFact = {
        fact: e.fact,
        observed: clean(text(e.observed)),
        ...(e.expected !== undefined ? { expected: clean(text(e.expected)) } : {}),
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
      observed: ex.build ?? `Exchange ${ex.product}`,
      source: `${ex.source ?? 'unknown source'} (precision ${ex.precision})`,
    },
  ];
}

function updateIdsOf(f: Finding): string[] {
  return f.evidence
    .filter((e) => e.fact === 'catalog.updates' && typeof e.observed === 'string')
    .map((e) => e.observed as string);
}

function cveSetFor(rule: EvidenceRule, catalog?: Catalog): Set<string> | undefined | 'no-catalog' {
  if (!('cves' in rule) && !('updates' in rule) && !('kev' in rule)) return undefined;
  const r = rule as { cves?: string[]; updates?: string[]; kev?: boolean };
  const set = new Set(r.cves ?? []);
  if (r.updates?.length || r.kev) {
    if (!catalog) return 'no-catalog';
    for (const u of r.updates ?? []) for (const c of catalog.update(u)?.cves ?? []) set.add(c);
    if (r.kev) for (const c of catalog.cves) if (c.kev) set.add(c.id);
  }
  return set;
}

function evaluateRule(t: TargetResult, rule: EvidenceRule, catalog?: Catalog): Part {
  const r = rule as { check: string; cves?: string[]; updates?: string[]; kev?: boolean; codes?: string[] };
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
  const cves = cveSetFor(rule, catalog);
  if (cves === 'no-catalog')
    return {
      status: 'indeterminate',
      summary: `${labelBase}: resolving the CVE list needs the rules catalog.`,
      facts: [],
      todo: ['Render the report with exaudit (it loads the catalog).'],
      findings: [],
    };
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
  const msgs = (fs: Finding[]) =>
    fs
      .slice(0, 4)
      .map((f) => f.message)
      .join(' ') + (fs.length > 4 ? ` (and ${fs.length - 4} more)` : '');
  const todo = [
    ...new Set(
      shown
        .filter((f) => f.status !== 'pass' && f.status !== 'not_applicable')
        .map((f) => f.remediation)
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
  catalog?: Catalog,
): Part {
  const allowed = Object.entries(e.cus)
    .map(([p, cus]) => `${p === 'SE' ? 'Exchange SE' : `Exchange ${p}`} ${cus.includes('*') ? '(any)' : cus.join('/')}`)
    .join(', ');
  const none = (status: ActionStatus, summary: string, todo: string[] = []): Part => ({
    status,
    summary,
    facts: buildFact(t),
    todo,
    findings: [],
  });
  if (!t.facts) return none('not assessed', 'No facts were collected.');
  if (!catalog) return none('indeterminate', 'Resolving the CU needs the rules catalog.');
  const info = buildInfoFromFacts(catalog, t.facts, asOf);
  if (!info)
    return none('indeterminate', 'The Exchange build is not known, so the CU is not either.', [
      'Collect the ExSetup.exe file version (exaudit audit).',
    ]);
  const facts = [...buildFact(t), { fact: 'exchange.cu', observed: info.name, source: 'rules/builds.json' }];
  const cus = e.cus[info.product];
  if (!cus)
    return {
      status: 'not met',
      summary: `${info.productName} cannot take ${e.update} (eligible: ${allowed}).`,
      facts,
      todo: [`Move to a version that can take ${e.update} (${allowed}), or disconnect the server.`],
      findings: [],
    };
  if (cus.includes('*'))
    return {
      status: 'met',
      summary: `${info.productName} is eligible for ${e.update}.`,
      facts,
      todo: [],
      findings: [],
    };
  if (!info.cu)
    return {
      status: 'indeterminate',
      summary: `${info.productName}: the CU is not known (eligible: ${allowed}).`,
      facts,
      todo: ['Collect the exact build (exaudit audit).'],
      findings: [],
    };
  return cus.includes(info.cu)
    ? {
        status: 'met',
        summary: `${info.productName} ${info.cu} is eligible for ${e.update}.`,
        facts,
        todo: [],
        findings: [],
      }
    : {
        status: 'not met',
        summary: `${info.productName} ${info.cu} cannot take ${e.update} (eligible: ${allowed}).`,
        facts,
        todo: [`Install ${info.productName} ${cus.at(-1)} and ${e.update} or later, or disconnect the server.`],
        findings: [],
      };
}

function evaluateIoc(doc: ResultDocument, t: TargetResult, kind: 'sweep' | 'trigger'): Part {
  if (!doc.ioc)
    return {
      status: 'needs attestation',
      summary: 'No indicator sweep is part of this result (run exaudit ioc and join it with report --merge).',
      facts: [],
      todo: [],
      findings: [],
    };
  const servers = doc.targets.map((x) => x.target);
  const hits = doc.ioc.hits.filter((h) => {
    const s = hitServer(h, servers);
    return s === undefined || s === t.target;
  });
  const s = doc.ioc.summary;
  const swept: EvidenceFact = {
    fact: 'ioc.sweep',
    observed: `${s.files} files, ${s.lines} lines, ${s.hits} hits${s.unreadable?.length ? `, ${s.unreadable.length} unreadable` : ''}`,
    source: 'exaudit ioc',
  };
  if (!hits.length)
    return {
      status: 'met',
      summary: `exaudit ioc found no indicator (${swept.observed}).`,
      facts: [swept],
      todo: [],
      findings: [],
    };
  const facts = [
    swept,
    ...hits.slice(0, 5).map((h) => ({
      fact: `ioc.${h.indicator}`,
      observed: `${h.file}:${h.line}${h.timestamp ? ` at ${h.timestamp}` : ''}`,
      source: h.advisory,
    })),
  ];
  const summary = `exaudit ioc found ${hits.length} indicator hit${hits.length === 1 ? '' : 's'} (${[...new Set(hits.map((h) => h.advisory))].join(', ')})${hits.some((h) => !hitServer(h, servers)) ? '; hits from local paths are not attributed to one server' : ''}.`;
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

function kevDue(findings: Finding[], catalog?: Catalog): ActionRow['kevDue'] {
  if (!catalog) return [];
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

export interface StatusOptions {
  catalog?: Catalog;
  asOf?: string;
}

export function directiveStatus(doc: ResultDocument, d: Directive, opts: StatusOptions = {}): ActionRow[] {
  const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
  const rows: ActionRow[] = [];
  for (const a of d.actions) {
    for (const t of doc.targets) {
      const base = {
        actionId: a.id,
        ref: a.ref,
        action: a.title,
        ...(a.due ? { due: a.due } : {}),
        ...(a.dueText ? { dueText: a.dueText } : {}),
        target: t.target,
        ...(t.facts?.collectedAt ? { collectedAt: t.facts.collectedAt } : {}),
      };
      const automated = a.evidence.length > 0 || !!a.eligible || !!a.ioc;
      if (!automated) {
        const { collectedAt: _c, ...plain } = base;
        rows.push({
          ...plain,
          status: 'needs attestation',
          summary: a.manual ?? 'Attested by the agency.',
          facts: [],
          todo: [a.manual ?? 'Attest this action.'],
          kevDue: [],
        });
        continue;
      }
      if (t.status === 'unreachable' || t.status === 'error') {
        rows.push({
          ...base,
          status: 'not assessed',
          summary: `The server was not assessed: ${t.error ?? t.status}.`,
          facts: [],
          todo: [`Reach the server and run exaudit again (${t.error ?? t.status}).`],
          kevDue: [],
        });
        continue;
      }
      if (a.appliesIf) {
        const gate = t.findings.filter((f) => f.checkId === a.appliesIf);
        if (gate.length && gate.every((f) => f.status === 'not_applicable')) {
          rows.push({
            ...base,
            status: 'not applicable',
            summary: gate.map((f) => f.message).join(' '),
            facts: factsOf(gate),
            todo: [],
            kevDue: [],
          });
          continue;
        }
      }
      const parts: Part[] = [
        ...a.evidence.map((r) => evaluateRule(t, r, opts.catalog)),
        ...(a.eligible ? [evaluateEligibility(t, a.eligible, asOf, opts.catalog)] : []),
        ...(a.ioc ? [evaluateIoc(doc, t, a.ioc)] : []),
      ];
      let status = worst(parts.map((p) => p.status));
      if (a.manual && (status === 'met' || status === 'not applicable')) status = 'needs attestation';
      const todo = [...new Set(parts.flatMap((p) => p.todo))];
      if (a.manual && status !== 'met') todo.push(a.manual);
      const failing = parts.filter((p) => p.status === 'not met').flatMap((p) => p.findings);
      rows.push({
        ...base,
        status,
        summary: parts.map((p) => p.summary).join(' '),
        facts: mergeFacts(parts.flatMap((p) => p.facts)),
        todo,
        kevDue: kevDue(failing, opts.catalog),
      });
    }
  }
  return rows;
}

/** What is left to do: rows that are not met (or not known to be), grouped where servers share the same to-do. */
export interface Remaining {
  row: ActionRow;
  targets: string[];
  by?: string;
  overdue: boolean;
}

export function remainingWork(rows: ActionRow[], asOf: string): Remaining[] {
  const groups = new Map<string, Remaining>();
  for (const row of rows) {
    if (row.status === 'met' || row.status === 'not applicable') continue;
    const key = JSON.stringify([row.actionId, row.status, row.todo, row.kevDue]);
    const had = groups.get(key);
    if (had) {
      had.targets.push(row.target);
      continue;
    }
    // The directive's own date first; KEV due dates where the directive sets none (BOD 22-01).
    const kev = row.kevDue
      .map((k) => k.due)
      .filter((x): x is string => !!x)
      .sort();
    const by = row.due ?? kev[0];
    groups.set(key, { row, targets: [row.target], ...(by ? { by } : {}), overdue: !!by && by < asOf });
  }
  return [...groups.values()].sort(
    (a, b) =>
      ACTION_STATUSES.indexOf(a.row.status) - ACTION_STATUSES.indexOf(b.row.status) ||
      (a.by ?? '9999').localeCompare(b.by ?? '9999'),
  );
}
