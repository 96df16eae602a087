/**
 * The check contract (DESIGN.md §4). A check is a pure synchronous function of (facts, catalog):
 * no I/O, no clock, no network. `defineCheck` validates metadata at load so a bad check fails early.
 */
import { z } from 'zod';
import type { Facts } from '../facts/schema.js';
import type { Catalog } from '../catalog/catalog.js';
import { Severity, Status, type Evidence } from './result.js';

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

export function defineCheck(def: { meta: CheckMetaInput; evaluate: Check['evaluate'] }): Check {
  return { meta: CheckMeta.parse(def.meta), evaluate: def.evaluate };
}
