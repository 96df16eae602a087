/**
 * Waivers: accepted risks, matched by fingerprint or by check (+ target, + code), each with a reason, an owner
 * and an expiry. A waived finding stays in the result, marked `waived`; an expired waiver no longer applies and
 * is reported, as is one that matched nothing.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ResultDocument } from './result.js';
import { summarize } from './run.js';
import { InputError } from '../util/errors.js';

const Waiver = z.object({
  fingerprint: z.string().optional(),
  check: z.string().optional(),
  target: z.string().optional(),
  code: z.string().optional(),
  reason: z.string().min(3, 'give a reason'),
  owner: z.string().optional(),
  expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').optional(),
}).refine((w) => w.fingerprint || w.check, { message: 'a waiver needs a fingerprint or a check' });
const WaiverFile = z.union([z.array(Waiver), z.object({ waivers: z.array(Waiver) }).transform((o) => o.waivers)]);
export type Waiver = z.infer<typeof Waiver>;

export function loadWaivers(file: string): Waiver[] {
  let data: unknown;
  try { data = parseYaml(readFileSync(file, 'utf8')); } catch (err) {
    throw new InputError(`--waivers ${file}: ${(err as Error).message.split('\n')[0]}`, 'the waivers file is YAML: a list of {fingerprint | check, target, reason, owner, expires}');
  }
  const r = WaiverFile.safeParse(data);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InputError(`--waivers ${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

export function applyWaivers(doc: ResultDocument, waivers: Waiver[], asOf: string): ResultDocument {
  const used = new Set<number>();
  const targets = doc.targets.map((t) => ({
    ...t,
    findings: t.findings.map((f) => {
      if (f.status === 'pass' || f.status === 'not_applicable') return f;
      const i = waivers.findIndex((w) => (!w.expires || w.expires >= asOf)
        && (w.fingerprint ? w.fingerprint === f.fingerprint : w.check === f.checkId && (!w.target || w.target.toLowerCase() === t.target.toLowerCase()) && (!w.code || w.code === f.code)));
      if (i < 0) return f;
      used.add(i);
      const w = waivers[i]!;
      return { ...f, waived: { reason: w.reason, ...(w.owner ? { owner: w.owner } : {}), ...(w.expires ? { expires: w.expires } : {}) } };
    }),
  }));
  return {
    ...doc,
    targets,
    waivers: waivers.map((w, i) => ({ ...w, state: w.expires && w.expires < asOf ? 'expired' as const : used.has(i) ? 'applied' as const : 'unused' as const })),
    summary: summarize(targets),
  };
}

export function applyWaiversFile(doc: ResultDocument, file: string, asOf: string): ResultDocument {
  return applyWaivers(doc, loadWaivers(file), asOf);
}
