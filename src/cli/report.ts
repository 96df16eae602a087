/** `exaudit report <result.json…>`: render saved results in any format, join shards (--merge), write evidence. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addGlobalOptions, addOutputOptions, catalogFor, setupLogging, type CommonOptions } from './common.js';
import { finishDocument } from '../output/render.js';
import { ResultDocument } from '../contract.js';
import { mergeResults } from '../engine/merge.js';
import { judgeDirectives } from '../engine/directives.js';
import { withUpdates } from '../engine/run.js';
import { InputError } from '../util/errors.js';

export function readResult(file: string): ResultDocument {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(`${file}: ${(err as Error).message}`, 'give a result document written with --format json');
  }
  const r = ResultDocument.safeParse(data);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InputError(
      `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`,
      'not an exaudit result document (reports/schema/result.schema.json)',
    );
  }
  return r.data;
}

export function register(program: Command): Command {
  const cmd = program
    .command('report')
    .description('render saved result documents: any format, directive evidence with a SHA-256 manifest, shard merging')
    .argument('<results...>', 'result JSON files (from --format json)')
    .option('--merge', 'join several results (shards of one fleet run, or an audit and an ioc sweep) into one')
    .option(
      '--evidence',
      'treat --output as an evidence folder even for one format (reports + manifest.json + SHA256SUMS for `exaudit verify`)',
    );
  addOutputOptions(cmd, 'console');
  addGlobalOptions(cmd);
  cmd.addHelpText(
    'after',
    `
--output DIR (several formats, an existing folder, a trailing slash, or --directive/--evidence with a name
without an extension) writes exaudit.<ext> per format plus manifest.json and SHA256SUMS; with --directive or
--evidence and no --format, the formats are html, markdown and json. --directive adds the directive's scope,
each required action's status per server with the facts behind it, and what remains and by when.

Examples:
  exaudit report result.json --format sarif -o exaudit.sarif
  exaudit report shard-*.json --merge --format json -o fleet.json
  exaudit report result.json --directive ed-21-02 --format html --output evidence
  exaudit report audit.json ioc.json --merge --directive ed-21-02 --output evidence/ --as-of 2026-11-30
  exaudit verify evidence`,
  );
  cmd.action(async (files: string[], opts: CommonOptions & { merge?: boolean; evidence?: boolean }) => {
    setupLogging(opts);
    const catalog = await catalogFor(opts); // the --directive's definitions, the catalog's age
    if (opts.evidence && !opts.output) throw new InputError('--evidence needs --output DIR');
    const docs = files.map(readResult);
    if (docs.length > 1 && !opts.merge) throw new InputError('several result files need --merge');
    const doc = docs.length > 1 ? mergeResults(docs, 'merge', files) : docs[0]!;
    const evidenceDir = !!opts.output && (!!opts.evidence || !!opts.directive);
    const format = opts.format?.length ? opts.format : evidenceDir ? ['html', 'markdown', 'json'] : [];
    // Directive evidence is judged again (the waivers or --as-of may have changed): the directives the result holds
    // and --directive, with this catalog. A result from before updates were recorded gets them.
    const ids = [...new Set([...(doc.directives ?? []).map((d) => d.id), ...(opts.directive ? [opts.directive] : [])])];
    const unknown = ids.filter((id) => !catalog.directive(id));
    if (unknown.length && !opts.quiet)
      process.stderr.write(
        `exaudit: the catalog in ${opts.rules} has no directive ${unknown.join(', ')}: its evidence is left out (give --rules with it)\n`,
      );
    const directives = ids.flatMap((id) => catalog.directive(id) ?? []);
    finishDocument(doc, { ...opts, format }, 'console', (d) => {
      const { directives: _old, ...rest } = withUpdates(d, catalog, opts.asOf);
      return directives.length ? { ...rest, directives: judgeDirectives(rest, directives, catalog, opts.asOf) } : rest;
    });
  });
  return cmd;
}
