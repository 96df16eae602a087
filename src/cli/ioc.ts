/**
 * `exaudit ioc <paths…>`: a streaming sweep of Exchange logs and triage folders for the indicators in
 * rules/iocs/ (Test-ProxyLogon's checks, ProxyShell, ProxyNotShell, web shells, LSASS dumps, staged archives).
 */
import type { Command } from 'commander';
import { addGlobalOptions, addOutputOptions, catalogFor, finishResult, parsePositiveInt, redactedArgv, setupLogging, type CommonOptions } from './common.js';
import { sweep } from '../ioc/sweep.js';
import { buildResult } from '../engine/run.js';
import { InputError } from '../util/errors.js';

export function register(program: Command): Command {
  const cmd = program.command('ioc')
    .description('sweep Exchange logs and triage folders for signs of compromise (streaming, read-only)')
    .argument('<paths...>', 'files or folders: HttpProxy logs, ECP server logs, OAB generator logs, an exported Application event log (CSV, or XML from Event Viewer or wevtutil), .aspx files, file listings; .gz and .zip archives are read as they stream')
    .option('--jobs <n>', 'worker threads (default: the machine\'s available parallelism; small sweeps use one)', parsePositiveInt);
  addOutputOptions(cmd);
  addGlobalOptions(cmd);
  cmd.addHelpText('after', `
A hit's severity counts for --fail-on like a finding's (default: high). Malformed lines are counted, not fatal;
an unreadable file or archive entry is reported and the sweep goes on. Hits inside a zip archive cite
archive.zip!/path/inside; in an XML event log the line is the event's ordinal.

Examples:
  exaudit ioc "C:\\\\Program Files\\\\Microsoft\\\\Exchange Server\\\\V15\\\\Logging"
  exaudit ioc ./triage/ --format json -o ioc.json --fail-on critical
  exaudit ioc triage-ex01.zip Application.xml --jobs 4`);
  cmd.action(async (paths: string[], opts: CommonOptions & { jobs?: number }) => {
    setupLogging(opts);
    if (!paths.length) throw new InputError('no paths to sweep');
    const startedAt = new Date().toISOString();
    const catalog = catalogFor(opts);
    const r = await sweep(paths, opts.jobs ? { jobs: opts.jobs } : {});
    const doc = buildResult([], { catalog, command: 'ioc', startedAt, asOf: opts.asOf, argv: redactedArgv() }, new Date().toISOString());
    doc.ioc = { summary: r.summary, hits: r.hits };
    for (const u of r.summary.unreadable) process.stderr.write(`exaudit: ${u.file}: unreadable (${u.error}); the sweep went on\n`);
    finishResult(doc, opts);
  });
  return cmd;
}
