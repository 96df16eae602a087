/**
 * The YARA thread: compiles the rule sources it was started with (YARA-X, WebAssembly) and scans what it is sent, one
 * item at a time: a file, or an entry of a zip archive (gunzipped if it is a .gz), read up to the size cap. It may be
 * stopped mid-scan by the sweep's watchdog (a user's rule that is too slow on a file); the sweep then starts a new
 * one.
 */
import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parentPort, workerData } from 'node:worker_threads';
import { compileYara, type YaraInit, type YaraItem, type YaraMatch } from './yara.js';
import { readZip, ZIP_LIMITS, type ZipMember } from './zip.js';

const init = workerData as YaraInit;
const rules = await compileYara(init.sources);

function readFile(file: string, max: number): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('no longer a regular file');
    const size = Math.min(st.size, max);
    const buf = Buffer.alloc(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, buf, at, size - at, at);
      if (n <= 0) break;
      at += n;
    }
    return buf.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** At most `max` bytes of a stream (gunzipped first when asked); the rest is not read. */
async function readStream(input: Readable, gz: boolean, max: number): Promise<Buffer> {
  const source = gz ? input.pipe(createGunzip()) : input;
  if (gz) input.on('error', (err) => source.destroy(err));
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      parts.push(chunk.subarray(0, max - size));
      size += Math.min(chunk.length, max - size);
      if (size >= max) break;
    }
  } finally {
    source.destroy();
    input.destroy();
  }
  return Buffer.concat(parts, size);
}

/** The archive the last entries came from, kept open: entries of one archive arrive one after another. */
let open: { file: string; members: ZipMember[]; close(): void } | undefined;

async function member(file: string, entry: number): Promise<ZipMember> {
  if (open?.file !== file) {
    open?.close();
    open = undefined;
    const zip = await readZip(file, ZIP_LIMITS);
    open = { file, members: zip.members, close: zip.close };
  }
  const m = open.members[entry];
  if (!m) throw new Error('the entry is no longer in the archive');
  return m;
}

async function read(item: YaraItem, max: number): Promise<Uint8Array> {
  if (item.data) return item.gz ? readStream(Readable.from([item.data]), true, max) : item.data.subarray(0, max);
  if (item.entry !== undefined) return readStream(await (await member(item.file, item.entry)).open(), !!item.gz, max);
  if (item.gz) return readStream(createReadStream(item.file), true, max);
  return readFile(item.file, max);
}

parentPort!.on('message', (msg: { id: number; item: YaraItem } | 'stop') => {
  if (msg === 'stop') {
    open?.close();
    parentPort!.close();
    return;
  }
  void (async () => {
    let matches: YaraMatch[] = [];
    let error: string | undefined;
    try {
      matches = rules.scan(await read(msg.item, init.maxBytes));
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    parentPort!.postMessage({ id: msg.id, matches, ...(error ? { error } : {}) });
  })();
});
parentPort!.postMessage('ready');
