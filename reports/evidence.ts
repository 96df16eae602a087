/**
 * A tamper-evident evidence directory: reports plus manifest.json (sha256 and size of every file) and a
 * SHA256SUMS file in `sha256sum -c` format. `verifyEvidence` re-hashes and names what changed. Hashes catch
 * accidents and edits; integrity against a determined editor needs the manifest digest recorded elsewhere
 * (a ticket, git, WORM storage).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InputError } from '../src/util/errors.js';

export interface ManifestEntry { path: string; sha256: string; bytes: number }
export interface Manifest { tool: string; createdAt: string; files: ManifestEntry[] }

const digest = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? listFiles(p, base) : [relative(base, p)];
  }).filter((p) => p !== 'manifest.json' && p !== 'SHA256SUMS').sort();
}

export function writeEvidence(dir: string, files: Record<string, string>, tool: string): Manifest {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const entries = listFiles(dir).map((p) => { const buf = readFileSync(join(dir, p)); return { path: p, sha256: digest(buf), bytes: buf.length }; });
  const manifest: Manifest = { tool, createdAt: new Date().toISOString(), files: entries };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'SHA256SUMS'), entries.map((e) => `${e.sha256}  ${e.path}`).join('\n') + '\n');
  return manifest;
}

export interface VerifyResult { ok: boolean; changed: string[]; missing: string[]; extra: string[]; manifestSha256: string }

export function verifyEvidence(dir: string): VerifyResult {
  const mpath = join(dir, 'manifest.json');
  if (!existsSync(mpath)) throw new InputError(`${dir}: no manifest.json`, 'verify a directory written by `exaudit report --output DIR` or `exaudit demo`');
  let manifest: Manifest;
  const raw = readFileSync(mpath);
  try { manifest = JSON.parse(raw.toString('utf8')) as Manifest; if (!Array.isArray(manifest.files)) throw new Error('no files list'); } catch (err) {
    throw new InputError(`${mpath}: not a valid manifest (${(err as Error).message})`);
  }
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  const present = new Set(listFiles(dir));
  const changed: string[] = []; const missing: string[] = [];
  for (const [p, e] of listed) {
    if (!present.has(p)) { missing.push(p); continue; }
    const buf = readFileSync(join(dir, p));
    if (buf.length !== e.bytes || digest(buf) !== e.sha256) changed.push(p);
  }
  const extra = [...present].filter((p) => !listed.has(p));
  return { ok: !changed.length && !missing.length && !extra.length, changed, missing, extra, manifestSha256: digest(raw) };
}
