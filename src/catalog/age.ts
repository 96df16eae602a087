/**
 * How old the catalog is on a reference date, and whether it may miss a Patch Tuesday's updates. Pure: the
 * reference date (`--as-of`, else today) comes from the caller, so checks and renderers never read the clock.
 *
 * Microsoft ships Exchange security updates on Patch Tuesday, the second Tuesday of the month. A catalog is
 * stale when it predates the latest Patch Tuesday by more than a week, or predates it at all once that Tuesday
 * is more than a week past (a week is the time a maintainer has to refresh the catalog after an update).
 */

import { CatalogError, EXIT, type ExitCode } from '../util/errors.js';

const DAY = 86_400_000;
/** Days of grace after a Patch Tuesday. */
export const STALE_AFTER_DAYS = 7;

const utc = (isoDate: string): number => Date.parse(`${isoDate}T00:00:00Z`);
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The second Tuesday of a month (month 0-11), as YYYY-MM-DD. */
export function patchTuesday(year: number, month: number): string {
  const first = new Date(Date.UTC(year, month, 1)).getUTCDay(); // 0 Sunday … 2 Tuesday
  return iso(Date.UTC(year, month, 1 + ((2 - first + 7) % 7) + 7));
}

/** The latest Patch Tuesday on or before a date. */
export function latestPatchTuesday(asOf: string): string {
  const d = new Date(utc(asOf));
  const thisMonth = patchTuesday(d.getUTCFullYear(), d.getUTCMonth());
  if (thisMonth <= asOf) return thisMonth;
  const prev = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
  return patchTuesday(prev.getUTCFullYear(), prev.getUTCMonth());
}

/** Whole days from a to b (negative when b is before a). */
export const daysBetween = (a: string, b: string): number => Math.round((utc(b) - utc(a)) / DAY);

export interface CatalogAge {
  /** The catalog's date (catalog.yaml `date`). */
  date: string;
  /** The reference date the age is counted to. */
  asOf: string;
  /** Days from the catalog's date to asOf; negative when asOf is before the catalog's date. */
  ageDays: number;
  /** The latest Patch Tuesday on or before asOf. */
  patchTuesday: string;
  /** The catalog may miss that Patch Tuesday's updates (see the module comment). */
  stale: boolean;
}

export function catalogAge(date: string, asOf: string): CatalogAge {
  const pt = latestPatchTuesday(asOf);
  const before = daysBetween(date, pt); // how far the catalog predates the Patch Tuesday
  const since = daysBetween(pt, asOf); // how long ago the Patch Tuesday was
  const stale = before > STALE_AFTER_DAYS || (before > 0 && since > STALE_AFTER_DAYS);
  return { date, asOf, ageDays: daysBetween(date, asOf), patchTuesday: pt, stale };
}

/** Where the README explains how to get a newer catalog. */
export const UPDATE_HINT = 'pass --rules DIR with a newer rules/ folder; see the README, "Updating the catalog"';

/** The one-line staleness warning, naming the catalog's date and how to update. */
export function staleWarning(version: string, age: CatalogAge): string {
  return `catalog ${version} is dated ${age.date}, ${age.ageDays} days before ${age.asOf}, and predates the Patch Tuesday of ${age.patchTuesday}: updates released since are not judged (${UPDATE_HINT})`;
}

/** The catalog as the result document records it: identity, date, and its age on the run's reference date. */
export function catalogStamp(
  c: { meta: { version: string; date: string }; sha256: string },
  asOf: string,
): { version: string; date: string; sha256: string; asOf: string; ageDays: number; stale: boolean } {
  const age = catalogAge(c.meta.date, asOf);
  return {
    version: c.meta.version,
    date: c.meta.date,
    sha256: c.sha256,
    asOf: age.asOf,
    ageDays: age.ageDays,
    stale: age.stale,
  };
}

/** --max-catalog-age exceeded: exit 3, like a target that could not be assessed (DESIGN.md §6). */
export class CatalogAgeError extends CatalogError {
  override readonly exitCode: ExitCode = EXIT.UNASSESSED;
  constructor(version: string, age: CatalogAge, maxDays: number) {
    super(
      `catalog ${version} is dated ${age.date}, ${age.ageDays} days before ${age.asOf}: older than --max-catalog-age ${maxDays}`,
      UPDATE_HINT,
    );
    this.name = 'CatalogAgeError';
  }
}
