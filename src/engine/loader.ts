/**
 * Discovers checks: every module in checks/ (checks/*.ts under vitest, dist/checks/*.js when compiled).
 * Adding a check is adding one file; the id must equal the file name (parity is also tested).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CheckMeta, type Check } from '../contract.js';
import { InputError } from '../util/errors.js';

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

export async function loadChecks(dir = CHECKS_DIR): Promise<Check[]> {
  if (cache && dir === CHECKS_DIR) return cache;
  const checks: Check[] = [];
  const files = checkFiles(dir);
  // Imported together (the module loader reads and compiles them in one go), validated in file order.
  const mods = (await Promise.all(files.map((file) => import(pathToFileURL(join(dir, file)).href)))) as {
    default?: Check;
  }[];
  for (const [i, file] of files.entries()) {
    const check = mods[i]!.default;
    const id = basename(file, extname(file));
    if (!check || typeof check.evaluate !== 'function' || !check.meta)
      throw new Error(`checks/${file} does not default-export defineCheck(...)`);
    // Metadata is validated here too, so a module that bypasses defineCheck cannot carry a malformed one.
    const meta = CheckMeta.safeParse(check.meta);
    if (!meta.success) {
      const issue = meta.error.issues[0]!;
      throw new Error(`checks/${file}: invalid metadata at meta.${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    if (meta.data.id !== id)
      throw new Error(`checks/${file} declares id "${meta.data.id}"; the id must equal the file name "${id}"`);
    checks.push({ meta: meta.data, evaluate: check.evaluate });
  }
  if (dir === CHECKS_DIR) cache = checks;
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
