/** Text hygiene shared by renderers: strip terminal sequences and control characters that break XML, CSV and terminals. */
import { stripTerminal, valueText } from '../src/util/text.js';
import type { Finding } from '../src/contract.js';

/** Any value as text, without terminal sequences or control characters (tab and line feed stay). */
export function clean(text: unknown): string {
  return stripTerminal(valueText(text));
}

/** A waiver's terms: who accepted the risk and until when. */
export function waiverTerms(w: NonNullable<Finding['waived']>): string {
  return `owner ${w.owner ?? 'not given'}; ${w.expires ? `until ${w.expires}` : 'no expiry'}`;
}

/**
 * The catalog's date and age as every report states it: "2026.11.25 of 2026-11-25, 7 days old on 2026-12-02",
 * and when stale, that it predates the latest Patch Tuesday. Older documents without an age give the date only.
 */
export function catalogAgeText(c: {
  version: string;
  date: string;
  asOf?: string;
  ageDays?: number;
  stale?: boolean;
}): string {
  const age =
    c.ageDays === undefined
      ? ''
      : `, ${c.ageDays} day${Math.abs(c.ageDays) === 1 ? '' : 's'} old${c.asOf ? ` on ${c.asOf}` : ''}`;
  const stale = c.stale
    ? '; STALE: it predates the latest Patch Tuesday, so updates released since are not judged'
    : '';
  return `${c.version} of ${c.date}${age}${stale}`;
}
