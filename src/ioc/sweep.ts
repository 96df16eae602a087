/**
 * The compromise sweep: walks the paths (src/ioc/walk.ts), spreads the files over worker threads (at most the
 * machine's available parallelism, never more than there are files), and merges the per-file results in a stable
 * order (by file, then line), so the output is the same whatever the thread count. Small sweeps run in this thread:
 * starting workers costs more than it saves there. A sweep may belong to a server (`target`): its hits say so.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { IocHit } from '../contract.js';
import { compile, type Indicator } from './rules.js';
import { getCatalog } from '../catalog/catalog.js';
import { DEFAULT_RULES_DIR } from '../util/tool.js';
import { emptyUnit, RuleSet, type UnitResult } from './scan-unit.js';
import { scanPath } from './inputs.js';
import { walk, WALK_LIMITS, type WalkedFile, type WalkLimits } from './walk.js';
import { readZip, ZIP_LIMITS, type ZipLimits } from './zip.js';
import { yaraItem, yaraScan, yaraWants, type YaraItem, type YaraSource } from './yara.js';

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
  /** The server these files came from: every hit names it. */
  target?: string;
  walk?: WalkLimits;
  zip?: ZipLimits;
  /** YARA rules over file contents: web pages, or every file with `allFiles` (users' rules). */
  yara?: { sources: YaraSource[]; allFiles: boolean; timeoutMs: number; maxBytes: number };
  /** Called once the walk is done, with the bytes to read (for a progress bar). */
  onStart?: (bytes: number) => void;
  /** Called as each file is done, with its size (for a progress bar). */
  onFile?: (bytes: number) => void;
}

/** Below this total size the sweep stays in this thread. */
const INLINE_BYTES = 8 * 1024 * 1024;

/** The compiled worker next to this module; under the test runner (TypeScript sources) the built copy in dist/. */
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/src/ioc/worker.js', import.meta.url);
}

export interface WorkerInit {
  indicators: Indicator[];
  zip: ZipLimits;
}

async function inPool(inputs: WalkedFile[], init: WorkerInit, jobs: number, onFile?: (n: number) => void) {
  const results: UnitResult[] = new Array(inputs.length);
  // Largest first, so one big file does not start last and leave the other threads idle at the end.
  const order = inputs.map((_, i) => i).sort((a, b) => inputs[b]!.size - inputs[a]!.size);
  let next = 0;
  const url = workerUrl();
  await Promise.all(
    Array.from(
      { length: jobs },
      () =>
        new Promise<void>((resolve) => {
          const w = new Worker(url, { workerData: init, execArgv: [] }); // not the parent's flags (--input-type breaks workers)
          const feed = () => {
            if (next >= order.length) {
              w.postMessage('stop');
              return;
            }
            const id = order[next++]!;
            w.postMessage({ id, file: inputs[id]!.file, size: inputs[id]!.size });
          };
          w.on('message', (m: { id: number; result: UnitResult }) => {
            results[m.id] = m.result;
            onFile?.(inputs[m.id]!.size);
            feed();
          });
          w.on('error', () => resolve()); // its files are reported below
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
  const { files, problems } = walk(paths, opts.walk ?? WALK_LIMITS);
  const total = files.reduce((n, i) => n + i.size, 0);
  opts.onStart?.(total);
  const jobs = Math.min(opts.jobs ?? availableParallelism(), files.length);
  const zip = opts.zip ?? ZIP_LIMITS;
  let units: UnitResult[];
  if (jobs <= 1 || (opts.jobs === undefined && total < INLINE_BYTES)) {
    const set = new RuleSet(indicators.map(compile));
    units = [];
    for (const i of files) {
      units.push(await scanPath(i.file, i.size, set, zip));
      opts.onFile?.(i.size);
    }
  } else {
    units = await inPool(files, { indicators, zip }, jobs, opts.onFile);
  }
  const r = merge(units, problems);
  if (opts.yara) {
    const y = yaraScan(await yaraItems(files, opts.yara.allFiles, zip), opts.yara.sources, opts.yara);
    const { hits, unreadable } = await y;
    r.hits.push(...hits);
    r.summary.unreadable.push(...unreadable);
    r.summary.hits = r.hits.length;
  }
  if (opts.target) for (const h of r.hits) h.target = opts.target;
  return r;
}

/**
 * What YARA reads: the web pages (every file with `allFiles`), on disk and inside zip archives, and .gz files
 * gunzipped. An archive that cannot be read was reported by the line sweep; its entries are left out here.
 */
async function yaraItems(files: WalkedFile[], allFiles: boolean, limits: ZipLimits): Promise<YaraItem[]> {
  const wanted = (name: string) => yaraWants(name, allFiles);
  const items: YaraItem[] = [];
  for (const { file } of files) {
    if (wanted(file)) items.push(yaraItem(file, { file }));
    if (!/\.zip$/i.test(file)) continue;
    let zip;
    try {
      zip = await readZip(file, limits);
    } catch {
      continue;
    }
    for (const [entry, m] of zip.members.entries()) {
      const name = `${file}!/${m.name}`;
      if (!/\.zip$/i.test(m.name) && wanted(name)) items.push(yaraItem(name, { file, entry }));
    }
    zip.close();
  }
  return items;
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
