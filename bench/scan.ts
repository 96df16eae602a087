/**
 * Scan throughput: N lab targets on loopback scanned concurrently, against the same targets scanned one by one
 * (the reference run, same process, same servers). Reports targets per second, the ratio, and peak RSS and
 * heap of each run. The targets are a few real servers, each listening on many ports, so every target is its
 * own TLS handshake and connections. Bounded and self-stopping; nothing leaves 127.0.0.1.
 */
import { startHttpLab } from '../src/lab/index.js';
import { scanTargets, type FleetOptions } from '../src/collect/http/scan.js';
import { parseTarget } from '../src/collect/http/targets.js';

export interface ScanBenchArgs {
  /** Lab targets (default 1000). */
  targets?: number;
  /** Concurrency of the measured run (default 64, the scan default). */
  concurrency?: number;
  /** Print the report to stdout (default true). */
  print?: boolean;
}

export interface ScanRun {
  concurrency: number;
  ms: number;
  targetsPerSecond: number;
  /** Targets whose exact build was read (all of them, or the run is wrong). */
  exact: number;
  peakRssMiB: number;
  peakHeapMiB: number;
}

export interface ScanBenchResult {
  targets: number;
  concurrent: ScanRun;
  oneByOne: ScanRun;
  /** concurrent targets/s ÷ one-by-one targets/s. */
  speedup: number;
  /** concurrent peak RSS ÷ one-by-one peak RSS. */
  memoryRatio: number;
}

const BUILDS = ['15.2.1748.49', '15.1.2507.72', '15.2.2562.46', '15.0.1497.48'];
const PORTS_PER_SERVER = 125;

async function measure(targets: ReturnType<typeof parseTarget>, opts: FleetOptions): Promise<ScanRun> {
  global.gc?.();
  let rss = process.memoryUsage().rss;
  let heap = process.memoryUsage().heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 25);
  let exact = 0;
  const t0 = performance.now();
  await scanTargets(targets, opts, (c) => {
    if (c.facts?.exchange?.precision === 'exact') exact++;
  });
  const ms = performance.now() - t0;
  clearInterval(timer);
  sample();
  const mib = (n: number) => Math.round((n / 1048576) * 10) / 10;
  return {
    concurrency: opts.concurrency,
    ms: Math.round(ms),
    targetsPerSecond: Math.round((targets.length / (ms / 1000)) * 10) / 10,
    exact,
    peakRssMiB: mib(rss),
    peakHeapMiB: mib(heap),
  };
}

/** Runs the benchmark and returns the numbers (runScanBench prints them). */
export async function measureScanBench(args: ScanBenchArgs | number = {}): Promise<ScanBenchResult> {
  const a: ScanBenchArgs = typeof args === 'number' ? { targets: args } : args;
  const n = Math.max(1, Math.min(a.targets ?? 1000, 20_000));
  const concurrency = a.concurrency ?? 64;
  const servers = Math.max(1, Math.ceil(n / PORTS_PER_SERVER));
  const lab = await startHttpLab(
    Array.from({ length: servers }, (_, i) => ({
      name: `bench-${i}`,
      build: BUILDS[i % BUILDS.length]!,
      aliases: PORTS_PER_SERVER - 1,
    })),
  );
  try {
    const targets = lab.servers
      .flatMap((s) => s.ports)
      .slice(0, n)
      .map((p) => parseTarget(`127.0.0.1:${p}`)[0]!);
    const base = { ca: lab.ca, requestTimeoutMs: 10_000, targetTimeoutMs: 60_000, samples: 3 };
    // One-by-one first, so the concurrent run cannot profit from a warmer process than its reference.
    const oneByOne = await measure(targets, { ...base, concurrency: 1 });
    const concurrent = await measure(targets, { ...base, concurrency });
    const result: ScanBenchResult = {
      targets: n,
      concurrent,
      oneByOne,
      speedup: Math.round((concurrent.targetsPerSecond / oneByOne.targetsPerSecond) * 100) / 100,
      memoryRatio: Math.round((concurrent.peakRssMiB / oneByOne.peakRssMiB) * 100) / 100,
    };
    if (a.print !== false) {
      const line = (label: string, r: ScanRun) =>
        `  ${label.padEnd(26)} ${String(r.ms).padStart(7)} ms  ${String(r.targetsPerSecond).padStart(7)} targets/s  peak RSS ${r.peakRssMiB} MiB, heap ${r.peakHeapMiB} MiB  (${r.exact}/${n} exact builds)`;
      process.stdout.write(
        [
          `scan bench: ${n} lab targets on 127.0.0.1 (${servers} servers × up to ${PORTS_PER_SERVER} ports), passive requests, 3 samples`,
          line(`concurrency ${concurrency}`, concurrent),
          line('one by one (reference)', oneByOne),
          `  ratio: ${result.speedup}× the targets per second of one-by-one; ${result.memoryRatio}× its peak RSS`,
        ].join('\n') + '\n',
      );
    }
    return result;
  } finally {
    await lab.close();
  }
}

/** `npm run bench -- scan --targets N`: prints targets/s and peak memory, concurrent and one by one. */
export async function runScanBench(args: ScanBenchArgs | number = {}): Promise<void> {
  await measureScanBench(args);
}
