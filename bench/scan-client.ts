/**
 * One client run of the scan benchmark, in its own process so its CPU time and peak RSS are its own:
 * `node dist/bench/scan-client.js <job.json>` prints one JSON line (wall ms, CPU ms, peak RSS, and for exaudit the
 * builds read and the per-target costs it measured). Kinds:
 * - exaudit: the passive collector (scanTargets), as `exaudit scan` runs it, without judging or reporting;
 * - undici / https: reference clients making exactly the requests exaudit made to each target (same paths, same
 *   order, same headers, `Connection: close` where exaudit asked for a new connection), keep-alive otherwise, one
 *   target's requests in sequence, `concurrency` targets at once, bodies read and dropped: nothing else;
 * - one-connection: the same requests on a single keep-alive connection per target (no load-balancer sampling).
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createSecureContext } from 'node:tls';
import { Client } from 'undici';
import { scanTargets } from '../src/collect/http/scan.js';
import { USER_AGENT, type TargetCost } from '../src/collect/http/client.js';
import { parseTarget, type ScanTarget } from '../src/collect/http/targets.js';
import type { PlannedRequest } from './scan-fleet.js';

export type ClientKind = 'exaudit' | 'undici' | 'https' | 'one-connection';

export interface ClientJob {
  kind: ClientKind;
  ports: number[];
  ca: string;
  concurrency: number;
  workers?: number;
  /** Per target, the requests to replay (reference kinds). */
  plan?: PlannedRequest[][];
}

export interface ClientRun {
  ms: number;
  cpuMs: number;
  peakRssMiB: number;
  /** exaudit: the build and precision read per target (input order). */
  builds?: { build?: string; precision?: string; error?: string }[];
  /** exaudit: the client-side cost of every target. */
  costs?: TargetCost[];
}

/** Runs `work` over indexes 0..n-1 with at most `concurrency` at once. */
async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

const headersFor = (t: ScanTarget) => ({ host: new URL(t.base).host, 'user-agent': USER_AGENT, accept: '*/*' });

async function viaUndici(targets: ScanTarget[], job: ClientJob, keepOne: boolean): Promise<void> {
  const secureContext = createSecureContext({ ca: job.ca }); // built once, like a long-lived client
  await pool(targets.length, job.concurrency, async (i) => {
    const t = targets[i]!;
    const client = new Client(t.base, { connect: { secureContext }, keepAliveTimeout: 4_000 });
    for (const r of job.plan![i]!) {
      const res = await client.request({
        path: r.path,
        method: 'GET',
        headers: headersFor(t),
        ...(r.close && !keepOne ? { reset: true } : {}),
      });
      await res.body.arrayBuffer();
    }
    await client.close();
  });
}

async function viaHttps(targets: ScanTarget[], job: ClientJob): Promise<void> {
  // One agent for the fleet: keep-alive, one socket per target, Node's own TLS session cache.
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, secureContext: createSecureContext({ ca: job.ca }) });
  await pool(targets.length, job.concurrency, async (i) => {
    const t = targets[i]!;
    for (const r of job.plan![i]!) {
      await new Promise<void>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: t.host,
            port: t.port,
            path: r.path,
            method: 'GET',
            agent,
            headers: { ...headersFor(t), ...(r.close ? { connection: 'close' } : {}) },
          },
          (res) => {
            res.on('data', () => {});
            res.on('end', resolve);
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      });
    }
  });
  agent.destroy();
}

async function viaExaudit(targets: ScanTarget[], job: ClientJob): Promise<Pick<ClientRun, 'builds' | 'costs'>> {
  const builds: NonNullable<ClientRun['builds']> = new Array(targets.length);
  const costs: TargetCost[] = new Array(targets.length);
  await scanTargets(
    targets,
    {
      ca: job.ca,
      requestTimeoutMs: 10_000,
      targetTimeoutMs: 60_000,
      samples: 3,
      concurrency: job.concurrency,
      workers: job.workers ?? 1,
      onCost: (c, i) => {
        costs[i] = c;
      },
    },
    (c, i) => {
      const e = c.facts?.exchange;
      builds[i] = { ...(e?.build ? { build: e.build } : {}), ...(e?.precision ? { precision: e.precision } : {}) };
      if (c.failure) builds[i]!.error = c.failure.error;
    },
  );
  return { builds, costs };
}

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ClientJob;
  const targets = job.ports.map((p) => parseTarget(`127.0.0.1:${p}`)[0]!);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let extra: Pick<ClientRun, 'builds' | 'costs'> = {};
  if (job.kind === 'exaudit') extra = await viaExaudit(targets, job);
  else if (job.kind === 'https') await viaHttps(targets, job);
  else await viaUndici(targets, job, job.kind === 'one-connection');
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const run: ClientRun = {
    ms: Math.round(ms),
    cpuMs: Math.round((used.user + used.system) / 1000),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
    ...extra,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
