/**
 * Fleet scale: `exaudit audit --facts fleet.json --format json -o result.json` over one facts file holding N
 * servers (1,000, 5,000 and 20,000 by default), each run a fresh process through the package's bin. Records wall
 * time and the process's peak RSS, and compares each size with the smallest (the reference, same run): time per
 * target should stay flat and memory should not grow with the fleet, because targets are judged and written to the
 * file one at a time. Checks the result file parses and holds every server.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../src/util/tool.js';

const ROOT = PROJECT_ROOT;
const BIN = join(ROOT, 'bin', 'exaudit.js');

export interface FleetRun {
  targets: number;
  ms: number;
  msPerTarget: number;
  peakRssMiB: number;
  resultMiB: number;
}

/** N servers' facts: the demo fleet's saved facts, renamed ex00001… and cycled. */
function fleetFacts(n: number): unknown[] {
  const dir = join(ROOT, 'fixtures', 'demo', 'facts');
  const templates = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { target: { name: string } });
  return Array.from({ length: n }, (_, i) => {
    const t = structuredClone(templates[i % templates.length]!);
    t.target.name = `ex${String(i + 1).padStart(5, '0')}.contoso.test`;
    return t;
  });
}

/** Counts the targets in a streamed result without holding it: each target's "target" key at its indentation. */
async function countTargets(file: string): Promise<number> {
  let n = 0;
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const text = rest + (chunk as string);
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('      "target": "')) n++;
  }
  return n;
}

export async function runFleetBench(sizes = [1000, 5000, 20000], print = true): Promise<FleetRun[]> {
  const dir = mkdtempSync(join(tmpdir(), 'exaudit-bench-fleet-'));
  const probe = join(dir, 'peak.mjs');
  // Written by the measured process itself as it exits: its own peak RSS (kB on Linux).
  writeFileSync(
    probe,
    `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.EXAUDIT_BENCH_PEAK, String(process.resourceUsage().maxRSS)));\n`,
  );
  const runs: FleetRun[] = [];
  try {
    for (const n of sizes) {
      const facts = join(dir, `fleet-${n}.json`);
      writeFileSync(facts, JSON.stringify(fleetFacts(n)));
      const out = join(dir, `result-${n}.json`);
      const peak = join(dir, `peak-${n}`);
      const args = ['--import', pathToFileURL(probe).href, BIN, 'audit', '--facts', facts];
      const t = performance.now();
      const r = spawnSync(
        process.execPath,
        [...args, '--format', 'json', '-o', out, '--fail-on', 'none', '--quiet', '--as-of', '2026-11-25'],
        { encoding: 'utf8', env: { ...process.env, EXAUDIT_BENCH_PEAK: peak }, maxBuffer: 1 << 20 },
      );
      const ms = performance.now() - t;
      if (r.status !== 0) throw new Error(`audit of ${n} targets exited ${r.status}: ${r.stderr.slice(0, 300)}`);
      const written = await countTargets(out);
      if (written !== n) throw new Error(`the result of ${n} targets holds ${written}`);
      runs.push({
        targets: n,
        ms,
        msPerTarget: ms / n,
        peakRssMiB: Number(readFileSync(peak, 'utf8')) / 1024,
        resultMiB: statSync(out).size / 2 ** 20,
      });
      rmSync(out);
      rmSync(facts);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (print) {
    const ref = runs[0]!;
    process.stdout.write(
      [
        'fleet bench: exaudit audit --facts <one file of N servers> --format json -o result.json (a fresh process each)',
        ...runs.map(
          (r) =>
            `  ${String(r.targets).padStart(6)} targets  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.msPerTarget.toFixed(2).padStart(6)} ms/target  peak RSS ${r.peakRssMiB.toFixed(0).padStart(5)} MiB  result ${r.resultMiB.toFixed(0)} MiB` +
            (r === ref
              ? '  (reference)'
              : `  ${(r.msPerTarget / ref.msPerTarget).toFixed(2)}× the reference's time per target, ${(r.peakRssMiB / ref.peakRssMiB).toFixed(2)}× its peak RSS`),
        ),
        '',
      ].join('\n'),
    );
  }
  return runs;
}
