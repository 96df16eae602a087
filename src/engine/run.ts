/**
 * Runs checks over facts and builds the result document. Pure apart from the clock readings passed in
 * (startedAt/finishedAt come from the caller), so the same facts give the same findings and fingerprints.
 */
import type { Facts } from '../facts/schema.js';
import { factAt, OUTSIDE_THE_SERVER } from '../facts/path.js';
import type { Catalog } from '../catalog/catalog.js';
import { catalogStamp } from '../catalog/age.js';
import { buildInfoFromFacts, currentUpdate } from '../catalog/lookup.js';
import type {
  Check,
  CheckContext,
  CollectedTarget,
  Finding,
  ResultDocument,
  Summary,
  TargetResult,
} from '../contract.js';
import { RESULT_SCHEMA_ID, RESULT_SCHEMA_VERSION, SEVERITY_ORDER, STATUS_ORDER } from '../contract/check.js';
import { TOOL_VERSION } from '../util/tool.js';
import { sha256 } from '../util/hash.js';
import { errorMessage } from '../util/errors.js';

export interface AssessOptions {
  catalog: Catalog;
  checks: Check[];
  command: string;
  startedAt: string;
  finishedAt?: string;
  asOf: string;
  argv?: string[];
  options?: Record<string, unknown>;
}

/** Stable JSON: keys sorted, so digests and fingerprints do not depend on key order. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`)
    .join(',')}}`;
}

export { sha256 };

/** Identity of a finding across runs: check, target, code and key; never the build or a time. */
export function fingerprint(checkId: string, target: string, code: string, key = ''): string {
  return sha256([checkId, target.toLowerCase(), code, key].join('|')).slice(0, 32);
}

/** A check's references without repeats, worked out once per check (a scan judges every check per target). */
const uniqueRefs = new WeakMap<Check, string[]>();
function referencesOf(check: Check, extra: string[] | undefined): string[] {
  let refs = uniqueRefs.get(check);
  if (!refs) uniqueRefs.set(check, (refs = [...new Set(check.meta.references)]));
  return extra?.length ? [...new Set([...refs, ...extra])] : refs.slice();
}

export function runChecks(facts: Facts, catalog: Catalog, checks: Check[], ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  const target = facts.target.name;
  for (const check of checks) {
    const { meta } = check;
    const missing = meta.requires.filter((p) => factAt(facts, p) === undefined);
    // Keys in one order for every finding: checkId, title, references, then the rest (as the document has them).
    if (missing.length) {
      findings.push({
        checkId: meta.id,
        title: meta.title,
        references: [...meta.references],
        status: 'indeterminate',
        severity: meta.severity,
        code: 'missing-facts',
        message: `Not assessed: the facts lack ${missing.join(', ')}.`,
        cves: [],
        evidence: missing.map((fact) => ({ fact, observed: null, expected: 'collected' })),
        remediation: `Collect ${missing.join(', ')} (exaudit audit --ssh/--local, or the collector script) and run again.`,
        fingerprint: fingerprint(meta.id, target, 'missing-facts'),
      });
      continue;
    }
    try {
      for (const r of check.evaluate(facts, catalog, ctx)) {
        findings.push({
          checkId: meta.id,
          title: r.title ?? meta.title,
          references: referencesOf(check, r.references),
          status: r.status,
          severity: r.severity ?? meta.severity,
          code: r.code,
          message: r.message,
          cves: r.cves ?? [],
          evidence: r.evidence ?? [],
          remediation: r.remediation ?? null,
          fingerprint: fingerprint(meta.id, target, r.code, r.key ?? ''),
        });
      }
    } catch (err) {
      findings.push({
        checkId: meta.id,
        title: meta.title,
        references: [...meta.references],
        status: 'error',
        severity: meta.severity,
        code: 'check-error',
        message: `The check failed: ${errorMessage(err)}`,
        cves: [],
        evidence: [],
        remediation: 'Report this as an exaudit bug with the facts file; the other checks and targets were assessed.',
        fingerprint: fingerprint(meta.id, target, 'check-error'),
      });
    }
  }
  return sortFindings(findings);
}

/** Titles in natural order ("CVE-2021-2" before "CVE-2021-10"); one collator, not one per comparison. */
const TITLE_ORDER = new Intl.Collator('en', { numeric: true });
/** What String#localeCompare does with no arguments (ECMA-402: a default Intl.Collator), made once. */
const DEFAULT_ORDER = new Intl.Collator();
const STATUS_RANK = new Map(STATUS_ORDER.map((s, i) => [s, i]));
const SEVERITY_RANK = new Map(SEVERITY_ORDER.map((s, i) => [s, i]));
/** Array#indexOf's answer for a value not in the list. */
const rank = (m: Map<string, number>, k: string) => m.get(k) ?? -1;

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      rank(STATUS_RANK, a.status) - rank(STATUS_RANK, b.status) ||
      rank(SEVERITY_RANK, a.severity) - rank(SEVERITY_RANK, b.severity) ||
      DEFAULT_ORDER.compare(a.checkId, b.checkId) ||
      DEFAULT_ORDER.compare(a.code, b.code) ||
      TITLE_ORDER.compare(a.title, b.title) ||
      DEFAULT_ORDER.compare(a.fingerprint, b.fingerprint),
  );
}

export function assessTarget(
  t: CollectedTarget,
  opts: Pick<AssessOptions, 'catalog' | 'checks' | 'asOf'>,
): TargetResult {
  if (t.failure || !t.facts) {
    return {
      target: t.target,
      status: t.failure?.status ?? 'error',
      error: t.failure?.error ?? 'no facts were collected',
      findings: [],
    };
  }
  const findings = runChecks(t.facts, opts.catalog, opts.checks, { asOf: opts.asOf });
  const partial =
    (t.facts.collectors ?? []).some((c) => (c.errors ?? []).length > 0) ||
    (t.facts.notCollected ?? []).some((n) => !OUTSIDE_THE_SERVER.has(n.group));
  const update = updateFor(t.facts, opts.catalog, opts.asOf);
  return {
    target: t.target,
    status: partial ? 'partial' : 'assessed',
    factsDigest: sha256(stableStringify(t.facts)),
    facts: t.facts,
    findings,
    ...(update ? { update } : {}),
  };
}

/** The one update that brings the server current, so every view can name it without the catalog. */
export function updateFor(facts: Facts, catalog: Catalog, asOf: string): TargetResult['update'] {
  const info = buildInfoFromFacts(catalog, facts, asOf);
  return info ? currentUpdate(catalog, info) : undefined;
}

/**
 * A saved result from before the update was recorded: each server's update from its facts, when the catalog is the
 * one its findings were judged with (so the two agree). Recorded updates are kept.
 */
export function withUpdates(doc: ResultDocument, catalog: Catalog, asOf: string): ResultDocument {
  if (doc.catalog.version !== catalog.meta.version) return doc;
  const targets = doc.targets.map((t) => {
    if (t.update || !t.facts) return t;
    const update = updateFor(t.facts, catalog, asOf);
    return update ? { ...t, update } : t;
  });
  return { ...doc, targets };
}

/** Summary counts kept as targets pass, so a streamed run needs no document to count them. */
export class SummaryCounter {
  readonly summary: Summary = { targets: 0, targetsByStatus: {}, findings: 0, byStatus: {}, bySeverity: {}, waived: 0 };

  add(t: TargetResult): void {
    const s = this.summary;
    s.targets++;
    bump(s.targetsByStatus, t.status);
    for (const f of t.findings) {
      s.findings++;
      bump(s.byStatus, f.status);
      if (f.status === 'fail' && !f.waived) bump(s.bySeverity, f.severity);
      if (f.waived) s.waived++;
    }
  }
}

const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

export function summarize(targets: TargetResult[]): Summary {
  const counter = new SummaryCounter();
  for (const t of targets) counter.add(t);
  return counter.summary;
}

/** The document's fields before its targets: what a streamed JSON document writes first. */
export function resultHeader(
  opts: Omit<AssessOptions, 'checks'>,
): Omit<ResultDocument, 'targets' | 'summary' | 'finishedAt'> {
  return {
    $schema: RESULT_SCHEMA_ID,
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'exaudit', version: TOOL_VERSION },
    catalog: catalogStamp(opts.catalog, opts.asOf),
    command: opts.command,
    ...(opts.argv ? { argv: opts.argv } : {}),
    startedAt: opts.startedAt,
    ...(opts.options ? { options: opts.options } : {}),
  };
}

/**
 * Judges every collected target at once into a document (tests and small in-memory uses; the commands run the
 * streaming pipeline in pipeline.ts, which gives the same document). Targets keep input order.
 */
export function assess(collected: CollectedTarget[], opts: AssessOptions): ResultDocument {
  const targets = collected.map((t) => assessTarget(t, opts));
  return { ...resultHeader(opts), finishedAt: opts.finishedAt ?? opts.startedAt, targets, summary: summarize(targets) };
}
