/**
 * The result document (DESIGN.md §6): what every command produces and every renderer reads.
 * Published as reports/schema/result.schema.json (generated from this zod schema; a test keeps it current).
 */
import { z } from 'zod';
import { Facts } from '../facts/schema.js';

export const RESULT_SCHEMA_VERSION = '1.0';
export const RESULT_SCHEMA_ID = 'https://exaudit.dev/schema/result.schema.json';

export const Status = z.enum(['fail', 'mitigated', 'pass', 'indeterminate', 'not_applicable', 'error']);
export type Status = z.infer<typeof Status>;

export const Severity = z.enum(['critical', 'high', 'medium', 'low', 'info']);
export type Severity = z.infer<typeof Severity>;

/** Most severe first: used for sorting and --fail-on thresholds. */
export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
/** Worst first, for "worst first" console ordering. */
export const STATUS_ORDER: readonly Status[] = [
  'error',
  'fail',
  'indeterminate',
  'mitigated',
  'pass',
  'not_applicable',
];

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

export const TargetResult = z.object({
  target: z.string(),
  status: TargetStatus,
  error: z.string().optional(),
  factsDigest: z.string().optional().describe('sha256 of the canonical facts JSON'),
  facts: Facts.optional(),
  findings: z.array(Finding),
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
});
export type IocHit = z.infer<typeof IocHit>;

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
    summary: Summary,
  })
  .meta({ id: 'ExauditResult', title: 'exaudit result document' });
export type ResultDocument = z.infer<typeof ResultDocument>;
