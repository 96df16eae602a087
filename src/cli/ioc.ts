/**
 * `exaudit ioc <paths…>`: a streaming sweep of Exchange logs and triage folders for the indicators in
 * rules/iocs/ (Test-ProxyLogon's checks, ProxyShell, ProxyNotShell, web shells, LSASS dumps, staged archives);
 * with --ssh, of servers' own log folders over SFTP with the same rules.
 */
import { Option, type Command } from 'commander';
import pLimit from 'p-limit';
import {
  addGlobalOptions,
  addOutputOptions,
  finishRun,
  parseLongDuration,
  parsePositiveInt,
  setupLogging,
  startRun,
  type CommonOptions,
} from './common.js';
import { addSshOptions, sshOptionsFrom, type SshCliOptions } from './ssh-options.js';
import { combine, merge, sweep } from '../ioc/sweep.js';
import { compile } from '../ioc/rules.js';
import { DEFAULT_REMOTE_PATHS, sweepOverSsh } from '../ioc/remote.js';
import { parseSshTarget } from '../collect/ssh/index.js';
import { InputError, type ExitCode } from '../util/errors.js';

interface IocOptions extends CommonOptions, SshCliOptions {
  jobs?: number;
  ssh?: string[];
  remotePath?: string[];
  concurrency?: number;
  timeout?: number;
}

export function register(program: Command): Command {
  const cmd = program
    .command('ioc')
    .description('sweep Exchange logs and triage folders for signs of compromise (streaming, read-only)')
    .argument(
      '[paths...]',
      'files or folders: HttpProxy logs, ECP server logs, OAB generator logs, an exported Application event log (CSV, or XML from Event Viewer or wevtutil), .aspx files, file listings; .gz and .zip archives are read as they stream',
    )
    .option(
      '--jobs <n>',
      "worker threads (default: the machine's available parallelism; small sweeps use one)",
      parsePositiveInt,
    )
    .option(
      '--ssh <targets...>',
      "sweep these servers' own log folders over SFTP: user@host[:port] (read-only: list, stat, open for reading)",
    )
    .option(
      '--remote-path <paths...>',
      `with --ssh: folders or files to sweep instead of the defaults (${DEFAULT_REMOTE_PATHS.length} folders under the Exchange install path and C:\\inetpub\\wwwroot\\aspnet_client)`,
    )
    .option('--concurrency <n>', 'with --ssh: servers swept at once', parsePositiveInt, 8)
    .addOption(
      new Option(
        '--timeout <duration>',
        'with --ssh: per-server limit for the whole sweep: 30m, 2h (a plain number is milliseconds)',
      )
        .argParser(parseLongDuration)
        .default(30 * 60_000, '30m'),
    );
  addSshOptions(cmd);
  addOutputOptions(cmd);
  addGlobalOptions(cmd);
  cmd.addHelpText(
    'after',
    `
A hit's severity counts for --fail-on like a finding's (default: high). Malformed lines are counted, not fatal;
an unreadable file or archive entry is reported and the sweep goes on. Hits inside a zip archive cite
archive.zip!/path/inside; in an XML event log the line is the event's ordinal.

--ssh reads, by default: ${DEFAULT_REMOTE_PATHS.join(', ')}
(SFTP paths on Windows OpenSSH; a folder that does not exist is skipped). A server that cannot be reached is
reported in the result (exit 3 when nothing else failed); the others still run.

Examples:
  exaudit ioc "C:\\\\Program Files\\\\Microsoft\\\\Exchange Server\\\\V15\\\\Logging"
  exaudit ioc ./triage/ --format json -o ioc.json --fail-on critical
  exaudit ioc triage-ex01.zip Application.xml --jobs 4
  exaudit ioc --ssh admin@ex01.contoso.com admin@ex02.contoso.com --identity ~/.ssh/id_ed25519 --format sarif -o ioc.sarif`,
  );
  cmd.action(async (paths: string[], opts: IocOptions) => {
    await runIoc(paths, opts);
  });
  return cmd;
}

export async function runIoc(paths: string[], opts: IocOptions): Promise<ExitCode> {
  setupLogging(opts);
  if (!paths.length && !opts.ssh?.length)
    throw new InputError('nothing to sweep', 'give files or folders, or --ssh user@host (see exaudit ioc --help)');
  if (opts.remotePath && !opts.ssh?.length) throw new InputError('--remote-path needs --ssh');
  const servers = (opts.ssh ?? []).map(parseSshTarget);
  const sshOpts = servers.length
    ? {
        ...(await sshOptionsFrom(opts, opts.timeout ?? 30 * 60_000)),
        ...(opts.remotePath ? { paths: opts.remotePath } : {}),
      }
    : undefined;
  const run = await startRun('ioc', opts);
  const indicators = run.pipeline.catalog.indicators;
  if (!indicators.length)
    throw new InputError(`the catalog in ${opts.rules} has no indicators`, 'add rules/iocs/*.yaml, or drop --rules');
  return finishRun(run, async (emit) => {
    const local = paths.length
      ? await sweep(paths, { indicators, ...(opts.jobs ? { jobs: opts.jobs } : {}) })
      : undefined;
    let remote = combine([]);
    if (servers.length) {
      const compiled = indicators.map(compile);
      const limit = pLimit(opts.concurrency ?? 8);
      const swept = await Promise.all(servers.map((t) => limit(() => sweepOverSsh(t, sshOpts!, compiled))));
      remote = merge(swept.flatMap((s) => (s.result ? [s.result] : [])));
      // A swept server is a target without findings: assessed, or why it could not be.
      for (const s of swept) {
        await emit.judged({
          target: s.target,
          status: s.failure?.status ?? 'assessed',
          ...(s.failure ? { error: s.failure.error } : {}),
          findings: [],
        });
        if (s.failure) process.stderr.write(`exaudit: ${s.target}: ${s.failure.error}\n`);
        else if (s.skipped.length && !opts.quiet)
          process.stderr.write(`exaudit: ${s.target}: not present, skipped: ${s.skipped.join(', ')}\n`);
      }
    }
    const r = combine([...(local ? [local] : []), remote]); // local inputs first, then the servers
    for (const u of r.summary.unreadable)
      process.stderr.write(`exaudit: ${u.file}: unreadable (${u.error}); the sweep went on\n`);
    return { ioc: { summary: r.summary, hits: r.hits } };
  });
}
