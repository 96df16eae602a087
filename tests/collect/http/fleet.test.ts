/**
 * A 500-target scan in one run, streamed as ndjson: five real servers, each listening on 100 loopback ports (every
 * target is its own name, TLS handshake and connections), one of them TLS-broken. Every target is reported, the
 * builds map back to their servers, and the broken ones are clear per-target errors.
 */
import { describe, expect, it } from 'vitest';
import { startHttpLab } from '../../../src/lab/index.js';
import { runCliAsync } from '../../helpers/cli.js';
import { scanTargets } from '../../../src/collect/http/scan.js';
import { parseTarget } from '../../../src/collect/http/targets.js';
import type { CollectedTarget } from '../../../src/contract.js';

describe('scan fleet', () => {
  it('scans 500 lab targets in one run', async () => {
    const builds = ['15.2.1748.42', '15.1.2507.57', '15.2.2562.35', '15.0.1497.45'];
    const lab = await startHttpLab([
      ...builds.map((build, i) => ({ name: `ex${i}`, build, aliases: 99 })),
      { name: 'broken', kind: 'tls-broken' as const, aliases: 99 },
    ]);
    try {
      const byPort = new Map(lab.servers.flatMap((s) => s.ports.map((p) => [p, s] as const)));
      const targets = [...byPort.keys()].map((p) => `127.0.0.1:${p}`);
      expect(targets).toHaveLength(500);
      const r = await runCliAsync([
        'scan',
        ...targets,
        '--ca',
        lab.caFile,
        '--format',
        'ndjson',
        '--concurrency',
        '32',
        '--samples',
        '1',
        '--timeout',
        '20s',
        '--request-timeout',
        '5s',
        '--quiet',
        '--as-of',
        '2026-11-25',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1); // critical CVEs are open on several of these builds
      const lines = r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(501);
      const results = lines.slice(0, 500) as {
        target: string;
        status: string;
        error?: string;
        facts?: { exchange?: { build?: string; precision?: string } };
      }[];
      expect(new Set(results.map((l) => l.target)).size).toBe(500);
      for (const l of results) {
        const s = byPort.get(Number(l.target.split(':')[1]))!;
        if (s.spec.kind === 'tls-broken')
          expect(l, l.target).toMatchObject({ status: 'error', error: expect.stringMatching(/does not speak TLS/) });
        else expect(l.facts!.exchange, l.target).toMatchObject({ build: s.spec.build, precision: 'exact' });
      }
      expect(lines[500].summary).toMatchObject({ targets: 500, targetsByStatus: { assessed: 400, error: 100 } });
    } finally {
      await lab.close();
    }
  }, 180_000);

  it('holds no more than --concurrency targets while the consumer (the ndjson writer) is not keeping up', async () => {
    const lab = await startHttpLab([{ name: 'many', build: '15.2.1748.42', aliases: 19 }]);
    try {
      const targets = lab.servers[0]!.ports.map((p) => parseTarget(`127.0.0.1:${p}`)[0]!);
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let scanned = 0;
      let fourScanned!: () => void;
      const four = new Promise<void>((r) => {
        fourScanned = r;
      });
      const seen: CollectedTarget[] = [];
      const run = scanTargets(
        targets,
        {
          ca: lab.ca,
          requestTimeoutMs: 5000,
          targetTimeoutMs: 20_000,
          samples: 1,
          concurrency: 4,
          onCost: () => {
            if (++scanned === 4) fourScanned();
          },
        },
        async (c) => {
          seen.push(c);
          await gate; // a consumer blocked on a full output stream
        },
      );
      await four;
      // Nothing else can start until a result is consumed: exactly four targets were contacted, and the consumer
      // is called once at a time (the other three results wait for it).
      const contacted = () => new Set(lab.servers[0]!.requests.map((r) => r.headers.host)).size;
      expect(contacted()).toBe(4);
      expect(seen).toHaveLength(1);
      release();
      await run;
      expect(seen).toHaveLength(20);
      expect(contacted()).toBe(20);
      expect(seen.every((c) => c.facts?.exchange?.build === '15.2.1748.42')).toBe(true);
    } finally {
      await lab.close();
    }
  }, 60_000);
});
