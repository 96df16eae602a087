/** Joins result documents (shards of one run, or scan + audit of one fleet) into one. */
import type { ResultDocument } from '../contract.js';
import { summarize } from './run.js';
import { InputError } from '../util/errors.js';

type Waiver = NonNullable<ResultDocument['waivers']>[number];
const WAIVER_RANK: Record<Waiver['state'], number> = { applied: 2, expired: 1, unused: 0 };

/**
 * The same server twice (two shards, or one result given twice): identical results are kept once; different ones are
 * refused, since no one can tell which is true.
 */
function uniqueTargets(docs: ResultDocument[], names: string[]): ResultDocument['targets'] {
  const seen = new Map<string, { t: ResultDocument['targets'][number]; from: string; key: string }>();
  const out: ResultDocument['targets'] = [];
  for (const [i, d] of docs.entries())
    for (const t of d.targets) {
      const id = t.target.toLowerCase();
      const key = JSON.stringify([
        t.status,
        t.error,
        t.factsDigest,
        t.findings.map((f) => [f.fingerprint, f.status, f.waived]),
      ]);
      const had = seen.get(id);
      const from = names[i] ?? `result ${i + 1}`;
      // An indicator sweep's server (no facts, no findings) is the same server as the audit's: the audit's result stays.
      const bare = (x: ResultDocument['targets'][number]) => !x.facts && !x.findings.length;
      if (!had) {
        seen.set(id, { t, from, key });
        out.push(t);
      } else if (bare(t)) continue;
      else if (bare(had.t)) {
        out[out.indexOf(had.t)] = t;
        seen.set(id, { t, from, key });
      } else if (had.key !== key)
        throw new InputError(
          `${t.target} is in ${had.from} and in ${from} with different results`,
          'merge each server once (shards of one run never overlap); drop the older result',
        );
    }
  return out;
}

export function mergeResults(docs: ResultDocument[], command = 'merge', names: string[] = []): ResultDocument {
  if (!docs.length) throw new InputError('nothing to merge');
  const catalogs = new Set(docs.map((d) => `${d.catalog.version}|${d.catalog.sha256 ?? ''}`));
  if (catalogs.size > 1)
    throw new InputError(
      'the results were made with different catalogs',
      'merge only results judged with the same rules',
    );
  const targets = uniqueTargets(docs, names);
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
  // Directive evidence is judged again over the merged targets (report does it), never carried over from one part.
  const { argv: _argv, waivers: _waivers, directives: _directives, ...rest } = first;
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
