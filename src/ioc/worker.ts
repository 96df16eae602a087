/**
 * A sweep worker thread: receives input paths one at a time from the pool, sweeps each with the indicators it
 * was started with, and posts the result back. It never exits on a bad input (scanPath reports those).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compile, type Indicator } from './rules.js';
import { scanPath } from './scan-unit.js';

const compiled = (workerData as { indicators: Indicator[] }).indicators.map(compile);

parentPort!.on('message', (msg: { id: number; file: string } | 'stop') => {
  if (msg === 'stop') {
    parentPort!.close();
    return;
  }
  void scanPath(msg.file, compiled).then((result) => parentPort!.postMessage({ id: msg.id, result }));
});
