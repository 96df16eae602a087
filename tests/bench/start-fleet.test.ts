/**
 * bench/start and bench/fleet run end to end on small inputs (no timing asserted): the start bench reports both
 * medians and which packages each command loads, and `build` loads no network, SSH or logging stack; the fleet
 * bench audits every server of each size and reads each run's own peak RSS.
 */
import { describe, expect, it } from 'vitest';
import { runStartBench } from '../../bench/start.js';
import { runFleetBench } from '../../bench/fleet.js';

describe('bench/start', () => {
  it('times build against node -e 0 and lists the packages loaded per command', () => {
    const r = runStartBench(1, false);
    expect(r.nodeMs).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.buildMs / r.nodeMs, 5);
    expect(r.packages['build 15.2.1544.14']).toContain('commander');
    for (const heavy of ['undici', 'pino', 'ssh2', 'node-powershell', 'fast-xml-parser', 'cli-progress'])
      expect(r.packages['build 15.2.1544.14']).not.toContain(heavy);
    expect(r.packages['collector']).toEqual(['commander']);
    // A streamed JSON scan loads the scan's packages but none of the renderers' (src/output/render.ts), and judges
    // without zod or yaml (check metadata validated at build, no waivers file).
    const scan = r.packages['scan --format json --output FILE']!;
    expect(scan).toEqual(expect.arrayContaining(['commander', 'p-limit']));
    for (const other of ['fast-xml-parser', 'csv-parse', 'picocolors', 'zod', 'yaml'])
      expect(scan).not.toContain(other);
    // Help lists every command, so it loads them all: the hook does see packages when they load.
    expect(r.packages['--help']).toEqual(expect.arrayContaining(['ssh2', 'node-powershell']));
  }, 60_000);
});

describe('bench/fleet', () => {
  it('audits one facts file of each size and reports time and peak memory', async () => {
    const runs = await runFleetBench([20, 60], false);
    expect(runs.map((r) => r.targets)).toEqual([20, 60]);
    for (const r of runs) {
      expect(r.peakRssMiB).toBeGreaterThan(10);
      expect(r.resultMiB).toBeGreaterThan(0);
      expect(r.msPerTarget).toBeCloseTo(r.ms / r.targets, 5);
    }
  }, 120_000);
});
