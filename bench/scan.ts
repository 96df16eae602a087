/**
 * Scan cost and speed on a loopback fleet: N lab servers (default 200) in their own process, so the servers' CPU
 * is never counted as the scanner's, scanned by
 * - exaudit's passive collector (scanTargets, in its own process),
 * - reference clients making exactly the same requests with nothing else (undici and node:https, keep-alive,
 *   `Connection: close` where exaudit opened a new connection, the same concurrency), the floor,
 * - the same requests on one keep-alive connection per target (what load-balancer sampling costs),
 * - the whole `exaudit scan` command (start-up, checks, report written),
 * - nmap with the ms-exchange-version NSE script, when given its path (bench/scan-nmap.ts: kept on loopback), and
 *   on request nmap's service detection (-sV) once.
 * Rounds are interleaved and rotated; medians are printed. Per target: TCP connections, TLS handshakes (resumed)
 * and HTTP requests as the servers counted them; exaudit's time split (connect, TLS, waiting for the server, its
 * own CPU); peak RSS. Nothing leaves 127.0.0.1; every process started is stopped.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PortCost } from '../src/lab/http/server.js';
import type { BenchServer, FleetMessage, PlannedRequest } from './scan-fleet.js';
import type { ClientJob, ClientKind, ClientRun } from './scan-client.js';
import {
  checkDataFiles,
  localiseScript,
  nmapPlan,
  nmapScriptSource,
  nmapVersion,
  NMAP_SCRIPT_URL,
  parseNmapXml,
  scriptScore,
  startDataServer,
  type DataServer,
} from './scan-nmap.js';

export interface ScanBenchArgs {
  /** Lab servers (default 200). */
  servers?: number;
  /** Interleaved rounds (default 5). */
  rounds?: number;
  /** Targets in flight (default 64, the scan default). */
  concurrency?: number;
  /** exaudit's worker threads (default 1). */
  workers?: number;
  /** Also time the whole `exaudit scan` command (default true). */
  cli?: boolean;
  /** Also time nmap with the ms-exchange-version script when installed and given (default true). */
  nmap?: boolean;
  /** The ms-exchange-version.nse file (default: EXAUDIT_NMAP_SCRIPT); without it that comparison is skipped. */
  nmapScript?: string;
  /** The folder with the script's JSON files (default: EXAUDIT_NMAP_DATA, else the script's folder). */
  nmapData?: string;
  /** Also run nmap once with service detection (-sV), which takes minutes on this fleet (default false). */
  nmapServiceDetection?: boolean;
  /** Print the report to stdout (default true). */
  print?: boolean;
}

/** Per target, as the servers counted it. */
export interface WireCost {
  connections: number;
  handshakes: number;
  resumed: number;
  requests: number;
}

export interface RunSummary {
  label: string;
  /** Medians over the rounds. */
  ms: number;
  cpuMs?: number;
  peakRssMiB?: number;
  perTarget: WireCost;
  /** Targets whose build and precision were read right (exaudit runs only). */
  right?: number;
}

export interface ScanBenchResult {
  servers: number;
  rounds: number;
  concurrency: number;
  exaudit: RunSummary;
  undici: RunSummary;
  https: RunSummary;
  oneConnection: RunSummary;
  cli?: RunSummary;
  /** nmap with the ms-exchange-version script, in every round. */
  nmap?: NmapSummary;
  /** nmap -sV (with the script when given), one run. */
  nmapServiceDetection?: NmapSummary;
  /** Why the comparison with nmap's script did not run. */
  nmapSkipped?: string;
  /** exaudit's per-target time split, medians over rounds of the per-target means. */
  split: Split;
  /** The same, scanning one target at a time (nothing overlaps: each target's own time). */
  splitOneByOne: Split & { ms: number };
  /** exaudit wall ÷ the faster reference making the same requests. */
  ratio: number;
  /** exaudit wall ÷ the same requests on one connection per target. */
  ratioOneConnection: number;
  /** nmap with the script: its wall ÷ the exaudit scan command's, ÷ the collector's, and its CPU ÷ the command's. */
  nmapRatio?: number;
  nmapRatioCollector?: number;
  nmapCpuRatio?: number;
}

export interface NmapSummary extends RunSummary {
  command: string;
  /** The wrong answers of the round with the fewest right, grouped. */
  wrong?: { expected: string; got: string; count: number }[];
  /** Median times per round the script fetched its data files (from the bench's loopback server). */
  dataFetches?: number;
}

export interface Split {
  connectMs: number;
  tlsMs: number;
  waitMs: number;
  cpuMs: number;
}

/** A compiled sibling script: next to this module when compiled, else the built copy in dist/ (test runner). */
function script(name: string): string {
  const here = new URL(`./${name}`, import.meta.url);
  if (existsSync(fileURLToPath(here))) return fileURLToPath(here);
  return fileURLToPath(new URL(`../dist/bench/${name}`, import.meta.url));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round1 = (n: number): number => Math.round(n * 10) / 10;
const round2 = (n: number): number => Math.round(n * 100) / 100;

interface Fleet {
  servers: BenchServer[];
  ca: string;
  caFile: string;
  reset(): Promise<void>;
  cost(): Promise<Extract<FleetMessage, { type: 'cost' }>>;
  close(): Promise<void>;
}

async function startFleet(n: number): Promise<Fleet> {
  const child: ChildProcess = fork(script('scan-fleet.js'), [String(n)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends FleetMessage['type']>(type: T) =>
    new Promise<Extract<FleetMessage, { type: T }>>((resolve, reject) => {
      const onMessage = (m: FleetMessage) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as Extract<FleetMessage, { type: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`the bench fleet exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = await next('ready');
  return {
    servers: ready.servers,
    ca: ready.ca,
    caFile: ready.caFile,
    reset: async () => {
      const p = next('reset');
      child.send({ type: 'reset' } satisfies FleetMessage);
      await p;
    },
    cost: async () => {
      const p = next('cost');
      child.send({ type: 'cost' } as FleetMessage);
      return p;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

function perTarget(cost: PortCost[]): WireCost {
  const n = cost.length || 1;
  const sum = (k: keyof PortCost) => round2(cost.reduce((a, c) => a + c[k], 0) / n);
  return {
    connections: sum('connections'),
    handshakes: sum('handshakes'),
    resumed: sum('resumed'),
    requests: sum('requests'),
  };
}

/** Linux: a child's CPU time and peak RSS, read from /proc until it exits (undefined elsewhere). */
function watchProc(pid: number): () => { cpuMs?: number; peakRssMiB?: number } {
  let cpuMs: number | undefined;
  let peak: number | undefined;
  const tick = 100 / 1000; // clock ticks per second on Linux are 100
  const read = () => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuMs = (Number(f[11]) + Number(f[12])) / tick; // utime + stime
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) peak = Number(hwm[1]) / 1024;
    } catch {
      /* gone, or not Linux */
    }
  };
  const timer = setInterval(read, 10);
  read();
  return () => {
    clearInterval(timer);
    return {
      ...(cpuMs !== undefined ? { cpuMs: Math.round(cpuMs) } : {}),
      ...(peak ? { peakRssMiB: round1(peak) } : {}),
    };
  };
}

/** Runs a command to its end: wall time, CPU and peak RSS (Linux), stdout. */
function timed(
  cmd: string,
  args: string[],
): Promise<{ ms: number; cpuMs?: number; peakRssMiB?: number; stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    const stop = watchProc(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const usage = stop();
      if (code !== 0 && code !== 1 && code !== 3)
        return reject(new Error(`${cmd} exited ${code}: ${stderr.slice(0, 400)}`));
      resolve({ ms: Math.round(performance.now() - t0), ...usage, stdout, code });
    });
  });
}

async function runClient(dir: string, job: ClientJob): Promise<ClientRun> {
  const file = join(dir, `job-${job.kind}.json`);
  writeFileSync(file, JSON.stringify(job));
  const r = await timed(process.execPath, [script('scan-client.js'), file]);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ClientRun;
}

/** Per-target means of exaudit's client-side times, and its CPU per target. */
function splitOf(c: ClientRun, n: number): Split {
  const mean = (k: 'connectMs' | 'tlsMs' | 'waitMs') => (c.costs ?? []).reduce((s, x) => s + x[k], 0) / n;
  return { connectMs: mean('connectMs'), tlsMs: mean('tlsMs'), waitMs: mean('waitMs'), cpuMs: c.cpuMs / n };
}

function rightCount(servers: BenchServer[], got: ({ build?: string; precision?: string } | undefined)[]): number {
  return servers.filter((s, i) => got[i]?.build === s.expect.build && got[i]?.precision === s.expect.precision).length;
}

type Kind = ClientKind | 'cli' | 'nmap';

/** One client's round. */
interface Run {
  ms: number;
  cpuMs?: number;
  peakRssMiB?: number;
  wire: WireCost;
  right?: number;
  wrong?: NmapSummary['wrong'];
  dataFetches?: number;
}

export async function measureScanBench(a: ScanBenchArgs = {}): Promise<ScanBenchResult> {
  const n = Math.max(1, Math.min(a.servers ?? 200, 1000));
  const rounds = Math.max(1, a.rounds ?? 5);
  const concurrency = a.concurrency ?? 64;
  const load = loadavg()[0]!;
  // nmap's script: read and checked before anything starts, so a wrong path or a script that would leave the
  // machine fails at once.
  const version = a.nmap === false ? undefined : nmapVersion();
  const source = a.nmap === false ? undefined : nmapScriptSource(a.nmapScript, a.nmapData);
  const nmapSkipped =
    a.nmap === false
      ? 'not asked for (--no-nmap)'
      : !version
        ? 'nmap is not installed'
        : !source
          ? `no script given (this nmap, ${version}, does not ship ms-exchange-version): clone ${NMAP_SCRIPT_URL} and pass --nmap-script <clone>/ms-exchange-version.nse (or set EXAUDIT_NMAP_SCRIPT)`
          : undefined;
  const nseText = source && version ? readFileSync(source.script, 'utf8') : undefined;
  const nseFiles = nseText !== undefined ? localiseScript(nseText, 'http://127.0.0.1:1/').files : [];
  if (source) checkDataFiles(source.dataDir, nseFiles);
  const fleet = await startFleet(n);
  const dir = mkdtempSync(join(tmpdir(), 'exaudit-bench-scan-'));
  let data: DataServer | undefined;
  try {
    const ports = fleet.servers.map((s) => s.port);
    let nse: { name: string; text: string } | undefined;
    if (source && nseText !== undefined) {
      data = await startDataServer(source.dataDir, nseFiles);
      nse = { name: basename(source.script), text: localiseScript(nseText, data.base).text };
    }
    const withScript = nse ? nmapPlan(dir, ports, nse, false) : undefined;
    const runs = new Map<Kind, Run[]>();
    const splits: ScanBenchResult['split'][] = [];
    let plan: PlannedRequest[][] | undefined;
    const kinds: Kind[] = [
      'exaudit',
      'undici',
      'https',
      'one-connection',
      ...(a.cli === false ? [] : (['cli'] as const)),
      ...(withScript ? (['nmap'] as const) : []),
    ];
    for (let r = 0; r < rounds; r++) {
      // Rotated each round (exaudit first in the first: its requests are the plan the references replay).
      const order = kinds.map((_, i) => kinds[(i + r) % kinds.length]!);
      for (const kind of order) {
        await fleet.reset();
        let run: Omit<Run, 'wire'>;
        const fetched = data?.served() ?? 0;
        if (kind === 'nmap') {
          const t = await timed('nmap', withScript!.args);
          const score = scriptScore(fleet.servers, parseNmapXml(t.stdout));
          run = { ...t, right: score.right, wrong: score.wrong, dataFetches: data!.served() - fetched };
        } else if (kind === 'cli') {
          const out = join(dir, 'result.json');
          const t = await timed(process.execPath, [
            script('../src/cli/main.js'),
            'scan',
            ...ports.map((p) => `127.0.0.1:${p}`),
            '--ca',
            fleet.caFile,
            '--concurrency',
            String(concurrency),
            '--format',
            'json',
            '-o',
            out,
            '--quiet',
          ]);
          const doc = JSON.parse(readFileSync(out, 'utf8')) as {
            targets: { facts?: { exchange?: { build?: string; precision?: string } } }[];
          };
          run = {
            ...t,
            right: rightCount(
              fleet.servers,
              doc.targets.map((x) => x.facts?.exchange),
            ),
          };
        } else {
          const c = await runClient(dir, {
            kind,
            ports,
            ca: fleet.ca,
            concurrency,
            ...(kind === 'exaudit' ? { workers: a.workers ?? 1 } : { plan: plan! }),
          });
          run = c;
          if (c.builds) run.right = rightCount(fleet.servers, c.builds);
          if (c.costs) splits.push(splitOf(c, n));
        }
        const cost = await fleet.cost();
        if (kind === 'exaudit') plan ??= cost.requests;
        const list = runs.get(kind) ?? [];
        list.push({ ...run, wire: perTarget(cost.cost) });
        runs.set(kind, list);
      }
    }
    const summary = (kind: Kind, label: string): RunSummary & Pick<Run, 'wrong' | 'dataFetches'> => {
      const list = runs.get(kind)!;
      const pick = (f: (x: (typeof list)[number]) => number | undefined) => {
        const xs = list.map(f).filter((x): x is number => x !== undefined);
        return xs.length ? median(xs) : undefined;
      };
      const cpuMs = pick((x) => x.cpuMs);
      const rss = pick((x) => x.peakRssMiB);
      const right = list.some((x) => x.right !== undefined) ? Math.min(...list.map((x) => x.right ?? 0)) : undefined;
      const worst = list.find((x) => x.right === right);
      const fetches = pick((x) => x.dataFetches);
      return {
        label,
        ms: Math.round(pick((x) => x.ms)!),
        ...(cpuMs !== undefined ? { cpuMs: Math.round(cpuMs) } : {}),
        ...(rss !== undefined ? { peakRssMiB: round1(rss) } : {}),
        perTarget: {
          connections: pick((x) => x.wire.connections)!,
          handshakes: pick((x) => x.wire.handshakes)!,
          resumed: pick((x) => x.wire.resumed)!,
          requests: pick((x) => x.wire.requests)!,
        },
        ...(right !== undefined ? { right } : {}),
        ...(worst?.wrong?.length ? { wrong: worst.wrong } : {}),
        ...(fetches !== undefined ? { dataFetches: fetches } : {}),
      };
    };
    const exaudit = summary('exaudit', `exaudit collector${(a.workers ?? 1) > 1 ? `, ${a.workers} threads` : ''}`);
    const undici = summary('undici', 'reference: undici, same requests');
    const https = summary('https', 'reference: node:https, same requests');
    const oneConnection = summary('one-connection', 'same requests, one connection each');
    const cli = a.cli === false ? undefined : summary('cli', 'exaudit scan (whole command)');

    const nmap: NmapSummary | undefined = withScript
      ? { ...summary('nmap', `nmap ${version} + ms-exchange-version`), command: withScript.command }
      : undefined;
    // Service detection once, after the rounds: minutes on this fleet, and no build without the script.
    let nmapServiceDetection: NmapSummary | undefined;
    if (version && a.nmap !== false && a.nmapServiceDetection) {
      await fleet.reset();
      mkdirSync(join(dir, 'sv'), { recursive: true });
      const plan = nmapPlan(join(dir, 'sv'), ports, nse, true);
      const t = await timed('nmap', plan.args);
      const cost = await fleet.cost();
      const score = nse ? scriptScore(fleet.servers, parseNmapXml(t.stdout)) : undefined;
      nmapServiceDetection = {
        label: `nmap ${version} -sV${nse ? ' + script' : ''}, 1 run`,
        ms: t.ms,
        ...(t.cpuMs !== undefined ? { cpuMs: t.cpuMs } : {}),
        ...(t.peakRssMiB !== undefined ? { peakRssMiB: t.peakRssMiB } : {}),
        perTarget: perTarget(cost.cost),
        ...(score ? { right: score.right, ...(score.wrong.length ? { wrong: score.wrong } : {}) } : {}),
        command: plan.command,
      };
    }

    const split = {
      connectMs: round2(median(splits.map((s) => s.connectMs))),
      tlsMs: round2(median(splits.map((s) => s.tlsMs))),
      waitMs: round2(median(splits.map((s) => s.waitMs))),
      cpuMs: round2(median(splits.map((s) => s.cpuMs))),
    };
    // One target at a time, once: what each target costs when nothing else competes for the event loop.
    await fleet.reset();
    const alone = await runClient(dir, { kind: 'exaudit', ports, ca: fleet.ca, concurrency: 1, workers: 1 });
    const one = splitOf(alone, n);
    const splitOneByOne = {
      ms: alone.ms,
      connectMs: round2(one.connectMs),
      tlsMs: round2(one.tlsMs),
      waitMs: round2(one.waitMs),
      cpuMs: round2(one.cpuMs),
    };
    const result: ScanBenchResult = {
      servers: n,
      rounds,
      concurrency,
      exaudit,
      undici,
      https,
      oneConnection,
      ...(cli ? { cli } : {}),
      ...(nmap ? { nmap } : {}),
      ...(nmapServiceDetection ? { nmapServiceDetection } : {}),
      ...(nmapSkipped ? { nmapSkipped } : {}),
      split,
      splitOneByOne,
      ratio: round2(exaudit.ms / Math.min(undici.ms, https.ms)),
      ratioOneConnection: round2(exaudit.ms / oneConnection.ms),
      ...(nmap && cli ? { nmapRatio: round1(nmap.ms / cli.ms) } : {}),
      ...(nmap ? { nmapRatioCollector: round1(nmap.ms / exaudit.ms) } : {}),
      ...(nmap?.cpuMs && cli?.cpuMs ? { nmapCpuRatio: round1(nmap.cpuMs / cli.cpuMs) } : {}),
    };
    if (a.print !== false) process.stdout.write(report(result, load));
    return result;
  } finally {
    await data?.close();
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(r: ScanBenchResult, load: number): string {
  const row = (s: RunSummary) => {
    const w = s.perTarget;
    return [
      `  ${s.label.padEnd(40)}`,
      `${String(s.ms).padStart(7)} ms`,
      s.cpuMs !== undefined ? `${String(s.cpuMs).padStart(7)} ms` : '      n/a',
      s.peakRssMiB !== undefined ? `${String(s.peakRssMiB).padStart(7)} MiB` : '        n/a',
      `${String(w.connections).padStart(6)} ${String(w.handshakes).padStart(5)} (${w.resumed})`.padEnd(16),
      `${String(w.requests).padStart(5)}`,
      s.right !== undefined ? `   ${s.right}/${r.servers}` : '',
    ].join('  ');
  };
  const nmapLines = (s: NmapSummary) => [
    row(s),
    `    ${s.command}`,
    ...(s.wrong?.length
      ? [
          `    wrong (the round with fewest right): ${s.wrong
            .slice(0, 4)
            .map((w) => `${w.count} × ${w.expected} read as ${w.got}`)
            .join('; ')}`,
        ]
      : []),
    ...(s.dataFetches !== undefined
      ? [
          `    the script fetched its data files ${s.dataFetches} times a run, from the bench's loopback server (it asks raw.githubusercontent.com)`,
        ]
      : []),
  ];
  const lines = [
    `scan bench: ${r.servers} lab servers on 127.0.0.1 in their own process (in every 10: 6 send X-OWA-Version, 2 are before the July 2021 SU, 1 is CU-level only, 1 is a balanced pair mid-upgrade); concurrency ${r.concurrency}; median of ${r.rounds} interleaved rounds, each client in its own process; ${availableParallelism()} CPUs, load average ${load.toFixed(1)} at start`,
    `  ${''.padEnd(40)}     wall    client CPU    peak RSS   per target: TCP  TLS (resumed)  HTTP   builds right`,
    row(r.exaudit),
    row(r.undici),
    row(r.https),
    row(r.oneConnection),
    ...(r.cli ? [row(r.cli)] : []),
    ...(r.nmap ? nmapLines(r.nmap) : []),
    ...(r.nmapServiceDetection ? nmapLines(r.nmapServiceDetection) : []),
    ...(r.nmapSkipped ? [`  nmap + ms-exchange-version: skipped, ${r.nmapSkipped}`] : []),
    `  exaudit per target, ${r.concurrency} at once: connect ${r.split.connectMs} ms, TLS ${r.split.tlsMs} ms, waiting for the server ${r.split.waitMs} ms (these overlap, and include waiting for the event loop), exaudit's own CPU ${r.split.cpuMs} ms`,
    `  exaudit per target, one at a time (${r.splitOneByOne.ms} ms for all): connect ${r.splitOneByOne.connectMs} ms, TLS ${r.splitOneByOne.tlsMs} ms, waiting for the server ${r.splitOneByOne.waitMs} ms, exaudit's own CPU ${r.splitOneByOne.cpuMs} ms`,
    `  ratios: exaudit ${r.ratio}× the faster reference making the same requests; ${r.ratioOneConnection}× the same requests on one connection per target`,
    ...(r.nmap
      ? [
          `  nmap + ms-exchange-version took ${r.nmapRatio ?? '?'}× the time of the whole exaudit scan command (${r.nmapRatioCollector}× the collector's) and ${r.nmapCpuRatio ?? '?'}× its CPU`,
        ]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * `npm run bench -- scan [--servers N] [--rounds R] [--concurrency C] [--workers W] [--no-cli] [--no-nmap]
 * [--nmap-script FILE] [--nmap-data DIR] [--nmap-sv]`.
 */
export async function runScanBench(args: ScanBenchArgs = {}): Promise<void> {
  await measureScanBench(args);
}
