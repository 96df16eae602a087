/**
 * Worker threads change where targets are scanned, not what is found: the same facts (timings and random request
 * ids aside) at the same input indexes as one thread, for every kind of target, and the same document in the same
 * order from `exaudit scan --workers 2`. The workers run the compiled code (npm test builds it first).
 */
import { autoWorkers } from '../../../src/cli/scan.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpLab, type HttpLab, type LabServerSpec } from '../../../src/lab/index.js';
import { scanTargets } from '../../../src/collect/http/scan.js';
import { parseTarget } from '../../../src/collect/http/targets.js';
import type { CollectedTarget } from '../../../src/engine/run.js';
import { runCliAsync } from '../../helpers/cli.js';

// One target per server (a balancer's front ends rotate per connection, so a second scan of the same lab would
// start on another one: balancers are covered by scan.test.ts).
const SPECS: LabServerSpec[] = [
  { name: 'header', build: '15.2.1748.49' },
  { name: 'manifest', build: '15.1.2242.4' },
  { name: 'cu', build: '15.1.2308.8', ecp: 'blocked' },
  { name: 'se', build: '15.2.2562.46' },
  { name: 'e2010', build: '14.3.513.0' },
  { name: 'pns', build: '15.2.986.26', mitigations: { proxynotshell: 'abort' } },
  { name: 'exo', kind: 'online' },
  { name: 'nginx', kind: 'not-exchange', flavor: 'nginx' },
  { name: 'kemp', kind: 'proxy' },
  { name: 'c2', kind: 'spoof', flavor: 'c2-office365' },
  { name: 'broken', kind: 'tls-broken' },
  { name: 'foreign', build: '15.2.1748.49', cert: 'foreign' },
];

let lab: HttpLab;
beforeAll(async () => {
  lab = await startHttpLab(SPECS);
}, 30_000);
afterAll(async () => {
  await lab?.close();
});

/** Drops what differs between two scans of the same servers: times, durations, random request ids. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(
          ([k]) =>
            ![
              'durationMs',
              'collectedAt',
              'startedAt',
              'finishedAt',
              'request-id',
              'factsDigest',
              'generatedAt',
            ].includes(k),
        )
        .map(([k, v]) => [k, stable(v)]),
    );
  return value;
}

async function scan(workers: number): Promise<{ byIndex: CollectedTarget[]; targets: string[] }> {
  const targets = lab.targets().map((t) => parseTarget(t)[0]!);
  const byIndex: CollectedTarget[] = new Array(targets.length);
  await scanTargets(
    targets,
    { ca: lab.ca, requestTimeoutMs: 3000, targetTimeoutMs: 20_000, probeMitigations: true, concurrency: 4, workers },
    (c, i) => {
      expect(byIndex[i]).toBeUndefined();
      byIndex[i] = c;
    },
  );
  return { byIndex, targets: targets.map((t) => t.name) };
}

describe('worker threads', () => {
  it('give the same results at the same indexes as one thread', async () => {
    const one = await scan(1);
    const three = await scan(3);
    expect(three.byIndex.map((c) => c.target)).toEqual(one.targets);
    expect(stable(three.byIndex)).toEqual(stable(one.byIndex));
    // The fleet really exercised every path: builds, classifications and failures.
    expect(one.byIndex.map((c) => c.failure?.status ?? c.facts!.exchange!.precision)).toEqual([
      'exact',
      'exact',
      'cu',
      'exact',
      'cu',
      'exact',
      'none',
      'none',
      'none',
      'none',
      'error',
      'error',
    ]);
  }, 60_000);

  it('exaudit scan --workers 2 writes the same document, in input order', async () => {
    const run = async (workers: string) => {
      const r = await runCliAsync([
        'scan',
        ...lab.targets(),
        '--ca',
        lab.caFile,
        '--workers',
        workers,
        '--format',
        'json',
        '--quiet',
        '--as-of',
        '2026-11-25',
      ]);
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as { targets: { target: string }[]; options: Record<string, unknown> };
    };
    const one = await run('1');
    const two = await run('2');
    expect(two.targets.map((t) => t.target)).toEqual(lab.targets());
    expect(stable(two.targets)).toEqual(stable(one.targets));
    expect(two.options.workers).toBe(2);
    // auto: the lab's few targets stay on one thread (recorded as no workers option).
    expect((await run('auto')).options.workers).toBeUndefined();
  }, 90_000);

  it('--workers auto: one thread per 64 targets, at most one per core and 16', () => {
    expect(autoWorkers(1, 8)).toBe(1);
    expect(autoWorkers(127, 8)).toBe(1);
    expect(autoWorkers(128, 8)).toBe(2);
    expect(autoWorkers(200, 2)).toBe(2);
    expect(autoWorkers(10_000, 4)).toBe(4);
    expect(autoWorkers(100_000, 64)).toBe(16);
  });
});
