/**
 * A fleet run over SSH: the targets from the command line and the inventory (deduplicated, optionally one shard),
 * collected with bounded concurrency. Each target ends as facts or as its own failure; none stops the others.
 */
import pLimit from 'p-limit';
import type { CollectedTarget } from '../../contract.js';
import type { InventoryEntry } from '../../targets/inventory.js';
import { inShard } from '../../targets/inventory.js';
import { collectOverSsh, parseSshTarget, type SshOptions, type SshTarget } from './index.js';

export interface FleetTarget extends SshTarget {
  identity?: string;
  /** The inventory file and line that declared it (for SARIF locations), and its tags. */
  file?: string;
  line?: number;
  tags?: string[];
}

const defaultUser = () => process.env['USER'] ?? process.env['USERNAME'] ?? 'administrator';

/** Command-line specs first, then the inventory's SSH entries; a name given twice is audited once. */
export function fleetTargets(
  specs: string[],
  inventory: InventoryEntry[],
  shard?: { k: number; n: number },
): FleetTarget[] {
  const all: FleetTarget[] = [
    ...specs.map(parseSshTarget),
    ...inventory
      .filter((e) => e.transport === 'ssh')
      .map((e) => {
        const port = e.port ?? 22;
        return {
          user: e.user ?? defaultUser(),
          host: e.host,
          port,
          name: port === 22 ? e.host : `${e.host}:${port}`,
          file: e.file,
          line: e.line,
          ...(e.identity ? { identity: e.identity } : {}),
          ...(e.tags?.length ? { tags: e.tags } : {}),
        };
      }),
  ];
  const seen = new Set<string>();
  return all.filter((t) => {
    const key = t.name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return !shard || inShard(t.name, shard);
  });
}

/** Collects every target with at most `concurrency` in flight; results keep the targets' order. */
export async function collectFleet(
  targets: FleetTarget[],
  opts: SshOptions,
  concurrency: number,
  onDone?: (r: CollectedTarget) => void,
): Promise<CollectedTarget[]> {
  const limit = pLimit(concurrency);
  return Promise.all(
    targets.map((t) =>
      limit(async () => {
        const r = await collectOverSsh(t, { ...opts, ...(t.identity ? { identity: t.identity } : {}) });
        if (r.facts) {
          r.facts.target = {
            ...r.facts.target,
            ...(t.file ? { inventoryFile: t.file, inventoryLine: t.line! } : {}),
            ...(t.tags ? { tags: t.tags } : {}),
          };
        }
        onDone?.(r);
        return r;
      }),
    ),
  );
}
