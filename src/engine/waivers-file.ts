/**
 * The waivers file (--waivers): YAML, validated with zod. Apart from src/engine/waivers.ts, which applies waivers, so
 * a run without a waivers file loads neither yaml nor zod.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import type { ResultDocument } from '../contract.js';
import { InputError } from '../util/errors.js';
import { oneLine } from '../util/text.js';
import { applyWaivers } from './waivers.js';

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

export function applyWaiversFile(doc: ResultDocument, file: string, asOf: string): ResultDocument {
  return applyWaivers(doc, loadWaivers(file), asOf);
}
