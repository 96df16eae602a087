/**
 * The offline collector: facts JSON files, or folders of them (an evidence snapshot from --save-facts).
 * A file may hold one Facts object or an array. A bad file becomes an input problem for that file only;
 * the other files still run.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { writeFileNoFollow } from '../../util/files.js';
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

/** One target from an offline source, or one line about a path or file that could not be used. */
export type OfflineItem = CollectedTarget | { problem: string };

/**
 * Expands files and folders (a folder's matching files, in name order) and loads each with `load`, one file at a
 * time; a bad path or file becomes one problem line and the others still load.
 */
export function* eachFile(
  paths: string[],
  source: FileSource,
  load: (file: string) => Iterable<CollectedTarget>,
): Generator<OfflineItem> {
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      yield {
        problem: new InputError(`${p}: no such file or directory`, `check the path given to ${source.option}`).line(),
      };
      continue;
    }
    const files = st.isDirectory()
      ? readdirSync(p)
          .filter(source.matches)
          .sort()
          .map((f) => join(p, f))
      : [p];
    if (!files.length) yield { problem: `${p}: ${source.noneInFolder}` };
    for (const file of files) {
      let items: Iterable<CollectedTarget>;
      try {
        items = load(file);
      } catch (err) {
        yield { problem: errorMessage(err) };
        continue;
      }
      // A file's entries are validated one by one as they are taken; the first bad one ends that file.
      try {
        for (const c of items) yield c;
      } catch (err) {
        yield { problem: errorMessage(err) };
      }
    }
  }
}

/** All of `eachFile` at once, for sources small enough to hold (HealthChecker exports, the demo's facts). */
export function loadEachFile(
  paths: string[],
  source: FileSource,
  load: (file: string) => Iterable<CollectedTarget>,
): OfflineLoad {
  const collected: CollectedTarget[] = [];
  const problems: string[] = [];
  for (const item of eachFile(paths, source, load)) {
    if ('problem' in item) problems.push(item.problem);
    else collected.push(item);
  }
  return { collected, problems };
}

const FACTS_SOURCE: FileSource = {
  option: '--facts',
  matches: (f: string) => f.endsWith('.json') || f.endsWith('.txt'),
  noneInFolder: 'no .json facts files in this folder',
};

/** Reads one facts file: one Facts object or an array of them (validated as they are taken). */
function readFactsFile(file: string): Iterable<CollectedTarget> {
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
  if (!items.length)
    throw new InputError(`${file}: an empty list, no facts`, 'a facts file holds one server or a list');
  return (function* () {
    for (let i = 0; i < items.length; i++) {
      const facts = parseFacts(items[i], items.length > 1 ? `${file}[${i}]` : file);
      items[i] = undefined; // the parsed facts replace the raw entry; nothing keeps both
      yield { target: facts.target.name, facts };
    }
  })();
}

/** Facts files and folders, one target at a time (a fleet's evidence folder is never held whole). */
export const eachFactsTarget = (paths: string[]): Generator<OfflineItem> =>
  eachFile(paths, FACTS_SOURCE, readFactsFile);

export function loadFactsFiles(paths: string[]): OfflineLoad {
  return loadEachFile(paths, FACTS_SOURCE, readFactsFile);
}

/** Writes each collected server's facts as <dir>/<server>.json (evidence for `audit --facts` later). */
export function factsSaver(dir: string): (c: CollectedTarget) => void {
  const used = new Set<string>();
  return (r) => {
    if (!r.facts) return;
    const base = r.target.replace(/[^A-Za-z0-9._-]/g, '_');
    let name = base;
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base}-${i}`;
    used.add(name.toLowerCase());
    writeFileNoFollow(join(dir, `${name}.json`), `${JSON.stringify(r.facts, null, 2)}\n`);
  };
}
