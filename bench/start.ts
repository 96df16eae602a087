/**
 * Cold start: `exaudit build 15.2.1544.14` (through the package's bin, as a user runs it) against `node -e 0`, the
 * reference, in interleaved rounds in fresh processes; medians and their ratio (the aim: within 3×). Then which
 * packages each measured command loads, read by a resolve hook: undici, pino, ssh2 and the like should appear only
 * for the commands that use them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../src/util/tool.js';

const ROOT = PROJECT_ROOT;
const BIN = join(ROOT, 'bin', 'exaudit.js');

export interface StartBenchResult {
  rounds: number;
  nodeMs: number;
  buildMs: number;
  ratio: number;
  packages: Record<string, string[]>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timed(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 300)}`);
  return ms;
}

/** The packages a command loads (first resolution of each), from a module resolve hook. */
function packagesOf(args: string[], dir: string): string[] {
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { writeSync } from 'node:fs';
export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
  if (m) writeSync(2, 'PKG ' + m[1] + '\\n');
  return r;
}
`,
  );
  const reg = join(dir, 'register.mjs');
  writeFileSync(
    reg,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(reg).href, BIN, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return [...new Set([...r.stderr.matchAll(/^PKG (\S+)$/gm)].map((m) => m[1]!))].sort();
}

export function runStartBench(rounds = 15, print = true): StartBenchResult {
  const build = [BIN, 'build', '15.2.1544.14'];
  timed(['-e', '0']); // warm the file cache for both
  timed(build);
  const node: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < rounds; i++) {
    node.push(timed(['-e', '0']));
    ours.push(timed(build));
  }
  const dir = mkdtempSync(join(tmpdir(), 'exaudit-bench-start-'));
  const packages: Record<string, string[]> = {};
  try {
    for (const args of [['build', '15.2.1544.14'], ['rules', 'list'], ['collector'], ['--help']])
      packages[args.join(' ')] = packagesOf(args, dir);
    // A streamed JSON scan (port 1 on loopback refuses at once): no renderer, XML or CSV library.
    const scan = ['scan', '127.0.0.1:1', '--format', 'json', '--output', join(dir, 'scan.json'), '--quiet'];
    packages['scan --format json --output FILE'] = packagesOf(scan, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const result = {
    rounds,
    nodeMs: median(node),
    buildMs: median(ours),
    ratio: median(ours) / median(node),
    packages,
  };
  if (print) {
    const f = (ms: number) => `${ms.toFixed(0).padStart(5)} ms`;
    process.stdout.write(
      [
        `start bench: median of ${rounds} interleaved runs, each a fresh process`,
        `  exaudit build 15.2.1544.14   ${f(result.buildMs)}`,
        `  node -e 0 (reference)        ${f(result.nodeMs)}`,
        `  ratio: ${result.ratio.toFixed(2)}× node -e 0 (aim: within 3×)`,
        'packages loaded:',
        ...Object.entries(packages).map(([cmd, list]) => `  exaudit ${cmd.padEnd(20)} ${list.join(', ') || '(none)'}`),
        '',
      ].join('\n'),
    );
  }
  return result;
}
