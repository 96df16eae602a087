/**
 * Opens one input of a local sweep as chunks of bytes for scan-unit: a plain file (read synchronously in 64 KiB
 * reads, never past the size fstat gave when it was opened, and only if it is still a regular file), a .gz (inflated,
 * capped), or a .zip whose entries are each an input (src/ioc/zip.ts checks them). Problems become `unreadable`
 * items; a bad archive never loses the hits of the other inputs.
 */
import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { errorMessage } from '../util/errors.js';
import { emptyUnit, scanChunks, type RuleSet, type UnitResult } from './scan-unit.js';
import { readZip, ZIP_LIMITS, type ZipLimits } from './zip.js';
import { GZ, stripGz } from './kinds.js';

const CHUNK = 64 * 1024;

/** Bytes of a stream, failing once more than `max` came (a gzip bomb stops there). */
async function* capped(input: Readable, max: number, what: string): AsyncGenerator<Buffer> {
  let n = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      n += chunk.length;
      if (n > max) throw new Error(`${what} inflates beyond ${max} bytes; the rest was not read`);
      yield chunk;
    }
  } finally {
    input.destroy();
  }
}

export function gunzip(input: Readable, max: number): AsyncGenerator<Buffer> {
  const z = createGunzip();
  input.on('error', (err) => z.destroy(err));
  return capped(input.pipe(z), max, 'the gzip stream');
}

/** A plain file's bytes: opened without blocking (a FIFO swapped in after the walk is refused), up to its size. */
function* fileChunks(file: string): Generator<Buffer> {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('no longer a regular file: skipped');
    const buf = Buffer.allocUnsafe(CHUNK);
    let left = st.size;
    while (left > 0) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, left), null);
      if (n <= 0) break;
      left -= n;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

export async function scanPath(
  file: string,
  size: number,
  set: RuleSet,
  zipLimits: ZipLimits = ZIP_LIMITS,
): Promise<UnitResult> {
  const res = emptyUnit();
  const lower = file.toLowerCase();
  if (lower.endsWith('.zip')) {
    let zip;
    try {
      zip = await readZip(file, zipLimits);
    } catch (err) {
      res.files++;
      res.unreadable.push({ file, error: `not swept: ${errorMessage(err)}` });
      return res;
    }
    if (!zip.members.length) {
      // An archive whose directory lists no file (empty, or a directory that lies about its entries) proves nothing.
      zip.close();
      res.files++;
      res.unreadable.push({ file, error: 'the archive lists no file: nothing in it was swept' });
      return res;
    }
    try {
      for (const m of zip.members) {
        const name = `${file}!/${m.name}`;
        if (/\.zip$/i.test(m.name)) {
          await scanChunks(name, m.size, [], set, res); // its path is judged; its entries are not opened
          res.unreadable.push({
            file: name,
            error: 'an archive inside an archive is not opened: extract it to sweep it',
          });
          continue;
        }
        let stream: Readable;
        try {
          stream = await m.open();
        } catch (err) {
          res.files++;
          res.unreadable.push({ file: name, error: errorMessage(err) });
          continue;
        }
        const chunks = GZ.test(m.name) ? gunzip(stream, zipLimits.maxInflated) : capped(stream, m.size, 'the entry');
        await scanChunks(stripGz(name), undefined, chunks, set, res);
      }
    } finally {
      zip.close();
    }
    return res;
  }
  if (lower.endsWith('.gz')) {
    await scanChunks(stripGz(file), undefined, gunzip(createReadStream(file), zipLimits.maxInflated), set, res);
    return res;
  }
  let chunks: Iterable<Buffer>;
  try {
    chunks = fileChunks(file);
  } catch (err) {
    res.files++;
    res.unreadable.push({ file, error: errorMessage(err) });
    return res;
  }
  await scanChunks(file, size, chunks, set, res);
  return res;
}

/** A stream from elsewhere (an SFTP read): swept like a file of that name. */
export async function scanStream(name: string, size: number | undefined, input: Readable, set: RuleSet) {
  const res = emptyUnit();
  const chunks = GZ.test(name) ? gunzip(input, ZIP_LIMITS.maxInflated) : capped(input, Infinity, name);
  await scanChunks(stripGz(name), GZ.test(name) ? undefined : size, chunks, set, res);
  return res;
}
