/**
 * bench/scan runs end to end on a small fleet in its own process: exaudit reads every build, the reference clients
 * make exactly the requests exaudit made (the servers count the same connections, handshakes and requests), and
 * the report carries the per-target costs, the time split and the ratios. No timing is asserted.
 */
import { describe, expect, it } from 'vitest';
import { measureScanBench } from '../../../bench/scan.js';

describe('bench/scan', () => {
  it('scans a fleet in another process with exaudit and with reference clients making the same requests', async () => {
    const r = await measureScanBench({ servers: 10, rounds: 1, concurrency: 4, cli: false, nmap: false, print: false });
    expect(r.servers).toBe(10);
    expect(r.exaudit.right).toBe(10);
    // The pattern of 10: seven answer with the header (4 requests; the balanced pair too), three do not (7).
    expect(r.exaudit.perTarget).toEqual({ connections: 3, handshakes: 3, resumed: 2, requests: 4.9 });
    expect(r.undici.perTarget).toEqual(r.exaudit.perTarget);
    expect(r.https.perTarget).toEqual(r.exaudit.perTarget);
    expect(r.oneConnection.perTarget).toMatchObject({
      connections: 1,
      handshakes: 1,
      requests: r.exaudit.perTarget.requests,
    });
    for (const run of [r.exaudit, r.undici, r.https, r.oneConnection]) {
      expect(run.ms).toBeGreaterThan(0);
      expect(run.cpuMs).toBeGreaterThan(0);
      expect(run.peakRssMiB).toBeGreaterThan(0);
    }
    expect(r.split.cpuMs).toBeGreaterThan(0);
    expect(r.split.tlsMs).toBeGreaterThan(0);
    expect(r.splitOneByOne.tlsMs).toBeGreaterThan(0);
    expect(r.splitOneByOne.cpuMs).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.exaudit.ms / Math.min(r.undici.ms, r.https.ms), 1);
    expect(r.nmap).toBeUndefined();
    expect(r.nmapSkipped).toBe('not asked for (--no-nmap)');
  }, 120_000);
});
