/**
 * The offline collector: facts JSON files, or folders of them (an evidence snapshot from --save-facts).
 * A file may hold one Facts object or an array. A bad file becomes an input problem for that file only;
 * the other files still run.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseFacts } from '../../facts/validate.js';
import { InputError, errorMessage } from '../../util/errors.js';
import type { CollectedTarget } from '../../contract.js';
import { extractJson } from '../ps/script.js';

/**
 * Text by its byte-order mark: Windows PowerShell 5.1's `>` and Out-File write UTF-16LE with a BOM, so a facts
 * file saved on the server by hand may be UTF-16; without a BOM it is UTF-8.
 */
export function decodeText(buf: Buffer): string {
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf[0] === 0xfe && buf[1] === 0xff) return Buffer.from(buf.subarray(2)).swap16().toString('utf16le');
  return buf.toString('utf8').replace(/^\uFEFF/, '');
}

export interface OfflineLoad {
  collected: CollectedTarget[];
  /** One line per unusable file; the command exits 2 at the end when there are any. */
  problems: string[];
}

export interface FileSource {
  /** The option the paths came from, for the "no such file" hint. */
  option: string;
  /** Which files of a folder are read. */
  matches: (name: string) => boolean;
  /** What a folder without any such file is told. */
  noneInFolder: string;
}

/**
 * Expands files and folders (a folder's matching files, in name order) and loads each with `load`; a bad path or
 * file becomes one line in `problems` and the others still load.
 */
export function loadEachFile(
  paths: string[],
  source: FileSource,
  load: (file: string) => CollectedTarget[],
): OfflineLoad {
  const collected: CollectedTarget[] = [];
  const problems: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      problems.push(
        new InputError(`${p}: no such file or directory`, `check the path given to ${source.option}`).line(),
      );
      continue;
    }
    const files = st.isDirectory()
      ? readdirSync(p)
          .filter(source.matches)
          .sort()
          .map((f) => join(p, f))
      : [p];
    if (!files.length) problems.push(`${p}: ${source.noneInFolder}`);
    for (const file of files) {
      try {
        collected.push(...load(file));
      } catch (err) {
        problems.push(errorMessage(err));
      }
    }
  }
  return { collected, problems };
}

export function loadFactsFiles(paths: string[]): OfflineLoad {
  const source = {
    option: '--facts',
    matches: (f: string) => f.endsWith('.json') || f.endsWith('.txt'),
    noneInFolder: 'no .json facts files in this folder',
  };
  return loadEachFile(paths, source, (file) => {
    let data: unknown;
    try {
      data = JSON.parse(extractJson(decodeText(readFileSync(file))));
    } catch (err) {
      throw new InputError(
        `${file}: not valid JSON (${(err as Error).message})`,
        'facts files are JSON; see `exaudit collector` for how to produce one',
      );
    }
    const items = Array.isArray(data) ? data : [data];
    return items.map((item, i) => {
      const facts = parseFacts(item, items.length > 1 ? `${file}[${i}]` : file);
      return { target: facts.target.name, facts };
    });
  });
}
