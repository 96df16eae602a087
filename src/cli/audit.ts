/**
 * `exaudit audit`: assess servers from facts gathered on the server side: saved facts files (--facts),
 * the read-only PowerShell collector over SSH (--ssh, --inventory) or locally (--local), or a HealthChecker
 * export (--healthchecker). Gathering and judging are separate: every source yields Facts, then the checks run.
 */
import { Option, type Command } from 'commander';
import {
  addGlobalOptions,
  addOutputOptions,
  finishRun,
  parseDuration,
  parsePositiveInt,
  setupLogging,
  startRun,
  type CommonOptions,
} from './common.js';
import { progressBar } from './progress.js';
import { eachFactsTarget, factsSaver } from '../collect/offline/facts-files.js';
import { loadHealthCheckerFiles } from '../collect/offline/healthchecker.js';
import { EXIT, InputError } from '../util/errors.js';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { LocalRunner } from '../collect/pwsh/index.js';
import { collectFleet, fleetTargets } from '../collect/ssh/fleet.js';
import { addSshOptions, sshOptionsFrom, type SshCliOptions } from './ssh-options.js';
import { inShard, parseShard, readInventory } from '../targets/inventory.js';

export interface AuditOptions extends CommonOptions, SshCliOptions {
  facts?: string[];
  healthchecker?: string[];
  ssh?: string[];
  concurrency?: number;
  timeout?: number;
  saveFacts?: string;
  inventory?: string;
  local?: boolean;
  pwsh?: boolean;
  shard?: string;
  checks?: string;
  skip?: string;
}

export function register(program: Command): Command {
  const cmd = program
    .command('audit')
    .description(
      'assess Exchange servers from server-side facts: saved facts files, SSH, local PowerShell or a HealthChecker export',
    )
    .option('--facts <paths...>', 'facts JSON files or folders of them (from --save-facts or the collector script)')
    .option(
      '--healthchecker <paths...>',
      'HealthChecker exports (HealthChecker-<server>-<time>.xml) or folders of them',
    )
    .option('--ssh <targets...>', 'run the read-only collector over SSH on user@host[:port] (Windows OpenSSH)')
    .option('--local', 'run the collector on this machine (the Exchange server itself) through PowerShell')
    .option('--pwsh', 'with --local: use pwsh (PowerShell 7) instead of Windows PowerShell 5.1')
    .option('--concurrency <n>', 'servers collected at once', parsePositiveInt, 16)
    .addOption(
      new Option('--timeout <duration>', 'per-server command timeout: 2m, 90s (a plain number is milliseconds)')
        .argParser(parseDuration)
        .default(120_000, '2m'),
    )
    .option(
      '--inventory <file>',
      'servers to audit over SSH: YAML, JSON or CSV with host, port, user, transport, identity, tags',
    )
    .option(
      '--shard <k/n>',
      'audit only shard K of N (deterministic split of the servers, from --facts, --healthchecker, --ssh or --inventory, for CI matrices; join with report --merge)',
    )
    .option(
      '--save-facts <dir>',
      "keep each collected server's facts (--ssh, --inventory, --local) as <dir>/<server>.json, for audit --facts later",
    )
    .option('--checks <ids>', 'run only these checks (comma-separated)')
    .option('--skip <ids>', 'skip these checks (comma-separated)');
  addSshOptions(cmd);
  addOutputOptions(cmd);
  addGlobalOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Examples:
  exaudit audit --facts ./evidence/                      judge saved facts offline
  exaudit audit --facts ./evidence/ --checks lifecycle,security-updates --as-of 2026-01-10   two checks; support as of that date
  exaudit audit --facts ex01.json --skip hybrid-app      every check but one
  exaudit audit --local                                  on the Exchange server itself
  exaudit audit --ssh admin@ex01.contoso.com ex02.contoso.com:2222 --identity ~/.ssh/id_ed25519 --save-facts evidence/
  EXAUDIT_PW=… exaudit audit --ssh admin@ex01.contoso.com --password-env EXAUDIT_PW
  exaudit audit --inventory fleet.yaml --shard 2/4 --fail-on none --format json -o shard-2.json
  exaudit report shard-*.json --merge --format sarif -o fleet.sarif
  exaudit audit --facts ex01.json --format json -o r.json --fail-on critical
  exaudit audit --healthchecker C:\\HealthChecker\\ --format html --directive ed-21-02 -o evidence/

--healthchecker reads the XML HealthChecker.ps1 saves per server. That file keeps HealthChecker's displayed
results, not its raw data (it is written with Export-Clixml -Depth 2): the exact build, roles, OS and the EEMS
state come through; IIS, Extended Protection and setting-override checks stay indeterminate unless the export
was written deeper. HealthChecker's own vulnerability list is kept in facts.healthChecker as evidence.`,
  );
  cmd.action(async (opts: AuditOptions) => {
    await runAudit(opts);
  });
  return cmd;
}

export async function runAudit(opts: AuditOptions): Promise<number> {
  setupLogging(opts);
  const shard = opts.shard ? parseShard(opts.shard) : undefined;
  const inventory = opts.inventory ? readInventory(opts.inventory) : [];
  const sshTargets = fleetTargets(opts.ssh ?? [], inventory, shard);
  // An empty shard is a normal outcome of splitting a small fleet: an empty result, so a CI matrix stays green.
  const emptyShard = !!shard && !sshTargets.length && (!!opts.inventory || !!opts.ssh?.length);
  if (!opts.facts?.length && !opts.healthchecker?.length && !opts.local && !sshTargets.length && !emptyShard) {
    throw new InputError(
      'nothing to audit',
      'give --facts FILE|DIR, --healthchecker FILE|DIR, --ssh user@host, --inventory FILE or --local (see exaudit audit --help)',
    );
  }
  // Before any server is contacted: a folder that cannot be written would otherwise lose the whole run's facts.
  if (opts.saveFacts) {
    try {
      mkdirSync(opts.saveFacts, { recursive: true });
    } catch (err) {
      throw new InputError(
        `--save-facts ${opts.saveFacts}: ${(err as Error).message}`,
        'give a folder that can be created and written',
      );
    }
  }
  const skipped = inventory.filter((e) => e.transport !== 'ssh');
  if (skipped.length && !opts.quiet)
    process.stderr.write(
      `exaudit: ${opts.inventory}: ${skipped.length} entries with transport ${[...new Set(skipped.map((e) => e.transport))].join(', ')} skipped (audit collects over SSH; use exaudit scan for HTTPS)\n`,
    );
  if (emptyShard) process.stderr.write(`exaudit: shard ${opts.shard} holds no servers\n`);
  const sshOpts = sshTargets.length
    ? await sshOptionsFrom(
        opts,
        opts.timeout ?? 120_000,
        sshTargets.every((t) => t.identity),
      )
    : undefined;
  const run = await startRun('audit', opts);
  const problems: string[] = [];
  const saveFacts = opts.saveFacts ? factsSaver(opts.saveFacts) : undefined;
  // A server's facts that cannot be saved (a link planted at its file name, a full disk) are said at the end, exit 2;
  // the run and its result go on.
  const saver = saveFacts
    ? (c: Parameters<typeof saveFacts>[0]) => {
        try {
          saveFacts(c);
        } catch (err) {
          problems.push(`--save-facts: ${err instanceof InputError ? err.line() : (err as Error).message}`);
        }
      }
    : undefined;
  const code = await finishRun(run, async (emit) => {
    // Saved facts first, one file at a time: a large evidence folder is never held whole.
    // --shard splits saved facts the same way as SSH targets (by a hash of the server name), so shards never overlap.
    const mine = (name: string) => !shard || inShard(name, shard);
    for (const item of eachFactsTarget(opts.facts ?? [])) {
      if ('problem' in item) problems.push(item.problem);
      else if (mine(item.target)) await emit.collected(item);
    }
    if (opts.healthchecker?.length) {
      const r = loadHealthCheckerFiles(opts.healthchecker);
      problems.push(...r.problems);
      for (const c of r.collected) if (mine(c.target)) await emit.collected(c);
    }
    if (sshTargets.length) {
      const bar = progressBar(process.stderr, !!opts.quiet, sshTargets.length, 'audit', 'servers');
      bar?.start(sshTargets.length, 0);
      try {
        const live = await collectFleet(sshTargets, sshOpts!, opts.concurrency ?? 16, () => bar?.increment());
        for (const c of live) {
          saver?.(c);
          await emit.collected(c);
        }
      } finally {
        bar?.stop();
      }
    }
    if (opts.local) {
      const runner = new LocalRunner({
        ...(opts.pwsh ? { executable: 'pwsh' as const } : {}),
        timeoutMs: opts.timeout ?? 120_000,
      });
      try {
        const c = await runner.collect(hostname());
        saver?.(c);
        await emit.collected(c);
      } finally {
        await runner.dispose();
      }
    }
  });
  if (problems.length) {
    for (const p of problems) process.stderr.write(`exaudit: ${p}\n`);
    process.exitCode = EXIT.USAGE;
    return EXIT.USAGE;
  }
  return code;
}
