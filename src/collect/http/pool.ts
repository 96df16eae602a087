/**
 * Targets spread over worker threads, for scans where exaudit's own CPU (TLS, parsing) is the limit: each thread
 * runs the same per-target scan as the main thread, so the results are the same, delivered with the same input
 * indexes. The main thread hands out targets one at a time as results come back, so at most `concurrency` are in
 * flight across all threads and a slow consumer (the ndjson writer) holds the whole pool back, as with one
 * thread. One `--rate` schedule is shared through a SharedArrayBuffer. A thread that dies reports its targets as
 * failed; the others carry on.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CollectedTarget } from '../../contract.js';
import { errorMessage } from '../../util/errors.js';
import type { TargetCost } from './client.js';
import type { ScanOptions } from './scan.js';
import type { ScanTarget } from './targets.js';

/** What a scan thread starts with: plain data only (no functions cross threads). */
export interface WorkerSetup {
  scan: Omit<ScanOptions, 'pacer' | 'agent'>;
  rate?: number;
  rateBuffer?: SharedArrayBuffer;
}
export type WorkerTask = { index: number; target: ScanTarget } | 'stop';
export interface WorkerReply {
  index: number;
  result: CollectedTarget;
  cost: TargetCost;
}

/** The compiled worker next to this module; under the test runner (TypeScript sources) the built copy in dist/. */
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../../dist/src/collect/http/worker.js', import.meta.url);
}

export async function scanInWorkers(
  targets: readonly ScanTarget[],
  o: {
    scan: Omit<ScanOptions, 'pacer' | 'agent'>;
    concurrency: number;
    workers: number;
    rate?: number | undefined;
    onCost?: ((cost: TargetCost, index: number) => void) | undefined;
  },
  onResult: (c: CollectedTarget, index: number) => void | Promise<void>,
): Promise<void> {
  const setup: WorkerSetup = {
    scan: o.scan,
    ...(o.rate ? { rate: o.rate, rateBuffer: new SharedArrayBuffer(8) } : {}),
  };
  const share = Math.max(1, Math.ceil(o.concurrency / o.workers));
  const delivered = new Uint8Array(targets.length);
  let next = 0;
  let failure: unknown;
  // One onResult call at a time, in arrival order, as with one thread.
  let chain = Promise.resolve();
  const deliver = (c: CollectedTarget, index: number, cost?: TargetCost): Promise<void> => {
    delivered[index] = 1;
    return (chain = chain.then(async () => {
      try {
        if (cost) o.onCost?.(cost, index);
        await onResult(c, index);
      } catch (err) {
        failure ??= err;
      }
    }));
  };
  const lost = (i: number, why: string): CollectedTarget => ({
    target: targets[i]!.name,
    failure: { status: 'error', error: `scan failed: the scan thread for this target stopped (${why})` },
  });

  await Promise.all(
    Array.from(
      { length: o.workers },
      () =>
        new Promise<void>((resolve) => {
          const w = new Worker(workerUrl(), { workerData: setup, execArgv: [] }); // not the parent's flags
          const mine = new Set<number>();
          let stopping = false;
          const feed = () => {
            while (mine.size < share && next < targets.length && failure === undefined) {
              const index = next++;
              mine.add(index);
              w.postMessage({ index, target: targets[index]! } satisfies WorkerTask);
            }
            if (!mine.size && !stopping) {
              stopping = true;
              w.postMessage('stop' satisfies WorkerTask);
            }
          };
          w.on('message', (m: WorkerReply) => {
            void deliver(m.result, m.index, m.cost).then(() => {
              mine.delete(m.index);
              feed();
            });
          });
          let why = 'it exited';
          w.on('error', (err) => {
            why = errorMessage(err);
          });
          w.on('exit', () => {
            const orphans = [...mine].filter((i) => !delivered[i]);
            mine.clear();
            void Promise.all(orphans.map((i) => deliver(lost(i, why), i))).then(() => resolve());
          });
          feed();
        }),
    ),
  );
  // Targets no thread took (every thread died): reported, never silently dropped.
  for (let i = 0; i < targets.length && failure === undefined; i++)
    if (!delivered[i]) await deliver(lost(i, 'no scan thread was left'), i);
  if (failure !== undefined) throw failure;
}
