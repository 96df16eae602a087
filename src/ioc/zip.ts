/**
 * Zip archives of triage folders, through yauzl (central directory read entry by entry, zip64, entry data checked
 * against the file's real size, inflated size checked against the declared size), with what yauzl leaves to its
 * caller: a cap on the number of entries, overlapping entries refused (the "better zip bomb" reuses one compressed
 * stream for every entry), and a cap on the bytes inflated from one archive. A damaged archive is one reported
 * problem; entries already swept keep their hits.
 */
import { open as openFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type { Entry, ZipFile } from 'yauzl';

/** yauzl loads with the first archive: a sweep thread that meets none skips parsing its CommonJS source. */
let yauzl: typeof import('yauzl') | undefined;
const zipLib = () => (yauzl ??= createRequire(import.meta.url)('yauzl') as typeof import('yauzl'));

export interface ZipLimits {
  /** Entries read from one archive. */
  maxEntries: number;
  /** Bytes inflated from one archive, all entries together. */
  maxInflated: number;
}
export const ZIP_LIMITS: ZipLimits = { maxEntries: 100_000, maxInflated: 8 * 1024 ** 3 };

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

export interface ZipMember {
  name: string;
  size: number;
  /** The entry's bytes, inflated, counted against the archive's cap. */
  open(): Promise<Readable>;
}

const openZip = (file: string) =>
  new Promise<ZipFile>((resolve, reject) =>
    zipLib().open(
      file,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false, decodeStrings: true },
      (err, zip) => (err ? reject(err) : resolve(zip)),
    ),
  );

function entriesOf(zip: ZipFile, max: number): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const out: Entry[] = [];
    zip.on('entry', (e: Entry) => {
      out.push(e);
      if (out.length > max) {
        zip.removeAllListeners('entry');
        reject(new ZipError(`more than ${max} entries`));
      } else zip.readEntry();
    });
    zip.once('end', () => resolve(out));
    zip.once('error', reject);
    zip.readEntry();
  });
}

/** Where each entry's data ends, from its local header: no two entries may share bytes. */
async function refuseOverlaps(file: string, entries: Entry[]): Promise<void> {
  const fh = await openFile(file, 'r');
  try {
    const spans: Array<[number, number, string]> = [];
    const head = Buffer.alloc(30);
    for (const e of entries) {
      const { bytesRead } = await fh.read(head, 0, 30, e.relativeOffsetOfLocalHeader);
      if (bytesRead < 30 || head.readUInt32LE(0) !== 0x04034b50)
        throw new ZipError(`local header of ${e.fileName} missing (damaged archive)`);
      const start = e.relativeOffsetOfLocalHeader;
      spans.push([start, start + 30 + head.readUInt16LE(26) + head.readUInt16LE(28) + e.compressedSize, e.fileName]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++)
      if (spans[i]![0] < spans[i - 1]![1])
        throw new ZipError(`entries ${spans[i - 1]![2]} and ${spans[i]![2]} overlap (a zip bomb's layout); not read`);
  } finally {
    await fh.close();
  }
}

/**
 * The archive's file entries, checked, and a function that closes it. Throws a ZipError (or yauzl's error) for an
 * archive that cannot be read safely.
 */
export async function readZip(
  file: string,
  limits: ZipLimits = ZIP_LIMITS,
): Promise<{ members: ZipMember[]; close(): void }> {
  const zip = await openZip(file);
  try {
    const entries = (await entriesOf(zip, limits.maxEntries)).filter((e) => !e.fileName.endsWith('/'));
    await refuseOverlaps(file, entries);
    let inflated = 0;
    let over = false;
    const members = entries.map((e): ZipMember => ({
      name: e.fileName.replace(/\\/g, '/'),
      size: e.uncompressedSize,
      open: () =>
        new Promise<Readable>((resolve, reject) => {
          if (over || inflated + e.uncompressedSize > limits.maxInflated) {
            over = true;
            return reject(
              new ZipError(
                `the archive inflates beyond ${limits.maxInflated} bytes; this entry and the rest were not read`,
              ),
            );
          }
          inflated += e.uncompressedSize; // validateEntrySizes stops an entry at its declared size
          zip.openReadStream(e, (err, stream) => (err ? reject(err) : resolve(stream)));
        }),
    }));
    return { members, close: () => zip.close() };
  } catch (err) {
    zip.close();
    throw err;
  }
}
