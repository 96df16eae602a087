/**
 * Waivers: accepted risks, matched by fingerprint or by check and target (optionally narrowed to a code),
 * each with a reason, an owner and usually an expiry. A waived finding stays in the result, marked `waived`,
 * and no longer counts for --fail-on. A waiver past its expiry no longer applies and is reported as expired;
 * one that matched nothing is reported as unused.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import type { ResultDocument, TargetResult } from '../contract.js';
import { summarize } from './run.js';
import { InputError } from '../util/errors.js';
import { oneLine } from '../util/text.js';

/** The shortest reason accepted: enough to say why the risk is accepted, not a placeholder. */
export const MIN_REASON = 3;

const Waiver = z
  .object({
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{8,64}$/i, 'expected the finding fingerprint (hex) from the JSON or SARIF output')
      .optional(),
    check: z.string().min(1, 'a check id is at least 1 character (see exaudit audit --help)').optional(),
    target: z
      .string()
      .min(1, 'a target is a server name, or "*" for every server')
      .optional()
      .describe('server name, or "*" for every server'),
    code: z.string().optional(),
    reason: z
      .string({ error: `a reason of at least ${MIN_REASON} characters is required (why the risk is accepted)` })
      .trim()
      .min(MIN_REASON, `a reason of at least ${MIN_REASON} characters is required (why the risk is accepted)`),
    owner: z
      .string({ error: 'an owner is required: who accepted the risk (a name or a team)' })
      .trim()
      .min(1, 'an owner is required: who accepted the risk (a name or a team)'),
    expires: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD (quoted in YAML: "2027-01-31")')
      .refine((d) => !Number.isNaN(Date.parse(d)), 'not a calendar date (YYYY-MM-DD)')
      .optional(),
  })
  .strict()
  .refine((w) => w.fingerprint || w.check, { message: 'a waiver needs a fingerprint, or a check and a target' })
  .refine((w) => w.fingerprint || w.target, {
    message: 'a check waiver needs a target (a server name, or "*" for every server)',
    path: ['target'],
  });
const WaiverList = z.array(Waiver);
export type Waiver = z.infer<typeof Waiver>;

/** yaml loads with the first waivers file: a run without one (most scans) does not pay its 20 ms. */
const parseYaml = (text: string): unknown =>
  (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

export function loadWaivers(file: string): Waiver[] {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new InputError(
      `--waivers ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message.split('\n')[0]}`,
      'the waivers file is YAML: a list of {fingerprint | check + target, reason, owner, expires}',
    );
  }
  // Either a list, or { waivers: [...] }.
  const list =
    data && typeof data === 'object' && !Array.isArray(data) && 'waivers' in data && Object.keys(data).length === 1
      ? (data as { waivers: unknown }).waivers
      : (data ?? []);
  const r = WaiverList.safeParse(list);
  if (!r.success) {
    const i = r.error.issues[0]!;
    // An unknown key (say "expiry:") is named with the keys a waiver takes, so a typo cannot make a waiver permanent.
    const message =
      i.code === 'unrecognized_keys'
        ? `unknown key${i.keys.length === 1 ? '' : 's'} ${i.keys.join(', ')} (a waiver takes fingerprint, check, target, code, reason, owner, expires)`
        : i.message;
    throw new InputError(
      `--waivers ${oneLine(file)}: ${i.path.join('.') || '(root)'}: ${oneLine(message)}`,
      'each waiver: fingerprint, or check and target; reason; owner; expires YYYY-MM-DD',
    );
  }
  return r.data;
}

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

export function applyWaiversFile(doc: ResultDocument, file: string, asOf: string): ResultDocument {
  return applyWaivers(doc, loadWaivers(file), asOf);
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
