/**
 * The exit-code policy (DESIGN.md §6), one rule for every command: 1 when an unwaived finding or an indicator hit
 * reaches --fail-on, else 3 when a target could not be assessed, else 0.
 */
import type { IocHit, ResultDocument, Severity, TargetResult } from '../contract.js';
import { SEVERITIES as SEVERITY_ORDER } from '../util/levels.js';
import { EXIT, type ExitCode } from '../util/errors.js';

/**
 * --fail-on: a severity (fail findings at or above it), or a status threshold: "any"/"fail" (any fail),
 * "indeterminate" (fail, error or indeterminate), "mitigated" (those or an interim mitigation), "none".
 */
export const FAIL_ON_VALUES = [...SEVERITY_ORDER, 'any', 'fail', 'indeterminate', 'mitigated', 'none'] as const;
export type FailOn = (typeof FAIL_ON_VALUES)[number];

/** Does this finding or hit count towards --fail-on? */
export function meetsFailOn(status: string, severity: Severity, failOn: FailOn): boolean {
  switch (failOn) {
    case 'none':
      return false;
    case 'mitigated':
      return status === 'fail' || status === 'error' || status === 'indeterminate' || status === 'mitigated';
    case 'indeterminate':
      return status === 'fail' || status === 'error' || status === 'indeterminate';
    case 'any':
    case 'fail':
      return status === 'fail';
    default:
      return status === 'fail' && SEVERITY_ORDER.indexOf(severity) <= SEVERITY_ORDER.indexOf(failOn);
  }
}

/** A server counts as not assessed when it was not reached, its facts failed, or a check on it crashed. */
export function notAssessed(t: Pick<TargetResult, 'status' | 'findings'>): boolean {
  return (
    t.status === 'unreachable' || t.status === 'error' || t.findings.some((f) => !f.waived && f.status === 'error')
  );
}

/** Does this target hold an unwaived finding at or above --fail-on? */
export const targetFails = (t: Pick<TargetResult, 'findings'>, failOn: FailOn): boolean =>
  t.findings.some((f) => !f.waived && meetsFailOn(f.status, f.severity, failOn));

export const hitsFail = (hits: IocHit[], failOn: FailOn): boolean =>
  hits.some((h) => meetsFailOn('fail', h.severity, failOn));

/** The exit code for a finished run: findings win over unassessed targets. */
export function exitCode(failed: boolean, unassessed: boolean): ExitCode {
  return failed ? EXIT.FINDINGS : unassessed ? EXIT.UNASSESSED : EXIT.OK;
}

/** The same rule over a whole document (a saved result that `report` re-judges). */
export function exitCodeFor(doc: ResultDocument, failOn: FailOn): ExitCode {
  return exitCode(
    doc.targets.some((t) => targetFails(t, failOn)) || hitsFail(doc.ioc?.hits ?? [], failOn),
    doc.targets.some(notAssessed),
  );
}
