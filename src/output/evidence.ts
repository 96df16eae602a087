/**
 * A tamper-evident evidence directory: the files a run wrote, manifest.json (SHA-256 and size of each), and
 * SHA256SUMS in `sha256sum -c` format covering those files and manifest.json itself. `verifyEvidence`
 * re-hashes and names every file that changed, disappeared or was added, so a change to any single byte of
 * any file is found. Hashes catch accidents and edits; against a determined editor who rewrites all three,
 * record the manifest digest somewhere else (a ticket, git, WORM storage).
 */
import { sha256 } from '../util/hash.js';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFileNoFollow } from '../util/files.js';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { InputError } from '../util/errors.js';

export interface ManifestEntry {
  path: string;
  sha256: string;
  bytes: number;
}
export interface Manifest {
  tool: string;
  createdAt: string;
  files: ManifestEntry[];
}

export const MANIFEST = 'manifest.json';
export const SUMS = 'SHA256SUMS';

/**
 * Every file under dir, as forward-slash relative paths, except the manifest and the sums file. Links are never
 * followed: they are listed in `links` (an evidence folder holds regular files only).
 */
function listEntries(dir: string, base = dir, links: string[] = []): { files: string[]; links: string[] } {
  const files: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    const rel = relative(base, p).split(sep).join('/');
    const st = lstatSync(p);
    if (st.isSymbolicLink()) links.push(rel);
    else if (st.isDirectory()) files.push(...listEntries(p, base, links).files);
    else files.push(rel);
  }
  return { files: files.filter((p) => p !== MANIFEST && p !== SUMS).sort(), links: links.sort() };
}
const listFiles = (dir: string) => listEntries(dir).files;

function sumsText(entries: ManifestEntry[], manifestRaw: Buffer): string {
  return [...entries.map((e) => `${e.sha256}  ${e.path}`), `${sha256(manifestRaw)}  ${MANIFEST}`].join('\n') + '\n';
}

export interface WrittenEvidence extends Manifest {
  /** Files that were already in the folder and are not part of this manifest (verify reports them as extra). */
  others: string[];
  manifestSha256: string;
}

/** Writes the files (relative paths) into dir, then manifest.json and SHA256SUMS over exactly those files. */
export function writeEvidence(dir: string, files: Record<string, string | Buffer>, tool: string): WrittenEvidence {
  mkdirSync(dir, { recursive: true });
  const entries: ManifestEntry[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = name.split(sep).join('/');
    if (!safePath(path) || path === MANIFEST || path === SUMS)
      throw new InputError(`cannot write evidence file "${name}"`);
    const buf = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileNoFollow(join(dir, path), buf);
    entries.push({ path, sha256: sha256(buf), bytes: buf.length });
  }
  entries.sort((a, b) => a.path.localeCompare(b.path));
  const manifest: Manifest = { tool, createdAt: new Date().toISOString(), files: entries };
  const raw = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  writeFileNoFollow(join(dir, MANIFEST), raw);
  writeFileNoFollow(join(dir, SUMS), sumsText(entries, raw));
  const written = new Set(entries.map((e) => e.path));
  return { ...manifest, others: listFiles(dir).filter((p) => !written.has(p)), manifestSha256: sha256(raw) };
}

/** A manifest path must stay inside the folder. */
function safePath(p: string): boolean {
  return (
    p.length > 0 && !isAbsolute(p) && !/^[A-Za-z]:/.test(p) && !p.split(/[\\/]/).some((s) => s === '..' || s === '')
  );
}

export interface VerifyResult {
  ok: boolean;
  changed: string[];
  missing: string[];
  extra: string[];
  /** Why the manifest itself cannot be trusted, when it cannot. */
  problems: string[];
  manifestSha256: string;
}

export function verifyEvidence(dir: string): VerifyResult {
  const mpath = join(dir, MANIFEST);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new InputError(`${dir}: not a directory`, 'give the folder written by `exaudit report --output DIR`');
  if (!existsSync(mpath))
    throw new InputError(
      `${dir}: no ${MANIFEST}`,
      'verify a directory written by `exaudit report --output DIR` or `exaudit demo`',
    );
  // A link in the folder could point anywhere (a changed file outside it, a device): the bundle is refused.
  const { links } = listEntries(dir);
  for (const name of [MANIFEST, SUMS])
    if (existsSync(join(dir, name)) && lstatSync(join(dir, name)).isSymbolicLink()) links.push(name);
  if (links.length)
    return {
      ok: false,
      changed: [],
      missing: [],
      extra: [],
      problems: links.map((l) => `${l} is a symbolic link: an evidence folder holds regular files only`),
      manifestSha256: '',
    };
  const raw = readFileSync(mpath);
  const result: VerifyResult = {
    ok: false,
    changed: [],
    missing: [],
    extra: [],
    problems: [],
    manifestSha256: sha256(raw),
  };
  let manifest: Manifest;
  try {
    manifest = JSON.parse(raw.toString('utf8')) as Manifest;
    if (
      !Array.isArray(manifest.files) ||
      !manifest.files.every(
        (f) => typeof f?.path === 'string' && typeof f.sha256 === 'string' && typeof f.bytes === 'number',
      )
    )
      throw new Error('no valid files list');
  } catch (err) {
    result.changed.push(MANIFEST);
    result.problems.push(`${MANIFEST} is not a valid manifest (${(err as Error).message})`);
    return result;
  }
  const listed = new Map<string, ManifestEntry>();
  for (const f of manifest.files) {
    if (!safePath(f.path)) {
      result.problems.push(`${MANIFEST} lists a path outside the folder: ${f.path}`);
      continue;
    }
    listed.set(f.path, f);
  }
  // SHA256SUMS is a second copy of every digest: when the manifest and the file disagree, it tells which changed.
  const sumsPath = join(dir, SUMS);
  const sums = existsSync(sumsPath) ? readFileSync(sumsPath, 'utf8') : undefined;
  if (sums === undefined) result.missing.push(SUMS);
  const sumsOf = new Map(
    (sums ?? '')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(66), l.slice(0, 64)] as const),
  );
  let manifestEdited = false;
  let sumsEdited =
    sums !== undefined &&
    (sums
      .split('\n')
      .filter(Boolean)
      .some((l) => !/^[0-9a-f]{64} {2}\S/.test(l)) ||
      sumsOf.size !== listed.size + 1);
  const present = new Set(listFiles(dir));
  for (const [p, e] of listed) {
    const second = sumsOf.get(p);
    if (!present.has(p)) {
      // A path that SHA256SUMS does not know either was written into the manifest, not removed from the folder.
      if (sums !== undefined && second === undefined) manifestEdited = true;
      else {
        result.missing.push(p);
        if (sums !== undefined && second !== e.sha256) sumsEdited = true;
      }
      continue;
    }
    const buf = readFileSync(join(dir, p));
    const actual = sha256(buf);
    const fileOk = buf.length === e.bytes && actual === e.sha256;
    if (fileOk) {
      if (sums !== undefined && second !== actual) sumsEdited = true;
      continue;
    }
    if (sums !== undefined && second === actual)
      manifestEdited = true; // the file still matches its other digest
    else result.changed.push(p);
  }
  result.extra = [...present].filter((p) => !listed.has(p));
  if (sums !== undefined && sums !== sumsText(manifest.files, raw)) {
    if (sumsOf.get(MANIFEST) !== sha256(raw) && !manifestEdited && !sumsEdited) {
      // Only the manifest's own digest disagrees: either file may be the one that changed, so name both.
      result.changed.push(`${MANIFEST} or ${SUMS} (they disagree on the digest of ${MANIFEST})`);
    } else if (!manifestEdited) sumsEdited = true;
  }
  if (manifestEdited) result.changed.push(MANIFEST);
  if (sumsEdited) result.changed.push(SUMS);
  result.ok = !result.changed.length && !result.missing.length && !result.extra.length && !result.problems.length;
  return result;
}
