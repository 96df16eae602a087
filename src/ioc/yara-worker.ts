/**
 * The YARA thread: compiles the rule sources it was started with (YARA-X, WebAssembly) and scans the files it is
 * sent, one at a time. It may be stopped mid-scan by the sweep's watchdog (a user's rule that is too slow on a
 * file); the sweep then starts a new one.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { compileYara, type YaraInit, type YaraMatch } from './yara.js';

const init = workerData as YaraInit;
const rules = await compileYara(init.sources);

function read(file: string, max: number): Buffer {
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

parentPort!.on('message', (msg: { id: number; file: string } | 'stop') => {
  if (msg === 'stop') {
    parentPort!.close();
    return;
  }
  let matches: YaraMatch[] = [];
  let error: string | undefined;
  try {
    matches = rules.scan(read(msg.file, init.maxBytes));
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  parentPort!.postMessage({ id: msg.id, matches, ...(error ? { error } : {}) });
});
parentPort!.postMessage('ready');
