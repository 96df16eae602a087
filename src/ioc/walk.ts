/**
 * The local walk of a sweep: the regular files under the given paths, each once (by device and inode, so hard links,
 * symlinks to a file and a folder reached twice are read once), in name order, within a depth and a file-count limit
 * (as `ioc --ssh` has). Symlinks are followed but a folder already visited is not entered again, so loops end.
 * FIFOs, sockets and devices are never opened: they are listed as skipped with their type.
 */
import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../util/errors.js';

export interface WalkLimits {
  maxDepth: number;
  maxFiles: number;
}
export const WALK_LIMITS: WalkLimits = { maxDepth: 32, maxFiles: 1_000_000 };

export interface WalkedFile {
  file: string;
  size: number;
}
export interface Problem {
  file: string;
  error: string;
}

function typeOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

export function walk(paths: string[], limits: WalkLimits = WALK_LIMITS): { files: WalkedFile[]; problems: Problem[] } {
  const files: WalkedFile[] = [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  let full = false;
  const visit = (p: string, depth: number) => {
    if (full) return;
    let st: Stats;
    try {
      st = lstatSync(p);
      if (st.isSymbolicLink()) st = statSync(p); // followed; loops end at the visited set below
    } catch (err) {
      problems.push({ file: p, error: errorMessage(err) });
      return;
    }
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return;
    seen.add(id);
    if (st.isDirectory()) {
      if (depth > limits.maxDepth) {
        problems.push({ file: p, error: `deeper than ${limits.maxDepth} folders below the swept path; not read` });
        return;
      }
      let names: string[];
      try {
        names = readdirSync(p).sort();
      } catch (err) {
        problems.push({ file: p, error: errorMessage(err) });
        return;
      }
      for (const n of names) visit(join(p, n), depth + 1);
    } else if (st.isFile()) {
      if (files.length >= limits.maxFiles) {
        full = true;
        problems.push({
          file: p,
          error: `more than ${limits.maxFiles} files to sweep; this one and the rest were not read`,
        });
        return;
      }
      files.push({ file: p, size: st.size });
    } else problems.push({ file: p, error: `${typeOf(st)}: skipped, only regular files are read` });
  };
  for (const p of paths) visit(p, 0);
  return { files, problems };
}
