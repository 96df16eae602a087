/**
 * The offline collector: facts JSON files, or folders of them (an evidence snapshot from --save-facts).
 * A file may hold one Facts object or an array. A bad file becomes an input problem for that file only;
 * the other files still run.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseFacts } from '../../facts/validate.js';
import { InputError, errorMessage } from '../../util/errors.js';
import type { CollectedTarget } from '../../engine/run.js';

export interface OfflineLoad {
  collected: CollectedTarget[];
  /** One line per unusable file; the command exits 2 at the end when there are any. */
  problems: string[];
}

export const BEGIN = '<<<EXAUDIT-FACTS-BEGIN>>>';
export const END = '<<<EXAUDIT-FACTS-END>>>';

/** The collector's output carries markers (so console noise around it does no harm); plain JSON has none. */
export function extractJson(text: string): string {
  const t = text.replace(/^\uFEFF/, '');
  const b = t.indexOf(BEGIN);
  const e = t.indexOf(END);
  return b >= 0 && e > b ? t.slice(b + BEGIN.length, e).trim() : t;
}

function expand(path: string): string[] {
  let st;
  try { st = statSync(path); } catch { throw new InputError(`${path}: no such file or directory`, 'check the path given to --facts'); }
  if (!st.isDirectory()) return [path];
  return readdirSync(path).filter((f) => f.endsWith('.json') || f.endsWith('.txt')).sort().map((f) => join(path, f));
}

export function loadFactsFiles(paths: string[]): OfflineLoad {
  const collected: CollectedTarget[] = [];
  const problems: string[] = [];
  for (const p of paths) {
    let files: string[];
    try { files = expand(p); } catch (err) { problems.push(errorMessage(err)); continue; }
    if (!files.length) problems.push(`${p}: no .json facts files in this folder`);
    for (const file of files) {
      try {
        let data: unknown;
        try { data = JSON.parse(extractJson(readFileSync(file, 'utf8'))); } catch (err) {
          throw new InputError(`${file}: not valid JSON (${(err as Error).message})`, 'facts files are JSON; see `exaudit collector` for how to produce one');
        }
        const items = Array.isArray(data) ? data : [data];
        items.forEach((item, i) => {
          const facts = parseFacts(item, items.length > 1 ? `${file}[${i}]` : file);
          collected.push({ target: facts.target.name, facts });
        });
      } catch (err) {
        problems.push(errorMessage(err));
      }
    }
  }
  return { collected, problems };
}
