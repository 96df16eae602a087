/** Joins result documents (shards of one run, or scan + audit of one fleet) into one. */
import type { ResultDocument } from './result.js';
import { summarize } from './run.js';
import { InputError } from '../util/errors.js';

export function mergeResults(docs: ResultDocument[], command = 'merge'): ResultDocument {
  if (!docs.length) throw new InputError('nothing to merge');
  const catalogs = new Set(docs.map((d) => `${d.catalog.version}|${d.catalog.sha256 ?? ''}`));
  if (catalogs.size > 1) throw new InputError('the results were made with different catalogs', 'merge only results judged with the same rules');
  const targets = docs.flatMap((d) => d.targets);
  const first = docs[0]!;
  const hits = docs.flatMap((d) => d.ioc?.hits ?? []);
  const iocDocs = docs.filter((d) => d.ioc);
  const sum = (k: 'files' | 'bytes' | 'lines' | 'malformedLines' | 'hits') => iocDocs.reduce((n, d) => n + d.ioc!.summary[k], 0);
  return {
    ...first,
    command,
    startedAt: docs.map((d) => d.startedAt).sort()[0]!,
    finishedAt: docs.map((d) => d.finishedAt).sort().at(-1)!,
    targets,
    ...(iocDocs.length ? { ioc: { summary: { files: sum('files'), bytes: sum('bytes'), lines: sum('lines'), malformedLines: sum('malformedLines'), hits: sum('hits') }, hits } } : {}),
    summary: summarize(targets),
  };
}
