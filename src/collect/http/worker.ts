/**
 * A scan worker thread: scans each target the pool sends (at most its share of the concurrency at once) with the
 * options it was started with, and posts each result back with its index. Never throws on a bad target: the
 * per-target scan turns every failure into a result.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ScanAgent } from './client.js';
import { RatePacer } from './rate.js';
import { scanTargetCost } from './scan.js';
import type { WorkerReply, WorkerSetup, WorkerTask } from './pool.js';

const setup = workerData as WorkerSetup;
const pacer = setup.rate && setup.rateBuffer ? new RatePacer(setup.rate, setup.rateBuffer) : undefined;
const agent = new ScanAgent(setup.scan);
const opts = { ...setup.scan, agent, ...(pacer ? { pacer } : {}) };

parentPort!.on('message', (task: WorkerTask) => {
  if (task === 'stop') {
    agent.destroy();
    parentPort!.close();
    return;
  }
  void scanTargetCost(task.target, opts).then(({ result, cost }) =>
    parentPort!.postMessage({ index: task.index, result, cost } satisfies WorkerReply),
  );
});
