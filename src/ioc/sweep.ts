/**
 * The compromise sweep: expands folders into inputs, spreads them over worker threads (at most the machine's
 * available parallelism, never more than there are inputs), and merges the per-input results in a stable order
 * (by input, then line), so the output is the same whatever the thread count. Small sweeps run in this thread:
 * starting workers costs more than it saves there.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../util/errors.js';
import type { IocHit } from '../contract.js';
import { compile, type Indicator } from './rules.js';
import { getCatalog } from '../catalog/catalog.js';
import { DEFAULT_RULES_DIR } from '../util/tool.js';
import { emptyUnit, scanPath, type UnitResult } from './scan-unit.js';

export { splitCsv } from './rules.js';
export type { Indicator } from './rules.js';

/** The indicators of a catalog folder (rules/ by default), loaded and validated with the rest of the catalog. */
export function loadIndicators(rulesDir: string = DEFAULT_RULES_DIR): Indicator[] {
  return getCatalog(rulesDir).indicators;
}

export interface SweepSummary {
  files: number;
  bytes: number;
  lines: number;
  malformedLines: number;
  hits: number;
  unreadable: { file: string; error: string }[];
}
export interface SweepResult {
  summary: SweepSummary;
  hits: IocHit[];
}

export interface SweepOptions {
  indicators?: Indicator[];
  /** Worker threads; 0 or 1 sweeps in this thread. Default: available parallelism. */
  jobs?: number;
}

/** Below this total size the sweep stays in this thread. */
const INLINE_BYTES = 8 * 1024 * 1024;

interface Input {
  file: string;
  size: number;
}

function walk(paths: string[], onError: (file: string, err: unknown) => void): Input[] {
  const files: Input[] = [];
  const visit = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      onError(p, err);
      return;
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(p).sort();
      } catch (err) {
        onError(p, err);
        return;
      }
      for (const f of names) visit(join(p, f));
    } else files.push({ file: p, size: st.size });
  };
  paths.forEach(visit);
  return files;
}

/** The compiled worker next to this module; under the test runner (TypeScript sources) the built copy in dist/. */
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/src/ioc/worker.js', import.meta.url);
}

async function inPool(inputs: Input[], indicators: Indicator[], jobs: number): Promise<UnitResult[]> {
  const results: UnitResult[] = new Array(inputs.length);
  // Largest first, so one big file does not start last and leave the other threads idle at the end.
  const order = inputs.map((_, i) => i).sort((a, b) => inputs[b]!.size - inputs[a]!.size);
  let next = 0;
  const url = workerUrl();
  await Promise.all(
    Array.from(
      { length: jobs },
      () =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(url, { workerData: { indicators }, execArgv: [] }); // not the parent's flags (--input-type breaks workers)
          const feed = () => {
            if (next >= order.length) {
              w.postMessage('stop');
              return;
            }
            const id = order[next++]!;
            w.postMessage({ id, file: inputs[id]!.file });
          };
          w.on('message', (m: { id: number; result: UnitResult }) => {
            results[m.id] = m.result;
            feed();
          });
          w.on('error', reject);
          w.on('exit', () => resolve());
          feed();
        }),
    ),
  );
  // A worker that died leaves holes; those inputs are reported, never silently dropped.
  return results.map(
    (r, i) =>
      r ?? {
        ...emptyUnit(),
        files: 1,
        unreadable: [{ file: inputs[i]!.file, error: 'the sweep thread for this file stopped' }],
      },
  );
}

export async function sweep(paths: string[], opts: SweepOptions = {}): Promise<SweepResult> {
  const indicators = opts.indicators ?? loadIndicators();
  const unreadable: SweepSummary['unreadable'] = [];
  const inputs = walk(paths, (file, err) => unreadable.push({ file, error: errorMessage(err) }));
  const total = inputs.reduce((n, i) => n + i.size, 0);
  const jobs = Math.min(opts.jobs ?? availableParallelism(), inputs.length);
  let units: UnitResult[];
  if (jobs <= 1 || (opts.jobs === undefined && total < INLINE_BYTES)) {
    const compiled = indicators.map(compile);
    units = [];
    for (const i of inputs) units.push(await scanPath(i.file, compiled));
  } else {
    units = await inPool(inputs, indicators, jobs);
  }
  return merge(units, unreadable);
}

/** Sums the per-input results in input order (hits stay in line order within an input). */
export function merge(units: UnitResult[], unreadable: SweepSummary['unreadable'] = []): SweepResult {
  const summary: SweepSummary = {
    files: 0,
    bytes: 0,
    lines: 0,
    malformedLines: 0,
    hits: 0,
    unreadable: [...unreadable],
  };
  const hits: IocHit[] = [];
  for (const u of units) {
    summary.files += u.files;
    summary.bytes += u.bytes;
    summary.lines += u.lines;
    summary.malformedLines += u.malformedLines;
    summary.unreadable.push(...u.unreadable);
    hits.push(...u.hits);
  }
  summary.hits = hits.length;
  return { summary, hits };
}

/** Several sweeps as one (summaries summed, hits and unreadable inputs in the given order). */
export function combine(results: SweepResult[]): SweepResult {
  return merge(results.map((r) => ({ ...r.summary, hits: r.hits })));
}
