/**
 * `exaudit audit`: assess servers from facts gathered on the server side: saved facts files (--facts),
 * the read-only PowerShell collector over SSH (--ssh, --inventory) or locally (--local), or a HealthChecker
 * export (--healthchecker). Gathering and judging are separate: every source yields Facts, then the checks run.
 */
import type { Command } from 'commander';
import { addGlobalOptions, addOutputOptions, catalogFor, finishResult, splitList, redactedArgv, setupLogging, type CommonOptions } from './common.js';
import { loadFactsFiles } from '../collect/offline/facts-files.js';
import { assess, type CollectedTarget } from '../engine/run.js';
import { loadChecks, selectChecks } from '../engine/loader.js';
import { EXIT, InputError } from '../util/errors.js';

export interface AuditOptions extends CommonOptions {
  facts?: string[];
  checks?: string;
  skip?: string;
}

export function register(program: Command): Command {
  const cmd = program.command('audit')
    .description('assess Exchange servers from server-side facts: saved facts files, SSH, local PowerShell or a HealthChecker export')
    .option('--facts <paths...>', 'facts JSON files or folders of them (from --save-facts or the collector script)')
    .option('--checks <ids>', 'run only these checks (comma-separated)')
    .option('--skip <ids>', 'skip these checks (comma-separated)');
  addOutputOptions(cmd);
  addGlobalOptions(cmd);
  cmd.addHelpText('after', `
Examples:
  exaudit audit --facts ./evidence/                      judge saved facts offline
  exaudit audit --facts ex01.json --format json -o r.json --fail-on critical`);
  cmd.action(async (opts: AuditOptions) => { await runAudit(opts); });
  return cmd;
}

export async function runAudit(opts: AuditOptions): Promise<number> {
  setupLogging(opts);
  const startedAt = new Date().toISOString();
  const catalog = catalogFor(opts);
  const checks = selectChecks(await loadChecks(), splitList(opts.checks), splitList(opts.skip));
  const collected: CollectedTarget[] = [];
  const problems: string[] = [];
  if (opts.facts?.length) {
    const r = loadFactsFiles(opts.facts);
    collected.push(...r.collected);
    problems.push(...r.problems);
  }
  if (!collected.length && !problems.length) {
    throw new InputError('nothing to audit', 'give --facts FILE|DIR (see exaudit audit --help)');
  }
  const doc = assess(collected, {
    catalog, checks, command: 'audit', startedAt, finishedAt: new Date().toISOString(), asOf: opts.asOf, argv: redactedArgv(),
  });
  const code = finishResult(doc, opts);
  if (problems.length) {
    for (const p of problems) process.stderr.write(`exaudit: ${p}\n`);
    process.exitCode = EXIT.USAGE;
    return EXIT.USAGE;
  }
  return code;
}
