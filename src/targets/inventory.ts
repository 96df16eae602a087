/**
 * Inventory files (YAML, JSON or CSV): host, port, user, transport, identity, tags. Each entry keeps its file and
 * line so SARIF can point at the line that declares the server. `--shard K/N` splits a fleet deterministically
 * (by a hash of the host name), so N CI jobs or Kubernetes Indexed Job pods cover it exactly once.
 */
import { sha256 } from '../util/hash.js';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseDocument, isMap, isSeq, LineCounter } from 'yaml';
import { z } from 'zod';
import { InputError } from '../util/errors.js';
import { CsvSyntaxError, parseCsv } from '../util/csv.js';

export const InventoryEntry = z
  .object({
    host: z.string().min(1),
    port: z.coerce.number().int().min(1).max(65535).optional(),
    user: z.string().optional(),
    transport: z.enum(['ssh', 'http']).default('ssh'),
    identity: z.string().optional(),
    tags: z
      .union([
        z.array(z.string()),
        z.string().transform((s) =>
          s
            .split(/[;|,]/)
            .map((x) => x.trim())
            .filter(Boolean),
        ),
      ])
      .optional(),
  })
  .strict();
export type InventoryEntry = z.infer<typeof InventoryEntry> & { file: string; line: number };

function fail(file: string, line: number | undefined, msg: string): never {
  throw new InputError(
    `${file}${line ? `:${line}` : ''}: ${msg}`,
    'an inventory entry has host and optional port, user, transport (ssh|http), identity, tags',
  );
}

function validate(file: string, line: number, raw: unknown): InventoryEntry {
  const r = InventoryEntry.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    fail(file, line, `${i.path.join('.') || 'entry'}: ${i.message}`);
  }
  // An identity path is read relative to the inventory's folder (so a repository's inventory works from anywhere); ~ is the home folder.
  const identity =
    r.data.identity === undefined
      ? undefined
      : r.data.identity.startsWith('~/')
        ? join(homedir(), r.data.identity.slice(2))
        : resolve(dirname(file), r.data.identity);
  return { ...r.data, ...(identity ? { identity } : {}), file, line };
}

function readCsv(file: string, text: string): InventoryEntry[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) fail(file, err.line, err.message);
    throw err;
  }
  const [head, ...rows] = records;
  const header = head?.cells.map((h) => h.toLowerCase());
  if (!header?.includes('host')) fail(file, head?.line ?? 1, 'a CSV inventory needs a header row with a "host" column');
  return rows.map(({ cells, line }) => {
    if (cells.length !== header.length) fail(file, line, `expected ${header.length} columns, found ${cells.length}`);
    return validate(file, line, Object.fromEntries(header.map((h, j) => [h, cells[j]]).filter(([, v]) => v !== '')));
  });
}

export function readInventory(file: string): InventoryEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw new InputError(`--inventory ${file}: ${(err as Error).message}`);
  }
  if (/\.csv$/i.test(file)) return readCsv(file, text);
  // YAML is a superset of JSON: one parser, with line numbers.
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length) fail(file, doc.errors[0]!.linePos?.[0]?.line, doc.errors[0]!.message.split('\n')[0]!);
  let root = doc.contents;
  if (isMap(root) && root.has('hosts')) root = root.get('hosts', true) as unknown as typeof root;
  if (!isSeq(root)) fail(file, 1, 'expected a list of hosts (or a "hosts:" list)');
  return root.items.map((item) => {
    const line = item && typeof item === 'object' && 'range' in item && item.range ? lc.linePos(item.range[0]).line : 1;
    const value = (item as { toJSON(): unknown }).toJSON();
    return validate(file, line, typeof value === 'string' ? { host: value } : value);
  });
}

/** Line of each target in an inventory file: the first line that names it (as a whole word). */
export function inventoryLines(file: string, targets: string[]): Record<string, number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(
      `--inventory-file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      'give the inventory file that lists the servers (its path as the repository has it)',
    );
  }
  const lines = text.split(/\r?\n/).map((l) => l.toLowerCase());
  const out: Record<string, number> = {};
  for (const t of targets) {
    const name = t.toLowerCase();
    const re = new RegExp(
      `(^|[^a-z0-9.-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9-]|\\.(?![a-z0-9]))`,
    );
    const i = lines.findIndex((l) => re.test(l));
    if (i >= 0) out[name] = i + 1;
  }
  return out;
}

/** "2/4" → {k: 2, n: 4}; K counts from 1. */
export function parseShard(spec: string): { k: number; n: number } {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const k = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || k < 1 || k > n)
    throw new InputError(
      `--shard "${spec}" is not K/N with 1 ≤ K ≤ N`,
      'for example --shard 2/4; in a Kubernetes Indexed Job use --shard $((JOB_COMPLETION_INDEX+1))/N',
    );
  return { k, n };
}

export function inShard(name: string, shard: { k: number; n: number }): boolean {
  const h = Number.parseInt(sha256(name.toLowerCase()).slice(0, 8), 16); // the digest's first four bytes
  return h % shard.n === shard.k - 1;
}
