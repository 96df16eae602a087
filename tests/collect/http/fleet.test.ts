/** A 500-target lab scan in one run: every target answered or reported, in input order. */
import { describe, expect, it } from 'vitest';
import { startHttpLab } from '../../../src/lab/index.js';
import { runCliAsync } from '../../helpers/cli.js';

describe('scan fleet', () => {
  it('scans 500 lab targets in one run', async () => {
    const builds = ['15.2.1748.49', '15.1.2507.61', '15.2.2562.46', '15.0.1497.48', '15.2.1118.15'];
    const lab = await startHttpLab(Array.from({ length: 500 }, (_, i) => (i % 50 === 49 ? { name: `bad${i}`, kind: 'tls-broken' as const } : { name: `ex${i}`, build: builds[i % builds.length]! })));
    try {
      const r = await runCliAsync(['scan', ...lab.servers.map((s) => `127.0.0.1:${s.port}`), '--ca', lab.caFile, '--ndjson', '--concurrency', '32', '--timeout', '20000', '--quiet']);
      expect(r.code).toBe(1); // critical CVEs open on several builds
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { target: string; status: string; facts?: { exchange?: { build?: string } } });
      expect(lines).toHaveLength(500);
      expect(lines.filter((l) => l.status === 'assessed')).toHaveLength(490);
      expect(lines.filter((l) => l.status !== 'assessed').every((l) => /error|unreachable/.test(l.status))).toBe(true);
      const byPort = new Map(lines.map((l) => [Number(l.target.split(':')[1]), l]));
      lab.servers.forEach((s) => { if (s.spec.build) expect(byPort.get(s.port)!.facts!.exchange!.build).toBe(s.spec.build); });
    } finally {
      await lab.close();
    }
  }, 180_000);
});
