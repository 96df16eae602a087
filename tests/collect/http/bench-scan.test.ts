/** bench/scan runs end to end on a small fleet: both runs read every build, and it reports rates, ratios and memory (no timing asserted). */
import { describe, expect, it } from 'vitest';
import { measureScanBench } from '../../../bench/scan.js';

describe('bench/scan', () => {
  it('scans the same lab targets one by one and concurrently and reports both', async () => {
    const r = await measureScanBench({ targets: 40, concurrency: 8, print: false });
    expect(r.targets).toBe(40);
    for (const run of [r.concurrent, r.oneByOne]) {
      expect(run.exact).toBe(40);
      expect(run.targetsPerSecond).toBeGreaterThan(0);
      expect(run.peakRssMiB).toBeGreaterThan(0);
    }
    expect([r.concurrent.concurrency, r.oneByOne.concurrency]).toEqual([8, 1]);
    expect(r.speedup).toBeCloseTo(r.concurrent.targetsPerSecond / r.oneByOne.targetsPerSecond, 1);
    expect(r.memoryRatio).toBeGreaterThan(0);
  }, 60_000);
});
