/** Joins result documents (shards of one run, or scan + audit of one fleet) into one. */
import type { ResultDocument } from '../contract.js';
import { summarize } from './run.js';
import { InputError } from '../util/errors.js';

type Waiver = NonNullable<ResultDocument['waivers']>[number];
const WAIVER_RANK: Record<Waiver['state'], number> = { applied: 2, expired: 1, unused: 0 };

export function mergeResults(docs: ResultDocument[], command = 'merge'): ResultDocument {
  if (!docs.length) throw new InputError('nothing to merge');
  const catalogs = new Set(docs.map((d) => `${d.catalog.version}|${d.catalog.sha256 ?? ''}`));
  if (catalogs.size > 1)
    throw new InputError(
      'the results were made with different catalogs',
      'merge only results judged with the same rules',
    );
  const targets = docs.flatMap((d) => d.targets);
  const first = docs[0]!;
  const hits = docs.flatMap((d) => d.ioc?.hits ?? []);
  const iocDocs = docs.filter((d) => d.ioc);
  const sum = (k: 'files' | 'bytes' | 'lines' | 'malformedLines' | 'hits') =>
    iocDocs.reduce((n, d) => n + d.ioc!.summary[k], 0);
  const unreadable = iocDocs.flatMap((d) => d.ioc!.summary.unreadable ?? []);
  // Each sweep's coverage, as each document recorded it (older documents have none).
  const sweeps = iocDocs.flatMap((d) => d.ioc!.sweeps ?? []);
  // One waiver file used by every shard: a waiver counts as applied if it applied in any of them.
  const waivers = new Map<string, Waiver>();
  for (const w of docs.flatMap((d) => d.waivers ?? [])) {
    const key = JSON.stringify([w.fingerprint, w.check, w.target, w.reason, w.owner, w.expires]);
    const had = waivers.get(key);
    if (!had || WAIVER_RANK[w.state] > WAIVER_RANK[had.state]) waivers.set(key, w);
  }
  // Each shard's own command line describes only that shard: the merged document keeps none.
  const { argv: _argv, waivers: _waivers, ...rest } = first;
  return {
    ...rest,
    command,
    startedAt: docs.map((d) => d.startedAt).sort()[0]!,
    finishedAt: docs
      .map((d) => d.finishedAt)
      .sort()
      .at(-1)!,
    targets,
    ...(iocDocs.length
      ? {
          ioc: {
            summary: {
              files: sum('files'),
              bytes: sum('bytes'),
              lines: sum('lines'),
              malformedLines: sum('malformedLines'),
              hits: sum('hits'),
              ...(unreadable.length ? { unreadable } : {}),
            },
            hits,
            ...(sweeps.length ? { sweeps } : {}),
          },
        }
      : {}),
    ...(waivers.size ? { waivers: [...waivers.values()] } : {}),
    summary: summarize(targets),
  };
}
