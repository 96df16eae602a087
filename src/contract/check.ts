/**
 * The part of the contract that runs on every judged target, without zod: the check definition, the orders findings
 * sort by, the result document's identity and the directive statuses. src/contract.ts re-exports all of it with the
 * zod schemas; checks and the engine's judging import it from here, so a scan does not load zod (95 modules, about
 * 50 ms of start-up) to judge. Check metadata is validated by the loader (src/engine/loader.ts).
 */
import type { Check, CheckMeta, CheckMetaInput, IocHit, Severity, Status } from '../contract.js';
import { SEVERITIES } from '../util/levels.js';

export type { Check, CheckContext, CheckMeta, CheckMetaInput, CheckResult } from '../contract.js';

export const RESULT_SCHEMA_VERSION = '1.0';
export const RESULT_SCHEMA_ID = 'https://exaudit.dev/schema/result.schema.json';

/** Most severe first: used for sorting and --fail-on thresholds. */
export const SEVERITY_ORDER: readonly Severity[] = SEVERITIES;
/** Worst first, for "worst first" console ordering. */
export const STATUS_ORDER: readonly Status[] = [
  'error',
  'fail',
  'indeterminate',
  'mitigated',
  'pass',
  'not_applicable',
];

/** Worst first. "action required": indicators were found, so the action applies; "needs evidence": nothing shows it. */
export const ACTION_STATUSES = [
  'not met',
  'action required',
  'waived',
  'not assessed',
  'needs evidence',
  'indeterminate',
  'mitigated (interim)',
  'needs attestation',
  'met',
  'not applicable',
] as const;

/**
 * The server a hit was found on: its `target`, else a remote sweep's "server:path" file name; a local path's hit
 * without --target names none.
 */
export function hitServer(h: Pick<IocHit, 'file' | 'target'>, servers: string[]): string | undefined {
  return h.target ?? servers.find((s) => h.file.startsWith(`${s}:`));
}

/**
 * A check: its metadata with the lists it may leave out, as the CheckMeta schema's defaults fill them. The loader
 * validates the metadata against that schema (or against the build's record of it, src/engine/loader.ts).
 */
export function defineCheck(def: { meta: CheckMetaInput; evaluate: Check['evaluate'] }): Check {
  const meta = {
    ...def.meta,
    advisories: def.meta.advisories ?? [],
    directives: def.meta.directives ?? [],
    references: def.meta.references ?? [],
  } as CheckMeta;
  return { meta, evaluate: def.evaluate };
}
