/**
 * Zip archives of triage folders, read entry by entry as streams: the central directory gives each entry's
 * name, method, sizes and offset (zip64 included); stored entries are streamed as they are, deflated ones
 * through inflateRaw. Memory stays flat whatever the archive's size. Encrypted entries and other methods are
 * reported per entry, never fatal; an entry that inflates beyond the size its header declares is cut off there.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { createInflateRaw } from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  encrypted: boolean;
  directory: boolean;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

const u64 = (b: Buffer, at: number): number => {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError('zip64 value beyond 2^53');
  return Number(v);
};

/** The archive's entries from its central directory. */
export async function readZipEntries(file: string): Promise<ZipEntry[]> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    // The end record is at most 22 bytes plus a 65,535-byte comment from the end.
    const tailLen = Math.min(size, 22 + 0xffff);
    const tail = await readAt(fh, size - tailLen, tailLen);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--)
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    if (at < 0) throw new ZipError('no end of central directory record (not a zip archive, or truncated)');
    let count = tail.readUInt16LE(at + 10);
    let cdSize = tail.readUInt32LE(at + 12);
    let cdOffset = tail.readUInt32LE(at + 16);
    if (at >= 20 && tail.readUInt32LE(at - 20) === EOCD64_LOCATOR) {
      const rec = await readAt(fh, u64(tail, at - 20 + 8), 56);
      if (rec.length < 56 || rec.readUInt32LE(0) !== EOCD64) throw new ZipError('zip64 end record missing');
      count = u64(rec, 32);
      cdSize = u64(rec, 40);
      cdOffset = u64(rec, 48);
    }
    if (cdOffset + cdSize > size)
      throw new ZipError('central directory lies beyond the end of the file (truncated archive)');
    const cd = await readAt(fh, cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let n = 0; n < count; n++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL)
        throw new ZipError(`central directory entry ${n + 1} of ${count} is damaged`);
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      let compressedSize = cd.readUInt32LE(p + 20);
      let uncompressed = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      let offset = cd.readUInt32LE(p + 42);
      const nameBuf = cd.subarray(p + 46, p + 46 + nameLen);
      const name = (flags & 0x800 ? nameBuf.toString('utf8') : nameBuf.toString('latin1')).replace(/\\/g, '/');
      // zip64 extra field (0x0001): the 64-bit values, in order, for the fields set to 0xFFFFFFFF.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (uncompressed === 0xffffffff) {
            uncompressed = u64(cd, q);
            q += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = u64(cd, q);
            q += 8;
          }
          if (offset === 0xffffffff) {
            offset = u64(cd, q);
          }
        }
        e += 4 + len;
      }
      entries.push({
        name,
        method,
        compressedSize,
        size: uncompressed,
        localHeaderOffset: offset,
        encrypted: (flags & 1) === 1,
        directory: name.endsWith('/'),
      });
      p = extraEnd + commentLen;
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/** Passes at most `limit` bytes, then fails: an entry may not inflate beyond what its header declares. */
function capped(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > limit) cb(new ZipError(`entry inflates beyond the ${limit} bytes its header declares`));
      else cb(null, chunk);
    },
  });
}

/** A stream of one entry's content. */
export async function openZipEntry(file: string, entry: ZipEntry): Promise<Readable> {
  if (entry.encrypted) throw new ZipError('encrypted entry');
  if (entry.method !== 0 && entry.method !== 8)
    throw new ZipError(`compression method ${entry.method} is not supported (stored and deflate are)`);
  const fh = await open(file, 'r');
  let header: Buffer;
  try {
    header = await readAt(fh, entry.localHeaderOffset, 30);
  } finally {
    await fh.close();
  }
  if (header.length < 30 || header.readUInt32LE(0) !== LOCAL)
    throw new ZipError('local header missing (damaged archive)');
  const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (entry.compressedSize === 0) return Readable.from([]);
  const raw = createReadStream(file, { start, end: start + entry.compressedSize - 1 });
  const body = entry.method === 8 ? raw.pipe(createInflateRaw()) : raw;
  raw.on('error', (err) => body.destroy(err));
  const out = body.pipe(capped(entry.size));
  body.on('error', (err: Error) => out.destroy(err));
  out.on('close', () => raw.destroy());
  return out;
}
