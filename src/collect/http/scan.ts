/**
 * Passive HTTPS collector (DESIGN.md §5, remote-detection.md §0-§4). Per target it sends only what a browser or
 * mail client sends without credentials, in order of precision:
 *   1. GET /autodiscover/autodiscover.xml, `samples` times, each on a new connection to see every front end: the
 *      401 carries X-OWA-Version from the July 2021 SU on (exact);
 *   2. only while a sample lacked the exact build: GET /EWS/Exchange.asmx (the same 401),
 *      /Microsoft-Server-ActiveSync if neither answered 401, and GET /owa/ (the redirect, product markers);
 *   3. GET /owa/auth/logon.aspx: the OWA resource folder (CU level, which must agree with the header) and markers;
 *   4. GET /ecp/Current/exporttool/…application, only when no exact build was read yet (exact), or when a front
 *      end behind a load balancer has none (then asked again on new connections, at most `samples` rounds).
 * A server that sends X-OWA-Version costs 4 requests on 3 connections, an older one 7 (cost.test.ts). The
 * certificate is read from the first connection; a separate handshake runs only to explain a target that gave no
 * answer. Every request becomes an observation in facts.http; judge() turns them into facts.exchange. It never
 * judges exposure: checks do. A bad server never throws out of here: it becomes a failure or a partial result.
 */
import pLimit from 'p-limit';
import type { Facts, HttpObservation } from '../../facts/schema.js';
import type { CollectedTarget } from '../../contract.js';
import { errorMessage } from '../../util/errors.js';
import { TOOL_VERSION } from '../../util/tool.js';
import {
  DeadlineError,
  noCost,
  ScanAgent,
  TargetClient,
  type Reply,
  type RequestPacer,
  type TargetCost,
} from './client.js';
import { headerVersion, isOnlineBuild, manifestVersion, markersOf, owaPathVersion } from './evidence.js';
import { frontEndGaps, judge, T1 } from './judge.js';
import { runMitigationProbes } from './probes.js';
import { inspectTls } from './tls.js';
import { RatePacer } from './rate.js';
import { scanInWorkers } from './pool.js';
import type { ScanTarget } from './targets.js';

export interface ScanOptions {
  /** Extra trusted CA certificates (PEM text), added to the system roots. */
  ca?: string;
  insecure?: boolean;
  hostHeader?: string;
  requestTimeoutMs: number;
  targetTimeoutMs: number;
  probeMitigations?: boolean;
  /** Autodiscover samples, each on a new connection (load balancers); default 3; taken when the first answered 401. */
  samples?: number;
  /** Spaces out every request of the scan (`--rate`); set by scanTargets. */
  pacer?: RequestPacer;
  /** The scan's connections, shared by its targets; set by scanTargets. */
  agent?: ScanAgent;
}

export const PATHS = {
  autodiscover: '/autodiscover/autodiscover.xml',
  ews: '/EWS/Exchange.asmx',
  activesync: '/Microsoft-Server-ActiveSync',
  owa: '/owa/',
  logon: '/owa/auth/logon.aspx',
  exporttool: '/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application',
} as const;

/** One reply as evidence: one observation, or two when the logon page shows both a header version and a folder. */
export function observe(technique: string, r: Reply): HttpObservation[] {
  const base: HttpObservation = {
    technique,
    method: r.method,
    path: r.path,
    ...(r.status !== undefined ? { status: r.status } : {}),
    headers: r.headers,
    ...(r.headers['x-feserver'] ? { frontEnd: r.headers['x-feserver'] } : {}),
    ...(r.error ? { error: r.error } : {}),
    durationMs: r.durationMs,
  };
  const markers = r.status !== undefined ? markersOf(r.status, r.headers, r.body) : [];
  if (markers.length) base.markers = markers;
  const withRead = (
    o: HttpObservation,
    v: { build: string; precision: HttpObservation['precision']; evidence: string } | undefined,
  ): HttpObservation => (v ? { ...o, build: v.build, precision: v.precision, evidence: v.evidence } : o);
  const header = headerVersion(r.headers['x-owa-version']);
  const fromHeader = header && !('invalid' in header) ? header : undefined;
  switch (technique) {
    case T1:
      return [withRead(base, fromHeader)];
    case 'ecp-exporttool-manifest':
      return [withRead(base, r.status === 200 ? manifestVersion(r.body) : undefined)];
    case 'owa-resource-path': {
      const folder = r.status === 200 ? owaPathVersion(r.body) : undefined;
      const out = [withRead(base, folder)];
      if (fromHeader) out.push(withRead({ ...base, technique: 'x-owa-version-owa' }, fromHeader));
      return out;
    }
    default: // /owa/: a version header here is T5 (2007/2010, or a replayed profile)
      return [withRead(fromHeader ? { ...base, technique: 'x-owa-version-owa' } : base, fromHeader)];
  }
}

/** Scans one target; resolves (never rejects) with facts or a one-line failure. */
export async function scanTarget(t: ScanTarget, opts: ScanOptions): Promise<CollectedTarget> {
  return (await scanTargetCost(t, opts)).result;
}

/** scanTarget, and what the target cost on the wire (connections, handshakes, requests, time). */
export async function scanTargetCost(
  t: ScanTarget,
  opts: ScanOptions,
): Promise<{ result: CollectedTarget; cost: TargetCost }> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new DeadlineError(opts.targetTimeoutMs)), opts.targetTimeoutMs);
  let cost = noCost();
  try {
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    const client = new TargetClient(t, opts, ctl.signal);
    cost = client.cost;
    try {
      return { result: await collect(t, opts, client, ctl.signal, startedAt, t0), cost };
    } finally {
      await client.close();
    }
  } catch (err) {
    return {
      result: { target: t.name, failure: { status: 'error', error: `scan failed: ${errorMessage(err)}` } },
      cost,
    };
  } finally {
    clearTimeout(timer);
  }
}

async function collect(
  t: ScanTarget,
  opts: ScanOptions,
  client: TargetClient,
  deadline: AbortSignal,
  startedAt: string,
  t0: number,
): Promise<CollectedTarget> {
  const observations: HttpObservation[] = [];
  const replies = new Map<string, Reply>();
  const failed: Reply[] = [];
  let streak = 0;
  let stopped = false;
  const record = (technique: string, r: Reply) => {
    observations.push(...observe(technique, r));
    if (!replies.has(r.path)) replies.set(r.path, r);
    if (r.status === undefined) {
      failed.push(r);
      // Two requests in a row without any answer (or the deadline): stop rather than wait out every timeout.
      if (++streak >= 2 || r.kind === 'deadline') stopped = true;
    } else streak = 0;
  };
  const fetch = async (technique: string, path: string, o: { fresh?: boolean } = {}): Promise<void> => {
    if (!stopped) record(technique, await client.get(path, o));
  };

  const samples = Math.max(1, opts.samples ?? 3);
  const first = await client.get(PATHS.autodiscover, { fresh: samples > 1 });
  if (first.status === undefined && first.kind !== 'deadline') {
    // No answer at all: one separate handshake tells why (refused, not TLS, untrusted certificate, silent).
    await opts.pacer?.take(deadline);
    client.cost.connections++;
    const tls = await inspectTls(t, { ...opts, timeoutMs: opts.requestTimeoutMs }, deadline);
    if (tls.info) client.cost.handshakes++;
    if (tls.failure) {
      const error = deadline.aborted
        ? `no TLS handshake within the per-target timeout of ${opts.targetTimeoutMs} ms`
        : tls.failure.error;
      return { target: t.name, failure: { status: tls.failure.status, error } };
    }
  }
  record(T1, first);
  if (first.status === 401 || first.headers['x-feserver']) {
    // Load-balancer sampling: each sample on a new connection; the last one stays open for what follows. Also when
    // the first answer had no version: a front end still before the July 2021 SU may share the name with newer ones.
    for (let i = 1; i < samples; i++) await fetch(T1, PATHS.autodiscover, { fresh: i < samples - 1 });
  }
  // Every sample read the exact build from the 401: EWS would repeat that 401 on the same connection, and /owa/ only
  // redirects to the logon page. The logon page is still read: its OWA folder must agree with the header's CU.
  const t1 = observations.filter((o) => o.technique === T1);
  const known =
    t1.length === samples && t1.every((o) => o.status === 401 && o.precision === 'exact' && !isOnlineBuild(o.build!));
  if (!known) {
    await fetch(T1, PATHS.ews);
    if (!observations.some((o) => o.technique === T1 && o.status === 401)) await fetch(T1, PATHS.activesync);
    await fetch('owa-redirect', PATHS.owa);
  }
  await fetch('owa-resource-path', PATHS.logon);
  if (!observations.some((o) => o.precision === 'exact') || frontEndGaps(observations).noExact.length) {
    await fetch('ecp-exporttool-manifest', PATHS.exporttool);
  }
  // Several front ends, some without an exact build: ask the same passive questions again on new connections
  // (each lands where the balancer sends it; every answer is credited by its X-FEServer), at most --samples rounds.
  let ecpAnswers = replies.get(PATHS.exporttool)?.status === 200;
  for (let i = 0; i < samples && !stopped; i++) {
    const gaps = frontEndGaps(observations);
    if (!gaps.noExact.length || (!ecpAnswers && !gaps.noBuild.length)) break;
    if (ecpAnswers) {
      const r = await client.get(PATHS.exporttool, { fresh: true });
      record('ecp-exporttool-manifest', r);
      ecpAnswers = r.status === 200;
    }
    if (frontEndGaps(observations).noBuild.length) await fetch('owa-resource-path', PATHS.logon, { fresh: true });
  }

  if (!observations.some((o) => o.status !== undefined)) {
    const timedOut = failed.some((r) => r.kind === 'deadline');
    const unreachable = failed.every((r) => r.kind === 'refused' || r.kind === 'dns' || r.kind === 'unreachable');
    const firstError = failed[0];
    return {
      target: t.name,
      failure: {
        status: unreachable ? 'unreachable' : 'error',
        error: timedOut
          ? `no HTTP answer within the per-target timeout of ${opts.targetTimeoutMs} ms (raise --timeout)`
          : `no HTTP answer: ${firstError ? `${firstError.path}: ${firstError.error}` : 'nothing was sent'}`,
      },
    };
  }

  const { exchange, behindProxy } = judge(observations);
  const tls = client.certificate ?? {
    verified: false,
    ...(opts.insecure ? { insecure: true } : {}),
    error: 'certificate not captured',
  };
  const http: NonNullable<Facts['http']> = {
    baseUrl: t.base,
    ...(opts.hostHeader ? { hostHeader: opts.hostHeader } : {}),
    tls,
    observations,
    ...(behindProxy ? { behindProxy } : {}),
  };
  if (opts.probeMitigations && !stopped && !exchange.online && !exchange.notExchange) {
    const frontEnds = new Set(observations.map((o) => o.frontEnd).filter(Boolean)).size;
    http.mitigationProbes = await runMitigationProbes(client, replies, opts.hostHeader, frontEnds);
  }
  const finishedAt = new Date().toISOString();
  const errors = failed.map((r) => ({ group: 'http', message: `${r.method} ${r.path}: ${r.error}` }));
  const facts: Facts = {
    schemaVersion: '1',
    target: { name: t.name, address: t.host, port: t.port, transport: 'http' },
    collectedAt: startedAt,
    collectors: [
      {
        name: 'http',
        version: TOOL_VERSION,
        startedAt,
        finishedAt,
        durationMs: Math.round(performance.now() - t0),
        ...(errors.length ? { errors } : {}),
      },
    ],
    exchange,
    http,
  };
  return { target: t.name, facts };
}

export interface FleetOptions extends ScanOptions {
  concurrency: number;
  /** At most this many requests per second across the scan (`--rate`). */
  rate?: number;
  /** Worker threads to spread targets over; 1 (the default) scans in this thread. */
  workers?: number;
  /** What each target cost on the wire, with its input index (the bench reads it). */
  onCost?: (cost: TargetCost, index: number) => void;
}

/**
 * Scans targets with at most `concurrency` in flight and hands each result to `onResult` as soon as it is done
 * (completion order, with the input index; one call at a time, the next after the previous one settled). Only the
 * in-flight targets are held in memory, so a streaming caller (ndjson) stays flat however many targets there are. With `workers` above 1 the targets are
 * spread over worker threads (same results, same indexes; the concurrency and --rate are shared among them).
 */
export async function scanTargets(
  targets: readonly ScanTarget[],
  opts: FleetOptions,
  onResult: (c: CollectedTarget, index: number) => void | Promise<void>,
): Promise<void> {
  // Never more threads than targets, nor than targets in flight (each thread holds at least one).
  const workers = Math.min(Math.max(1, opts.workers ?? 1), targets.length, Math.max(1, opts.concurrency));
  const { onCost, workers: _w, concurrency, rate, pacer: _p, agent: _a, ...scan } = opts;
  if (workers > 1) return scanInWorkers(targets, { scan, concurrency, workers, rate, onCost }, onResult);
  const pacer = opts.pacer ?? (rate ? new RatePacer(rate) : undefined);
  const agent = opts.agent ?? new ScanAgent(scan);
  const limit = pLimit(Math.max(1, concurrency));
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  // One onResult call at a time, in completion order: a consumer writing to a stream needs no locking.
  let delivered = Promise.resolve();
  for (let i = 0; i < targets.length && failure === undefined; i++) {
    const target = targets[i]!;
    const p: Promise<void> = limit(() => scanTargetCost(target, { ...scan, agent, ...(pacer ? { pacer } : {}) }))
      .then(({ result, cost }) => {
        onCost?.(cost, i);
        return (delivered = delivered.then(() => onResult(result, i)));
      })
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => {
        inflight.delete(p);
      });
    inflight.add(p);
    // Queue no more than the pool can start soon: memory stays bounded by the concurrency, not the target count.
    if (inflight.size >= concurrency) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  if (!opts.agent) agent.destroy();
  if (failure !== undefined) throw failure;
}
