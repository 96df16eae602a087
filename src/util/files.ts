/**
 * Output files are never written through a symlink: an attacker who can plant `report.html -> ~/.bashrc` in a
 * shared folder must not get exaudit to overwrite the link's target. The file is opened with O_NOFOLLOW (the open
 * fails on a link, with no window between a check and the write); where the platform has no O_NOFOLLOW, an lstat
 * check refuses it first.
 */
import { closeSync, constants, createWriteStream, lstatSync, openSync, writeSync, type WriteStream } from 'node:fs';
import { InputError } from './errors.js';

const FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0);

function refuse(path: string): never {
  throw new InputError(
    `${path}: is a symbolic link; exaudit does not write through links`,
    'remove the link or choose another output path',
  );
}

/** Opens a file for writing (created or truncated), refusing a symlink at that path. */
export function openNoFollow(path: string): number {
  if (!constants.O_NOFOLLOW) {
    try {
      if (lstatSync(path).isSymbolicLink()) refuse(path);
    } catch (err) {
      if (err instanceof InputError) throw err;
    }
  }
  try {
    return openSync(path, FLAGS, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') refuse(path);
    throw new InputError(`${path}: cannot write (${(err as Error).message})`, 'choose a path that can be written');
  }
}

/** writeFileSync that refuses to follow a symlink at `path`. */
export function writeFileNoFollow(path: string, data: string | Buffer): void {
  const fd = openNoFollow(path);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
  } finally {
    closeSync(fd);
  }
}

/** A write stream on a file opened with openNoFollow (the refusal happens now, not on the first write). */
export function createOutputStream(path: string): WriteStream {
  return createWriteStream('', { fd: openNoFollow(path) });
}
