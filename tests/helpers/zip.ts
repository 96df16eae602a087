/**
 * Writes zip archives for the tests (PKWARE APPNOTE layout: local headers and data, central directory, end record),
 * including the hostile shapes a triage folder may hold: entries that share one compressed stream (overlap), a
 * central directory whose sizes lie, and entries that inflate far beyond their compressed size.
 */
import { deflateRawSync } from 'node:zlib';

export interface ZipInput {
  name: string;
  data: Buffer;
  /** 8 (deflate, the default) or 0 (stored). */
  method?: 0 | 8;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Written {
  name: Buffer;
  method: number;
  crc: number;
  csize: number;
  usize: number;
  offset: number;
}

/**
 * `alias` adds central-directory entries that point at an earlier entry's local header (the overlapping layout);
 * `centralSize` overrides the size the end record claims for the central directory.
 */
export function zipFile(
  entries: ZipInput[],
  opts: { alias?: Array<{ name: string; of: number }>; centralSize?: number; entryCount?: number } = {},
): Buffer {
  const parts: Buffer[] = [];
  const written: Written[] = [];
  let at = 0;
  for (const e of entries) {
    const method = e.method ?? 8;
    const body = method === 8 ? deflateRawSync(e.data) : e.data;
    const name = Buffer.from(e.name, 'utf8');
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0x800, 6);
    h.writeUInt16LE(method, 8);
    const crc = crc32(e.data);
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(body.length, 18);
    h.writeUInt32LE(e.data.length, 22);
    h.writeUInt16LE(name.length, 26);
    written.push({ name, method, crc, csize: body.length, usize: e.data.length, offset: at });
    parts.push(h, name, body);
    at += 30 + name.length + body.length;
  }
  for (const a of opts.alias ?? []) written.push({ ...written[a.of]!, name: Buffer.from(a.name, 'utf8') });
  const cdStart = at;
  for (const w of written) {
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x800, 8);
    c.writeUInt16LE(w.method, 10);
    c.writeUInt32LE(w.crc, 16);
    c.writeUInt32LE(w.csize, 20);
    c.writeUInt32LE(w.usize, 24);
    c.writeUInt16LE(w.name.length, 28);
    c.writeUInt32LE(w.offset, 42);
    parts.push(c, w.name);
    at += 46 + w.name.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(opts.entryCount ?? written.length, 8);
  end.writeUInt16LE(opts.entryCount ?? written.length, 10);
  end.writeUInt32LE(opts.centralSize ?? at - cdStart, 12);
  end.writeUInt32LE(cdStart, 16);
  parts.push(end);
  return Buffer.concat(parts);
}
