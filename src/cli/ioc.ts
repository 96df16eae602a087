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
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { combine, merge, sweep, type SweepResult } from '../ioc/sweep.js';
import { compile } from '../ioc/rules.js';
import { RuleSet } from '../ioc/scan-unit.js';
import { DEFAULT_REMOTE_PATHS, sweepOverSsh } from '../ioc/remote.js';
import { WALK_LIMITS } from '../ioc/walk.js';
import { ZIP_LIMITS } from '../ioc/zip.js';
import { progressBar } from './progress.js';
import { compileYara, readYaraSources, SHIPPED_YARA, YARA_DEFAULTS, YaraScanner } from '../ioc/yara.js';
import type { IocSweep } from '../contract.js';
import { parseSshTarget } from '../collect/ssh/index.js';
import { InputError, type ExitCode } from '../util/errors.js';

interface IocOptions extends CommonOptions, SshCliOptions {
  jobs?: number;
  ssh?: string[];
  remotePath?: string[];
  concurrency?: number;
  timeout?: number;
  target?: string;
  targetsFromFolders?: boolean;
  maxFiles?: number;
  maxDepth?: number;
  maxInflate?: number;
  yara?: string[] | false;
}

export function register(program: Command): Command {
  const cmd = program
    .command('ioc')
    .description('sweep Exchange logs and triage folders for signs of compromise (streaming, read-only)')
    .argument(
      '[paths...]',
      'files or folders: HttpProxy and IIS (u_ex*.log) logs, ECP server and OAB generator logs, event logs (.evtx, Get-WinEvent/Get-EventLog CSV, wevtutil or Event Viewer XML), web pages (.aspx .ashx .asmx .asax .config), file listings, Test-ProxyLogon exports, any triage folder (files are also judged by their path); .gz and .zip are read as they stream',
    )
    .option('--target <name>', 'the server these files came from: every hit and the sweep name it')
    .option(
      '--targets-from-folders',
      'each path is a folder with one subfolder per server, named after it (triage/EX01/…, triage/EX02/…)',
    )
    .option(
      '--jobs <n>',
      "worker threads (default: the machine's available parallelism; small sweeps use one)",
      parsePositiveInt,
    )
    .option('--max-files <n>', `files read per sweep, locally and per server over SSH`, parsePositiveInt)
    .option(
      '--max-depth <n>',
      `folder depth below each swept path (default ${WALK_LIMITS.maxDepth}; --ssh 8)`,
      parsePositiveInt,
    )
    .option(
      '--max-inflate <bytes>',
      `bytes inflated from one .zip or .gz (default ${ZIP_LIMITS.maxInflated}, 8 GiB)`,
      parsePositiveInt,
    )
    .option(
      '--yara <dirs...>',
      "also run these folders' YARA rules (.yar, .yara; YARA-X) over every file swept (on disk, in zip archives, over --ssh), besides exaudit's own web shell rules over web pages",
    )
    .option('--no-yara', "no YARA rules at all, not even exaudit's own")
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
an unreadable file or archive entry is listed with its reason and the sweep goes on. A path that does not exist,
or a sweep that read no file, is exit 2. Hits inside a zip archive cite archive.zip!/path/inside; in an XML or
EVTX event log the line is the event's ordinal; a hit on a file's path or a whole page cites line 0 or 1.

--ssh reads, by default: ${DEFAULT_REMOTE_PATHS.join(', ')}
(SFTP paths on Windows OpenSSH; a folder that does not exist is skipped). A server that cannot be reached is
reported in the result (exit 3 when nothing else failed); the others still run.

Examples:
  exaudit ioc "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Logging" --target EX01
  exaudit ioc ./triage/ --targets-from-folders --format json -o ioc.json --fail-on critical
  exaudit ioc triage-ex01.zip Application.evtx --target EX01 --jobs 4
  exaudit ioc --ssh admin@ex01.contoso.com admin@ex02.contoso.com --identity ~/.ssh/id_ed25519 --format sarif -o ioc.sarif`,
  );
  cmd.action(async (paths: string[], opts: IocOptions) => {
    await runIoc(paths, opts);
  });
  return cmd;
}

/** One local sweep: the paths of one server (or of none named). */
interface LocalGroup {
  target?: string;
  paths: string[];
}

/** The local sweeps the arguments ask for; every path must exist. */
function localGroups(paths: string[], opts: IocOptions): LocalGroup[] {
  for (const p of paths)
    if (!existsSync(p)) throw new InputError(`${p}: no such file or folder`, 'check the path; nothing was swept');
  if (!opts.targetsFromFolders) return paths.length ? [{ ...(opts.target ? { target: opts.target } : {}), paths }] : [];
  if (opts.target) throw new InputError('--target and --targets-from-folders name servers two ways: give one');
  const groups = new Map<string, string[]>();
  for (const p of paths) {
    if (!statSync(p).isDirectory())
      throw new InputError(`${p}: --targets-from-folders needs folders with one subfolder per server`);
    const subs = readdirSync(p, { withFileTypes: true }).filter((d) => d.isDirectory());
    if (!subs.length) throw new InputError(`${p}: no subfolder, so no server to sweep`, 'one subfolder per server');
    for (const d of subs.sort((a, b) => a.name.localeCompare(b.name)))
      groups.set(d.name, [...(groups.get(d.name) ?? []), join(p, d.name)]);
  }
  return [...groups].map(([target, ps]) => ({ target, paths: ps }));
}

/** The YARA rules of this run: exaudit's own (unless --no-yara) and the users' (--yara DIR, checked to compile). */
async function yaraFor(opts: IocOptions) {
  if (opts.yara === false) return undefined;
  const user = Array.isArray(opts.yara) ? opts.yara : [];
  const sources = readYaraSources([SHIPPED_YARA, ...user]);
  if (user.length) await compileYara(sources); // a rule that does not compile is exit 2 before anything is read
  return { sources, allFiles: user.length > 0, ...YARA_DEFAULTS };
}

export async function runIoc(paths: string[], opts: IocOptions): Promise<ExitCode> {
  setupLogging(opts);
  if (!paths.length && !opts.ssh?.length)
    throw new InputError('nothing to sweep', 'give files or folders, or --ssh user@host (see exaudit ioc --help)');
  if (opts.remotePath && !opts.ssh?.length) throw new InputError('--remote-path needs --ssh');
  if ((opts.target || opts.targetsFromFolders) && !paths.length)
    throw new InputError('--target and --targets-from-folders name the server of local paths; --ssh names its own');
  const groups = localGroups(paths, opts);
  const servers = (opts.ssh ?? []).map(parseSshTarget);
  const sshOpts = servers.length
    ? {
        ...(await sshOptionsFrom(opts, opts.timeout ?? 30 * 60_000)),
        ...(opts.remotePath ? { paths: opts.remotePath } : {}),
        ...(opts.maxFiles ? { maxFiles: opts.maxFiles } : {}),
        ...(opts.maxDepth ? { maxDepth: opts.maxDepth } : {}),
      }
    : undefined;
  const run = await startRun('ioc', opts);
  const indicators = run.pipeline.catalog.indicators;
  if (!indicators.length)
    throw new InputError(`the catalog in ${opts.rules} has no indicators`, 'add rules/iocs/*.yaml, or drop --rules');
  const walkLimits = {
    maxFiles: opts.maxFiles ?? WALK_LIMITS.maxFiles,
    maxDepth: opts.maxDepth ?? WALK_LIMITS.maxDepth,
  };
  const zip = { ...ZIP_LIMITS, ...(opts.maxInflate ? { maxInflated: opts.maxInflate } : {}) };
  const yara = await yaraFor(opts);
  return finishRun(run, async (emit) => {
    const results: SweepResult[] = [];
    const sweeps: IocSweep[] = [];
    for (const g of groups) {
      const bar = progressBar(process.stderr, !!opts.quiet, 100, `ioc${g.target ? ` ${g.target}` : ''}`, '%');
      let done = 0;
      let total = 0;
      const r = await sweep(g.paths, {
        indicators,
        walk: walkLimits,
        zip,
        ...(yara ? { yara } : {}),
        ...(g.target ? { target: g.target } : {}),
        ...(opts.jobs ? { jobs: opts.jobs } : {}),
        ...(bar
          ? {
              onStart: (bytes: number) => {
                total = bytes;
                if (bytes > 64 * 1024 * 1024) bar.start(100, 0);
              },
              onFile: (bytes: number) => {
                done += bytes;
                if (total) bar.update(Math.floor((done / total) * 100));
              },
            }
          : {}),
      });
      bar?.stop();
      if (!r.summary.files && g.target)
        r.summary.unreadable.push({ file: g.paths.join(', '), error: `no file read: ${g.target} is not covered` });
      results.push(r);
      sweeps.push({
        ...(g.target ? { target: g.target } : {}),
        source: 'local',
        paths: g.paths,
        files: r.summary.files,
        lines: r.summary.lines,
        hits: r.summary.hits,
        unreadable: r.summary.unreadable.length,
      });
    }
    let remote = combine([]);
    if (servers.length) {
      const set = new RuleSet(indicators.map(compile));
      const limit = pLimit(opts.concurrency ?? 8);
      // One YARA thread for the fleet: the servers' files take turns (pages are small; users' rules read every file).
      const scanner = yara && new YaraScanner(yara.sources, yara);
      const withYara = scanner
        ? { ...sshOpts!, yara: { scanner, allFiles: yara.allFiles, maxBytes: yara.maxBytes } }
        : sshOpts!;
      const swept = await Promise.all(servers.map((t) => limit(() => sweepOverSsh(t, withYara, set)))).finally(() =>
        scanner?.close(),
      );
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
        else {
          sweeps.push({
            target: s.target,
            source: 'ssh',
            paths: s.swept,
            files: s.result!.files,
            lines: s.result!.lines,
            hits: s.result!.hits.length,
            unreadable: s.result!.unreadable.length,
          });
          if (s.skipped.length && !opts.quiet)
            process.stderr.write(`exaudit: ${s.target}: not present, skipped: ${s.skipped.join(', ')}\n`);
        }
      }
    }
    const r = combine([...results, remote]); // local inputs first, then the servers
    if (!r.summary.files && !servers.length)
      throw new InputError(
        `the sweep read no file under ${paths.join(', ')}`,
        'point it at logs, pages or a triage folder; an empty sweep proves nothing',
      );
    // The console view lists them itself; other formats (or a file) get them on stderr too.
    const formats = opts.format ?? ['console'];
    const listed = !opts.output && formats.length === 1 && formats[0] === 'console';
    if (!listed && !opts.quiet)
      for (const u of r.summary.unreadable)
        process.stderr.write(`exaudit: ${u.file}: unreadable (${u.error}); the sweep went on\n`);
    return { ioc: { summary: r.summary, hits: r.hits, sweeps } };
  });
}
