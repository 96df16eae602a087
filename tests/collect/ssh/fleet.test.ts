/**
 * A 200-target loopback inventory at concurrency 16: read from a YAML inventory the way `audit --inventory` does,
 * bad targets reported one by one, good ones collected, never more than 16 in flight, nothing leaked.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSshLab } from '../../../src/lab/ssh/server.js';
import { collectFleet, fleetTargets } from '../../../src/collect/ssh/fleet.js';
import { readInventory } from '../../../src/targets/inventory.js';
import type { Facts } from '../../../src/facts/schema.js';

const FACTS = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../fixtures/demo/facts/exse-mbx01.contoso.test.json'), 'utf8'),
) as Facts;
const handles = () => process.getActiveResourcesInfo().filter((r) => /TCP|Pipe|Timeout/i.test(r)).length;
const behaviour = (i: number) =>
  i % 19 === 0
    ? ('hang' as const)
    : i % 23 === 0
      ? ('garbage' as const)
      : i % 29 === 0
        ? ('drop' as const)
        : ('facts' as const);

describe('SSH fleet', () => {
  it('a 200-target inventory at concurrency 16 completes with per-target errors, at most 16 in flight, and no leaked sockets', async () => {
    const lab = await startSshLab(
      Array.from({ length: 190 }, (_, i) => ({ name: `ex${i}`, facts: FACTS, behaviour: behaviour(i) })),
    );
    const dir = mkdtempSync(join(tmpdir(), 'exaudit-fleet-'));
    const before = handles();
    try {
      // 190 lab servers and 10 closed ports, as an inventory file.
      const lines = [
        ...lab.servers.map((s) => `  - { host: ${s.host}, port: ${s.port}, user: admin, tags: [lab] }`),
        ...Array.from({ length: 10 }, (_, i) => `  - { host: 127.0.0.1, port: ${1 + i}, user: admin }`),
      ];
      const inv = join(dir, 'fleet.yaml');
      writeFileSync(inv, `hosts:\n${lines.join('\n')}\n`);
      const targets = fleetTargets([], readInventory(inv));
      expect(targets).toHaveLength(200);
      const results = await collectFleet(
        targets,
        {
          identity: lab.clientKeyFile,
          knownHostsFile: lab.knownHostsFile,
          connectTimeoutMs: 5000,
          commandTimeoutMs: 1500,
        },
        16,
      );

      expect(results).toHaveLength(200);
      expect(results.map((r) => r.target)).toEqual(targets.map((t) => t.name)); // order kept
      const closed = new Set(Array.from({ length: 10 }, (_, i) => `127.0.0.1:${1 + i}`));
      const expectedFailures = new Map<string, RegExp>();
      lab.servers.forEach((s, i) => {
        const b = behaviour(i);
        if (b === 'hang') expectedFailures.set(`${s.host}:${s.port}`, /did not finish within 1500 ms/);
        if (b === 'garbage') expectedFailures.set(`${s.host}:${s.port}`, /no facts in the collector's output/);
        if (b === 'drop') expectedFailures.set(`${s.host}:${s.port}`, /closed in the middle of the collector's output/);
      });
      for (const r of results) {
        const want = expectedFailures.get(r.target);
        if (closed.has(r.target)) {
          expect(r.failure, r.target).toMatchObject({ status: 'unreachable' });
        } else if (want) {
          expect(r.failure?.error, r.target).toMatch(want);
        } else {
          expect(r.failure, r.target).toBeUndefined();
          expect(r.facts!.target).toMatchObject({ transport: 'ssh', inventoryFile: inv, tags: ['lab'] });
        }
      }
      expect(lab.stats.maxExecsOpen).toBeLessThanOrEqual(16);
      expect(lab.stats.maxExecsOpen).toBeGreaterThan(1);
      await new Promise((r) => setTimeout(r, 200));
      expect(lab.stats.execsOpen).toBe(0);
      expect(handles()).toBeLessThanOrEqual(before);
    } finally {
      await lab.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
