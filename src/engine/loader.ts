/**
 * Discovers checks: every module in checks/ (checks/*.ts under vitest, dist/checks/*.js when compiled).
 * Adding a check is adding one file; the id must equal the file name (parity is also tested).
 * Each check's metadata is validated against the CheckMeta schema, or, when the build recorded that same metadata
 * as valid (checks.manifest.json, written by src/engine/checks-manifest.ts), taken from that record: so a run whose
 * checks are as built does not load zod.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Check, CheckMeta } from '../contract.js';
import { InputError } from '../util/errors.js';
import { stableStringify } from './run.js';

const here = dirname(fileURLToPath(import.meta.url));
/** src/engine -> checks ; dist/src/engine -> dist/checks */
export const CHECKS_DIR = resolve(here, '..', '..', 'checks');

export function checkFiles(dir = CHECKS_DIR): string[] {
  const ext = extname(fileURLToPath(import.meta.url)); // .ts or .js, matching how we run
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts') && !f.endsWith('.test' + ext) && !f.startsWith('_'))
    .sort();
}

let cache: Check[] | undefined;

/** The build's record of the checks' metadata: per id, the metadata as the module gave it and as validated. */
export const CHECK_MANIFEST = 'checks.manifest.json';
export type CheckManifest = Record<string, { raw: string; meta: CheckMeta }>;

function readManifest(dir: string): CheckManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, CHECK_MANIFEST), 'utf8')) as CheckManifest;
  } catch {
    return undefined; // none (TypeScript sources, a test folder): every check is validated
  }
}

/** The metadata validated with the CheckMeta schema (zod loads on first use), or the reason it is invalid. */
async function validate(meta: unknown): Promise<{ meta: CheckMeta } | { error: string }> {
  const { CheckMeta } = await import('../contract.js');
  const r = CheckMeta.safeParse(meta);
  if (r.success) return { meta: r.data };
  const issue = r.error.issues[0]!;
  return { error: `invalid metadata at meta.${issue.path.join('.') || '(root)'}: ${issue.message}` };
}

export async function loadChecks(dir = CHECKS_DIR, opts: { manifest?: boolean } = {}): Promise<Check[]> {
  if (cache && dir === CHECKS_DIR && opts.manifest !== false) return cache;
  const checks: Check[] = [];
  const files = checkFiles(dir);
  // Imported together (the module loader reads and compiles them in one go), validated in file order.
  const mods = (await Promise.all(files.map((file) => import(pathToFileURL(join(dir, file)).href)))) as {
    default?: Check;
  }[];
  const manifest = opts.manifest === false ? undefined : readManifest(dir);
  for (const [i, file] of files.entries()) {
    const check = mods[i]!.default;
    const id = basename(file, extname(file));
    if (!check || typeof check.evaluate !== 'function' || !check.meta)
      throw new Error(`checks/${file} does not default-export defineCheck(...)`);
    // Metadata is validated here too, so a module that bypasses defineCheck cannot carry a malformed one.
    const known = manifest?.[id];
    const v = known && known.raw === stableStringify(check.meta) ? { meta: known.meta } : await validate(check.meta);
    if ('error' in v) throw new Error(`checks/${file}: ${v.error}`);
    if (v.meta.id !== id)
      throw new Error(`checks/${file} declares id "${v.meta.id}"; the id must equal the file name "${id}"`);
    checks.push({ meta: v.meta, evaluate: check.evaluate });
  }
  if (dir === CHECKS_DIR && opts.manifest !== false) cache = checks;
  return checks;
}

/** Applies --checks / --skip lists; unknown ids are a usage error. */
export function selectChecks(all: Check[], only?: string[], skip?: string[]): Check[] {
  const ids = new Set(all.map((c) => c.meta.id));
  for (const id of [...(only ?? []), ...(skip ?? [])]) {
    if (!ids.has(id)) throw new InputError(`unknown check "${id}"`, `known checks: ${[...ids].join(', ')}`);
  }
  return all.filter((c) => (!only?.length || only.includes(c.meta.id)) && !(skip ?? []).includes(c.meta.id));
}
