/** `exaudit report <result.json…>`: render saved results in any format, join shards (--merge), write evidence. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addGlobalOptions, addOutputOptions, finishResult, setupLogging, exitCodeFor, type CommonOptions } from './common.js';
import { ResultDocument } from '../engine/result.js';
import { mergeResults } from '../engine/merge.js';
import { applyWaiversFile } from '../engine/waivers.js';
import { InputError } from '../util/errors.js';
import { RENDERERS } from '../../reports/index.js';
import { writeEvidence } from '../../reports/evidence.js';
import { DIRECTIVES } from '../../reports/directives.js';
import { TOOL_VERSION } from '../util/tool.js';

export function readResult(file: string): ResultDocument {
  let data: unknown;
  try { data = JSON.parse(readFileSync(file, 'utf8')); } catch (err) { throw new InputError(`${file}: ${(err as Error).message}`, 'give a result document written with --format json'); }
  const r = ResultDocument.safeParse(data);
  if (!r.success) { const i = r.error.issues[0]!; throw new InputError(`${file}: ${i.path.join('.') || '(root)'}: ${i.message}`, 'not an exaudit result document (reports/schema/result.schema.json)'); }
  return r.data;
}

export function register(program: Command): Command {
  const cmd = program.command('report')
    .description('render saved result documents: formats, directive evidence with a SHA-256 manifest, shard merging')
    .argument('<results...>', 'result JSON files (from --format json)')
    .option('--merge', 'join several results (e.g. shards of one fleet run) into one')
    .option('--evidence', 'with --output DIR: write an evidence directory (reports + manifest.json + SHA256SUMS) for `exaudit verify`');
  addOutputOptions(cmd, 'console');
  addGlobalOptions(cmd);
  cmd.addHelpText('after', `
Examples:
  exaudit report result.json --format sarif -o exaudit.sarif
  exaudit report shard-*.json --merge --format json -o fleet.json
  exaudit report result.json --directive ed-21-02 --format html,markdown,json --evidence -o evidence/
  exaudit verify evidence/`);
  cmd.action(async (files: string[], opts: CommonOptions & { merge?: boolean; evidence?: boolean }) => {
    setupLogging(opts);
    if (opts.directive && !DIRECTIVES[opts.directive]) throw new InputError(`unknown directive "${opts.directive}"`, `choose ${Object.keys(DIRECTIVES).join(', ')}`);
    const docs = files.map(readResult);
    if (docs.length > 1 && !opts.merge) throw new InputError('several result files need --merge');
    let doc = docs.length > 1 ? mergeResults(docs) : docs[0]!;
    if (!opts.evidence) { finishResult(doc, opts); return; }
    if (!opts.output) throw new InputError('--evidence needs --output DIR');
    if (opts.waivers) doc = applyWaiversFile(doc, opts.waivers, opts.asOf);
    const formats = opts.format?.length ? opts.format : ['html', 'markdown', 'json'];
    const renderOpts = { ...(opts.directive ? { directive: opts.directive } : {}), asOf: opts.asOf };
    const out = Object.fromEntries(formats.map((f) => [`exaudit.${RENDERERS[f]!.extension}`, RENDERERS[f]!.render(doc, renderOpts)]));
    const m = writeEvidence(opts.output, out, `exaudit ${TOOL_VERSION}`);
    if (!opts.quiet) process.stderr.write(`exaudit: wrote ${m.files.length} files and manifest.json to ${opts.output}\n`);
    process.exitCode = exitCodeFor(doc, opts.failOn);
  });
  return cmd;
}
