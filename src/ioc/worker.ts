/**
 * A sweep worker thread: receives files one at a time from the pool, sweeps each with the indicators it was started
 * with, and posts the result back. It never exits on a bad input (scanPath reports those).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compile } from './rules.js';
import { RuleSet } from './scan-unit.js';
import { scanPath } from './inputs.js';
import type { WorkerInit } from './sweep.js';

const init = workerData as WorkerInit;
const set = new RuleSet(init.indicators.map(compile));

parentPort!.on('message', (msg: { id: number; file: string; size: number } | 'stop') => {
  if (msg === 'stop') {
    parentPort!.close();
    return;
  }
  void scanPath(msg.file, msg.size, set, init.zip).then((result) => parentPort!.postMessage({ id: msg.id, result }));
});
