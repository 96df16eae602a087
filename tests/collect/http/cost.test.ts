/**
 * What a scan costs each target, counted by the lab servers themselves and by the client: one keep-alive connection
 * per load-balancer sample, the later ones resuming the first TLS session, no more questions once every sample read
 * the exact build; and `--rate`, checked on a request log (fake timers for the schedule, loopback for the whole
 * scan, with a bound that load can only make easier to meet).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHttpLab, type HttpLab } from '../../../src/lab/index.js';
import { PATHS, scanTargetCost, scanTargets } from '../../../src/collect/http/scan.js';
import { RatePacer } from '../../../src/collect/http/rate.js';
import { parseTarget } from '../../../src/collect/http/targets.js';
import type { TargetCost } from '../../../src/collect/http/client.js';

let lab: HttpLab;
const server = (name: string) => lab.servers.find((s) => s.name === name)!;
const target = (name: string) => parseTarget(`127.0.0.1:${server(name).port}`)[0]!;
const base = () => ({ ca: lab.ca, requestTimeoutMs: 5000, targetTimeoutMs: 20_000 });

beforeAll(async () => {
  lab = await startHttpLab([
    { name: 'header', build: '15.2.1748.49' },
    { name: 'pre-jul21', build: '15.1.2242.4' },
    { name: 'samples-1', build: '15.2.1748.49' },
    { name: 'rate-a', build: '15.2.1748.49' },
    { name: 'rate-b', build: '15.1.2242.4' },
    { name: 'rate-c', build: '15.0.1497.48' },
    { name: 'rate-d', build: '15.2.2562.46' },
  ]);
}, 30_000);
afterAll(async () => {
  await lab?.close();
});

/** The server's count for the target's port, and the client's own count, must agree. */
function wire(name: string, cost: TargetCost) {
  const s = server(name);
  const counted = s.cost.get(s.port)!;
  expect(cost).toMatchObject(counted);
  return counted;
}

describe('cost per target', () => {
  it('a server that sends X-OWA-Version: 4 requests on 3 connections, the 2nd and 3rd resuming the TLS session', async () => {
    const { result, cost } = await scanTargetCost(target('header'), base());
    expect(result.facts!.exchange).toMatchObject({ build: '15.2.1748.49', precision: 'exact' });
    expect(wire('header', cost)).toEqual({ connections: 3, handshakes: 3, resumed: 2, requests: 4 });
    expect(server('header').requests.map((r) => [r.url, r.headers.connection])).toEqual([
      [PATHS.autodiscover, 'close'],
      [PATHS.autodiscover, 'close'],
      [PATHS.autodiscover, 'keep-alive'],
      [PATHS.logon, 'keep-alive'],
    ]);
    expect(cost.connectMs + cost.tlsMs + cost.waitMs).toBeGreaterThan(0);
  });
  it('before the July 2021 SU: 7 requests, still 3 connections (EWS, /owa/ and the manifest ride the last one)', async () => {
    const { result, cost } = await scanTargetCost(target('pre-jul21'), base());
    expect(result.facts!.exchange).toMatchObject({ build: '15.1.2242.4', precision: 'exact' });
    expect(wire('pre-jul21', cost)).toEqual({ connections: 3, handshakes: 3, resumed: 2, requests: 7 });
    expect(server('pre-jul21').requests.map((r) => r.url)).toEqual([
      PATHS.autodiscover,
      PATHS.autodiscover,
      PATHS.autodiscover,
      PATHS.ews,
      PATHS.owa,
      PATHS.logon,
      PATHS.exporttool,
    ]);
  });
  it('--samples 1: one connection, one handshake, two requests', async () => {
    const { cost } = await scanTargetCost(target('samples-1'), { ...base(), samples: 1 });
    expect(wire('samples-1', cost)).toEqual({ connections: 1, handshakes: 1, resumed: 0, requests: 2 });
  });
});

describe('--rate', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('spaces requests 1/N s apart, in the order asked, never more than N in any second from the start', async () => {
    vi.useFakeTimers({ now: 0 });
    const pacer = new RatePacer(10, undefined, () => Date.now());
    const started: number[] = [];
    const all = Promise.all(Array.from({ length: 25 }, () => pacer.take().then(() => started.push(Date.now()))));
    await vi.advanceTimersByTimeAsync(2_500);
    await all;
    expect(started).toEqual(Array.from({ length: 25 }, (_, i) => i * 100));
    for (let s = 0; s * 1000 < 2_500; s++)
      expect(started.filter((t) => t >= s * 1000 && t < (s + 1) * 1000).length).toBeLessThanOrEqual(10);
  });
  it('an aborted wait returns at once', async () => {
    vi.useFakeTimers({ now: 0 });
    const pacer = new RatePacer(1, undefined, () => Date.now());
    await pacer.take();
    const ctl = new AbortController();
    let done = false;
    const waiting = pacer.take(ctl.signal).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(done).toBe(false);
    ctl.abort();
    await waiting;
    expect(Date.now()).toBeLessThan(1000);
  });

  for (const workers of [1, 2]) {
    it(`caps a whole scan's requests on loopback (${workers} thread${workers > 1 ? 's' : ''})`, async () => {
      const names = ['rate-a', 'rate-b', 'rate-c', 'rate-d'];
      for (const n of names) server(n).resetCost();
      const rate = 15;
      const startedAt = performance.timeOrigin + performance.now();
      const results: string[] = [];
      await scanTargets(names.map(target), { ...base(), concurrency: 4, rate, workers }, (c) => {
        results.push(c.facts?.exchange?.precision ?? 'none');
      });
      expect(results).toEqual(['exact', 'exact', 'exact', 'exact']);
      const at = names.flatMap((n) => server(n).requests.map((r) => r.at)).sort((a, b) => a - b);
      expect(at.length).toBe(4 + 7 + 4 + 4);
      // No request starts before its slot, and the slots are 1/rate s apart: by T seconds after the start at most
      // rate·T + 1 requests arrived, however loaded the machine (load only delays them).
      for (let s = 1; startedAt + (s - 1) * 1000 <= at.at(-1)!; s++)
        expect(at.filter((t) => t < startedAt + s * 1000).length).toBeLessThanOrEqual(rate * s + 1);
      expect((at.length - 1) / ((at.at(-1)! - startedAt) / 1000)).toBeLessThanOrEqual(rate);
    }, 30_000);
  }
});
