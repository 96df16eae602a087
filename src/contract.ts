/**
 * The contract every layer shares (DESIGN.md §1): what a check is and returns, what a collector hands over for
 * one target, the finding, the IOC hit and the result document every command produces and every renderer reads.
 * A leaf: it imports only the facts schema (and the catalog's type, for the check signature), so collectors,
 * checks, the IOC sweep and renderers depend on it rather than on the engine.
 * The result document is published as reports/schema/result.schema.json (generated from these zod schemas).
 * What judging needs at run time without zod (defineCheck, the orders, the document's ids) is in
 * src/contract/check.ts and re-exported here.
 */
import { z } from 'zod';
import { Facts } from './facts/schema.js';
import type { Catalog } from './catalog/catalog.js';
import { SEVERITIES, STATUSES } from './util/levels.js';
import { ACTION_STATUSES, RESULT_SCHEMA_VERSION } from './contract/check.js';

// The zod-free part (check definition, orders, ids), shared with the judging path that must not load zod.
export {
  ACTION_STATUSES,
  defineCheck,
  hitServer,
  RESULT_SCHEMA_ID,
  RESULT_SCHEMA_VERSION,
  SEVERITY_ORDER,
  STATUS_ORDER,
} from './contract/check.js';

export const Status = z.enum(STATUSES);
export type Status = z.infer<typeof Status>;

export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

export const Evidence = z.object({
  fact: z.string().describe('Dotted fact path or a short name of what was looked at'),
  observed: z.unknown().optional(),
  expected: z.unknown().optional(),
  source: z.string().optional().describe('Where the observed value came from'),
});
export type Evidence = z.infer<typeof Evidence>;

export const Finding = z.object({
  checkId: z.string(),
  status: Status,
  severity: Severity,
  code: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'codes are kebab-case'),
  title: z.string(),
  message: z.string(),
  cves: z.array(z.string()),
  evidence: z.array(Evidence),
  remediation: z.string().nullable().describe('What to do (the KB or action); null when nothing is to be done'),
  references: z.array(z.string()),
  fingerprint: z.string(),
  waived: z.object({ reason: z.string(), owner: z.string().optional(), expires: z.string().optional() }).optional(),
});
export type Finding = z.infer<typeof Finding>;

export const TargetStatus = z.enum(['assessed', 'partial', 'unreachable', 'error']);
export type TargetStatus = z.infer<typeof TargetStatus>;

/**
 * The one update that brings a server current (the latest build of its CU, or of the newest CU when its own gets no
 * more updates), judged by the engine from the catalog so every view can name it without the catalog.
 */
export const CurrentUpdate = z.object({
  name: z.string().describe('The build\'s name in the catalog, e.g. "Exchange 2019 CU15 Sep26SUv2"'),
  build: z.string(),
  kb: z.string().optional(),
  esuOnly: z.boolean().optional().describe('Distributed only to Extended Security Update customers'),
  newCu: z.boolean().describe("The server's CU gets no more updates: this is a newer CU's latest build"),
  closes: z.array(z.string()).describe('Open CVEs (by build) that installing it closes'),
  kev: z.array(z.string()).describe('Of those, the KEV-listed ones'),
  unknown: z
    .number()
    .int()
    .nonnegative()
    .describe('CVEs indeterminate at this precision (the SU level is unknown) that it would settle'),
});
export type CurrentUpdate = z.infer<typeof CurrentUpdate>;

export const TargetResult = z.object({
  target: z.string(),
  status: TargetStatus,
  error: z.string().optional(),
  factsDigest: z.string().optional().describe('sha256 of the canonical facts JSON'),
  facts: Facts.optional(),
  findings: z.array(Finding),
  update: CurrentUpdate.optional().describe(
    'The one update to install; absent when the server is current, out of scope or its build unknown',
  ),
});
export type TargetResult = z.infer<typeof TargetResult>;

const Counts = z.record(z.string(), z.number().int().nonnegative());

export const Summary = z.object({
  targets: z.number().int().nonnegative(),
  targetsByStatus: Counts,
  findings: z.number().int().nonnegative(),
  byStatus: Counts,
  bySeverity: Counts.describe('Severity counts of fail findings only'),
  waived: z.number().int().nonnegative(),
});
export type Summary = z.infer<typeof Summary>;

export const IocHit = z.object({
  indicator: z.string(),
  advisory: z.string(),
  severity: Severity,
  file: z.string(),
  line: z.number().int().nonnegative(),
  timestamp: z.string().optional(),
  clientIp: z.string().optional(),
  excerpt: z.string(),
  target: z
    .string()
    .optional()
    .describe(
      'The server the swept files came from (ioc --target, --targets-from-folders, --ssh); absent: unattributed',
    ),
});
export type IocHit = z.infer<typeof IocHit>;

/**
 * One sweep's coverage: which server's files it read (absent: not attributed to a server), from where, and what it
 * read. Directive evidence uses it to tell "swept, nothing found" from "never swept".
 */
export const IocSweep = z.object({
  target: z.string().optional(),
  source: z.enum(['local', 'ssh']),
  paths: z.array(z.string()),
  files: z.number().int().nonnegative(),
  lines: z.number().int().nonnegative(),
  hits: z.number().int().nonnegative(),
  unreadable: z.number().int().nonnegative().optional(),
});
export type IocSweep = z.infer<typeof IocSweep>;

// Directive evidence (DESIGN.md §6): each required action's status per server, judged by the engine
// (src/engine/directives.ts) and stored in the document, so every renderer only renders it.

export const ActionStatus = z.enum(ACTION_STATUSES);
export type ActionStatus = z.infer<typeof ActionStatus>;

/** One fact behind an action's status, with where it came from. */
export const EvidenceFact = z.object({
  fact: z.string(),
  observed: z.string(),
  expected: z.string().optional(),
  source: z.string().optional(),
});
export type EvidenceFact = z.infer<typeof EvidenceFact>;

export const ActionRow = z.object({
  actionId: z.string(),
  target: z.string(),
  status: ActionStatus,
  summary: z.string().describe('What the status rests on, in words'),
  facts: z.array(EvidenceFact),
  collectedAt: z.string().optional(),
  todo: z.array(z.string()).describe('What is left to do for this server, when anything is'),
  kevDue: z
    .array(z.object({ cve: z.string(), due: z.string().nullable() }))
    .describe('KEV due dates of the open CVEs behind a not-met row'),
});
export type ActionRow = z.infer<typeof ActionRow>;

export const DirectiveActionInfo = z.object({
  id: z.string(),
  ref: z.string(),
  title: z.string(),
  requires: z.string(),
  due: z.string().optional(),
  dueText: z.string().optional(),
  manual: z.string().optional().describe('What the agency attests by hand'),
  note: z.string().optional().describe("Limits of exaudit's evidence for this action"),
  evidencedBy: z.array(z.string()).describe('Checks, CU eligibility or the IOC sweep; empty: attestation only'),
});
export type DirectiveActionInfo = z.infer<typeof DirectiveActionInfo>;

/** Whether a server is one the directive covers. */
export const DirectiveScope = z.object({
  target: z.string(),
  scope: z.enum(['in scope', 'out of scope', 'not assessed']),
  reason: z.string(),
});
export type DirectiveScope = z.infer<typeof DirectiveScope>;

/** What is left to do: rows that are not met (or not known to be), grouped where servers share the same to-do. */
export const RemainingWork = z.object({
  actionIds: z
    .array(z.string())
    .describe('The actions this line covers (several when the servers and to-do are the same)'),
  status: ActionStatus,
  targets: z.array(z.string()),
  todo: z.array(z.string()),
  kevDue: ActionRow.shape.kevDue,
  by: z.string().optional().describe("The directive's due date, else the earliest KEV due date"),
  overdue: z.boolean(),
});
export type RemainingWork = z.infer<typeof RemainingWork>;

export const DirectiveResult = z.object({
  id: z.string(),
  title: z.string(),
  issued: z.string(),
  source: z.string(),
  verified: z.boolean().describe("false: the required actions come from secondary reporting, not the directive's text"),
  scope: z.string(),
  asOf: z.string().describe('The date due dates were judged against'),
  catalogVersion: z.string().describe('The catalog that resolved CVE lists, KEV dates and CUs'),
  actions: z.array(DirectiveActionInfo),
  servers: z.array(DirectiveScope),
  rows: z.array(ActionRow),
  remaining: z.array(RemainingWork),
  notes: z.array(z.string()),
});
export type DirectiveResult = z.infer<typeof DirectiveResult>;

export const ResultDocument = z
  .object({
    $schema: z.string().optional(),
    schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
    tool: z.object({ name: z.literal('exaudit'), version: z.string() }),
    catalog: z.object({
      version: z.string(),
      date: z.string().describe("The catalog's date (rules/catalog.yaml)"),
      sha256: z.string().optional(),
      asOf: z.string().optional().describe('Reference date of the run (--as-of, else the day it ran)'),
      ageDays: z
        .number()
        .int()
        .optional()
        .describe('Days from the catalog date to asOf (negative when asOf is earlier); absent in older documents'),
      stale: z
        .boolean()
        .optional()
        .describe('The catalog predates the latest Patch Tuesday before asOf (see README, "Updating the catalog")'),
    }),
    command: z.string().describe('scan, audit, ioc, demo'),
    argv: z.array(z.string()).optional().describe('Redacted command line'),
    startedAt: z.string(),
    finishedAt: z.string(),
    options: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Options that change what was observed, e.g. insecure TLS'),
    targets: z.array(TargetResult),
    ioc: z
      .object({
        summary: z.object({
          files: z.number().int().nonnegative(),
          bytes: z.number().int().nonnegative(),
          lines: z.number().int().nonnegative(),
          malformedLines: z.number().int().nonnegative(),
          hits: z.number().int().nonnegative(),
          unreadable: z.array(z.object({ file: z.string(), error: z.string() })).optional(),
        }),
        hits: z.array(IocHit),
        sweeps: z
          .array(IocSweep)
          .optional()
          .describe('Coverage per swept server; absent in documents from before sweeps were attributed'),
      })
      .optional(),
    waivers: z
      .array(
        z.object({
          fingerprint: z.string().optional(),
          check: z.string().optional(),
          target: z.string().optional(),
          reason: z.string(),
          owner: z.string().optional(),
          expires: z.string().optional(),
          state: z.enum(['applied', 'expired', 'unused']),
        }),
      )
      .optional(),
    directives: z
      .array(DirectiveResult)
      .optional()
      .describe('Directive evidence (--directive): scope, each action per server, what remains'),
    summary: Summary,
  })
  .meta({ id: 'ExauditResult', title: 'exaudit result document' });
export type ResultDocument = z.infer<typeof ResultDocument>;
/** The indicator sweep's part of a result document. */
export type IocSection = NonNullable<ResultDocument['ioc']>;

/** What a collector hands to the engine for one target: facts, or why there are none. */
export interface CollectedTarget {
  target: string;
  facts?: Facts;
  /** unreachable: could not connect; error: connected but the collection failed. */
  failure?: { status: Exclude<TargetStatus, 'assessed' | 'partial'>; error: string };
}

// The check contract (DESIGN.md §4). A check is a pure synchronous function of (facts, catalog): no I/O, no
// clock, no network. The loader validates each check's metadata (CheckMeta) so a bad check fails early.

export const CheckMeta = z.object({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'check ids are kebab-case and equal the file name'),
  title: z.string().min(3),
  description: z.string().optional(),
  severity: Severity.describe('Default severity of a fail'),
  /** Fact paths that must be present; when one is missing the engine answers indeterminate/missing-facts. */
  requires: z.array(z.string()),
  advisories: z.array(z.string()).default([]),
  directives: z.array(z.string()).default([]),
  references: z.array(z.string()).default([]),
});
export type CheckMeta = z.infer<typeof CheckMeta>;
export type CheckMetaInput = z.input<typeof CheckMeta>;

/** What a check returns; the engine adds checkId, title and fingerprint. */
export interface CheckResult {
  status: Status;
  code: string;
  message: string;
  /** Overrides the check's default severity (e.g. from CVSS). */
  severity?: Severity;
  cves?: string[];
  evidence?: Evidence[];
  remediation?: string;
  references?: string[];
  /** Extra identity for the fingerprint when one check yields several results (e.g. the CVE id). */
  key?: string;
  /** Overrides the check title for this result (e.g. "CVE-2021-26855 open"). */
  title?: string;
}

export interface CheckContext {
  /** The run's reference date (YYYY-MM-DD) for lifecycle and due-date judgements; passed in, never read from a clock. */
  asOf: string;
}

export interface Check {
  meta: CheckMeta;
  evaluate(facts: Facts, catalog: Catalog, ctx: CheckContext): CheckResult[];
}
