/**
 * Waivers: accepted risks, matched by fingerprint or by check and target (optionally narrowed to a code),
 * each with a reason, an owner and usually an expiry. A waived finding stays in the result, marked `waived`,
 * and no longer counts for --fail-on. A waiver past its expiry no longer applies and is reported as expired;
 * one that matched nothing is reported as unused.
 */
import type { ResultDocument, TargetResult } from '../contract.js';
import { summarize } from './run.js';
import type { Waiver } from './waivers-file.js';

export type { Waiver } from './waivers-file.js';

const isExpired = (w: { expires?: string | undefined }, asOf: string) => !!w.expires && w.expires < asOf;

export type WaiverRecord = NonNullable<ResultDocument['waivers']>[number];

/**
 * Waivers applied target by target (so a streamed run holds no document), remembering which matched.
 * Marks replace any a target already had. Expiry is inclusive: a waiver that expires on the --as-of date
 * still applies that day.
 */
export class WaiverSet {
  private readonly used = new Set<number>();
  constructor(
    private readonly waivers: Waiver[],
    private readonly asOf: string,
  ) {}

  get size(): number {
    return this.waivers.length;
  }

  apply(t: TargetResult): TargetResult {
    return {
      ...t,
      findings: t.findings.map((found) => {
        const { waived: _old, ...f } = found;
        if (f.status === 'pass' || f.status === 'not_applicable') return f;
        const i = this.waivers.findIndex(
          (w) =>
            !isExpired(w, this.asOf) &&
            (w.fingerprint
              ? w.fingerprint.toLowerCase() === f.fingerprint.toLowerCase()
              : w.check === f.checkId &&
                (w.target === '*' || w.target!.toLowerCase() === t.target.toLowerCase()) &&
                (!w.code || w.code === f.code)),
        );
        if (i < 0) return f;
        this.used.add(i);
        const w = this.waivers[i]!;
        return { ...f, waived: { reason: w.reason, owner: w.owner, ...(w.expires ? { expires: w.expires } : {}) } };
      }),
    };
  }

  /** Each waiver with its state so far: expired, applied (matched a finding) or unused. */
  states(): WaiverRecord[] {
    return this.waivers.map((w, i) => ({
      ...w,
      state: isExpired(w, this.asOf)
        ? ('expired' as const)
        : this.used.has(i)
          ? ('applied' as const)
          : ('unused' as const),
    }));
  }
}

/** Marks the findings of a whole document waived by these waivers and records each waiver's state. */
export function applyWaivers(doc: ResultDocument, waivers: Waiver[], asOf: string): ResultDocument {
  const set = new WaiverSet(waivers, asOf);
  const targets = doc.targets.map((t) => set.apply(t));
  return { ...doc, targets, waivers: set.states(), summary: summarize(targets) };
}

/**
 * Re-judges the waivers a saved result already carries on a new --as-of date: marks whose expiry has passed
 * are removed (the finding counts again) and those waivers are reported as expired.
 */
export function expireWaivers(doc: ResultDocument, asOf: string): ResultDocument {
  const stale = doc.targets.some((t) => t.findings.some((f) => f.waived && isExpired(f.waived, asOf)));
  const staleList = (doc.waivers ?? []).some((w) => w.state !== 'expired' && isExpired(w, asOf));
  if (!stale && !staleList) return doc;
  const targets = doc.targets.map((t) => ({
    ...t,
    findings: t.findings.map((f) => {
      if (!f.waived || !isExpired(f.waived, asOf)) return f;
      const { waived: _w, ...rest } = f;
      return rest;
    }),
  }));
  return {
    ...doc,
    targets,
    ...(doc.waivers
      ? { waivers: doc.waivers.map((w) => (isExpired(w, asOf) ? { ...w, state: 'expired' as const } : w)) }
      : {}),
    summary: summarize(targets),
  };
}

/** One line per waiver that needs attention (expired or unused), for stderr. */
export function waiverWarnings(doc: Pick<ResultDocument, 'waivers'>): string[] {
  return (doc.waivers ?? [])
    .filter((w) => w.state !== 'applied')
    .map((w) => {
      const what = w.fingerprint ? `fingerprint ${w.fingerprint}` : `${w.check} on ${w.target ?? 'every server'}`;
      return w.state === 'expired'
        ? `waiver for ${what} (owner ${w.owner ?? 'not given'}) expired on ${w.expires}; it no longer applies`
        : `waiver for ${w.fingerprint ? what : `${what}`} matched no open finding`;
    });
}
