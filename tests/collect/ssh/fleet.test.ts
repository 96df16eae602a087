/** A 200-target loopback fleet at concurrency 16: bad targets reported, good ones assessed, nothing leaked. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { startSshLab } from '../../../src/lab/ssh/server.js';
import { collectOverSsh } from '../../../src/collect/ssh/index.js';
import type { Facts } from '../../../src/facts/schema.js';

const FACTS = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/demo/facts/exse-mbx01.contoso.test.json'), 'utf8')) as Facts;
const sockets = () => process.getActiveResourcesInfo().filter((r) => /TCP|Pipe|Timeout/i.test(r)).length;

describe('SSH fleet', () => {
  it('200 targets at concurrency 16 complete with per-target errors and no leaked sockets', async () => {
    const specs = Array.from({ length: 190 }, (_, i) => ({ name: `ex${i}`, facts: FACTS, behaviour: i % 19 === 0 ? 'hang' as const : i % 23 === 0 ? 'garbage' as const : 'facts' as const }));
    const lab = await startSshLab(specs);
    const before = sockets();
    try {
      const targets = [
        ...lab.servers.map((s) => ({ user: 'admin', host: s.host, port: s.port, name: s.name })),
        ...Array.from({ length: 10 }, (_, i) => ({ user: 'admin', host: '127.0.0.1', port: 1 + i, name: `closed${i}` })),
      ];
      const limit = pLimit(16);
      const results = await Promise.all(targets.map((t) => limit(() => collectOverSsh(t, { identity: lab.clientKeyFile, knownHostsFile: lab.knownHostsFile, connectTimeoutMs: 5000, commandTimeoutMs: 1500 }))));
      expect(results).toHaveLength(200);
      const failed = results.filter((r) => r.failure);
      expect(failed.filter((r) => /did not finish/.test(r.failure!.error))).toHaveLength(10); // i % 19 === 0 for i < 190
      expect(failed.filter((r) => r.target.startsWith('closed')).every((r) => r.failure!.status === 'unreachable')).toBe(true);
      expect(results.filter((r) => r.facts)).toHaveLength(200 - failed.length);
      await new Promise((r) => setTimeout(r, 200));
      expect(sockets()).toBeLessThanOrEqual(before);
    } finally {
      await lab.close();
    }
  }, 120_000);
});
