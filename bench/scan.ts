/**
 * Scan throughput: N lab targets on loopback at --concurrency 64, against the same targets one by one (the
 * reference run, same process). Reports targets per second, the ratio, and peak RSS. Bounded and self-stopping.
 */
import pLimit from 'p-limit';
import { startHttpLab } from '../src/lab/index.js';
import { scanTarget } from '../src/collect/http/scan.js';
import type { ScanTarget } from '../src/collect/http/targets.js';

export async function runScanBench(targets = 1000, concurrency = 64): Promise<void> {
  const lab = await startHttpLab(Array.from({ length: 8 }, (_, i) => ({ name: `bench-${i}`, build: '15.2.1748.49' })));
  try {
    // Many targets over a few real servers: each target is a separate name with its own connections.
    const list: ScanTarget[] = Array.from({ length: targets }, (_, i) => {
      const s = lab.servers[i % lab.servers.length]!;
      return { name: `t${i}`, host: '127.0.0.1', port: s.port, base: s.url };
    });
    const opts = { ca: lab.ca, requestTimeoutMs: 5000, targetTimeoutMs: 20_000, samples: 1 };
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
    const time = async (n: number) => {
      const limit = pLimit(n);
      const t0 = performance.now();
      const results = await Promise.all(list.map((t) => limit(() => scanTarget(t, opts))));
      const ms = performance.now() - t0;
      const ok = results.filter((r) => r.facts?.exchange?.build).length;
      return { ms, ok };
    };
    const par = await time(concurrency);
    const seq = await time(1);
    clearInterval(sampler);
    const rate = (r: { ms: number }) => (targets / (r.ms / 1000)).toFixed(1);
    process.stdout.write([
      `scan bench: ${targets} lab targets on loopback`,
      `  concurrency ${concurrency}: ${par.ms.toFixed(0)} ms, ${rate(par)} targets/s, ${par.ok} builds read`,
      `  one by one (reference): ${seq.ms.toFixed(0)} ms, ${rate(seq)} targets/s, ${seq.ok} builds read`,
      `  ratio: ${(seq.ms / par.ms).toFixed(2)}x faster concurrently; peak RSS ${(peak / 1048576).toFixed(0)} MiB`,
    ].join('\n') + '\n');
  } finally {
    await lab.close();
  }
}
