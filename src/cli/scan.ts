/**
 * `exaudit scan <target…>`: passive remote assessment over HTTPS. Reads the build the server discloses to any
 * client, records how precisely, and judges it like any other facts. `--probe mitigations` adds benign requests
 * that only show whether a URL-rewrite mitigation aborts them. Nothing exploit-like is sent, by any flag.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import pLimit from 'p-limit';
import { SingleBar, Presets } from 'cli-progress';
import { addGlobalOptions, addOutputOptions, catalogFor, finishResult, meetsFailOn, splitList, parsePositiveInt, redactedArgv, setupLogging, type CommonOptions } from './common.js';
import { expandTargets, readTargetsFile } from '../collect/http/targets.js';
import { scanTarget } from '../collect/http/scan.js';
import { assess, assessTarget, type CollectedTarget } from '../engine/run.js';
import { loadChecks, selectChecks } from '../engine/loader.js';
import { EXIT, InputError } from '../util/errors.js';

export interface ScanCliOptions extends CommonOptions {
  targetsFile?: string;
  ca?: string;
  insecure?: boolean;
  hostHeader?: string;
  concurrency: number;
  timeout: number;
  requestTimeout: number;
  probe?: string[];
  checks?: string;
  skip?: string;
}

export function register(program: Command): Command {
  const cmd = program.command('scan')
    .description('passive remote scan over HTTPS: exact builds where the server tells, honest precision where it does not')
    .argument('[targets...]', 'host, host:port, https://host[:port] or an IPv4 CIDR range')
    .option('--targets-file <file>', 'one target per line (# comments allowed)')
    .option('--ca <file>', 'trust this CA (PEM) in addition to the system store')
    .option('--insecure', 'do not verify TLS certificates (recorded in the result)')
    .option('--host-header <name>', 'Host header and TLS SNI to send, for servers reached by address')
    .option('--probe <what...>', 'opt-in probes: "mitigations" sends benign requests that URL-rewrite mitigations abort')
    .option('--concurrency <n>', 'targets scanned at once', parsePositiveInt, 64)
    .option('--timeout <ms>', 'per-target timeout', parsePositiveInt, 30_000)
    .option('--request-timeout <ms>', 'per-request timeout', parsePositiveInt, 10_000)
    .option('--checks <ids>', 'run only these checks (comma-separated)')
    .option('--skip <ids>', 'skip these checks (comma-separated)');
  addOutputOptions(cmd);
  cmd.addOption(cmd.createOption('--ndjson', 'stream one target result per line as each finishes (flat memory for large scans)'));
  addGlobalOptions(cmd);
  cmd.addHelpText('after', `
Passive requests (always): GET /autodiscover/autodiscover.xml and /EWS/Exchange.asmx (the 401 carries
X-OWA-Version: exact build), the ECP export-tool manifest (exact), and the OWA logon page (CU level).
A CU-level build leaves SU-fixed CVEs indeterminate, never passed.

Examples:
  exaudit scan mail.contoso.com
  exaudit scan 10.0.5.0/28 --host-header mail.contoso.com --format json -o scan.json
  exaudit scan --targets-file hosts.txt --probe mitigations --format sarif,json -o out/`);
  cmd.action(async (targets: string[], opts: ScanCliOptions & { ndjson?: boolean }) => { await runScan(targets, opts); });
  return cmd;
}

export async function runScan(targetArgs: string[], opts: ScanCliOptions & { ndjson?: boolean }): Promise<number> {
  setupLogging(opts);
  const inputs = [...targetArgs, ...(opts.targetsFile ? readTargetsFile(opts.targetsFile) : [])];
  if (!inputs.length) throw new InputError('no targets', 'give hosts on the command line or --targets-file FILE');
  const probes = opts.probe ?? [];
  for (const p of probes) if (p !== 'mitigations') throw new InputError(`unknown probe "${p}"`, 'the only probe is "mitigations"');
  let ca: string | undefined;
  if (opts.ca) { try { ca = readFileSync(opts.ca, 'utf8'); } catch (err) { throw new InputError(`--ca ${opts.ca}: ${(err as Error).message}`); } }
  const targets = expandTargets(inputs);
  const catalog = catalogFor(opts);
  const checks = selectChecks(await loadChecks(), splitList(opts.checks), splitList(opts.skip));
  const startedAt = new Date().toISOString();
  const scanOpts = {
    ...(ca ? { ca } : {}), insecure: !!opts.insecure, ...(opts.hostHeader ? { hostHeader: opts.hostHeader } : {}),
    requestTimeoutMs: opts.requestTimeout, targetTimeoutMs: opts.timeout, probeMitigations: probes.includes('mitigations'),
  };
  const bar = !opts.quiet && process.stderr.isTTY && targets.length > 1
    ? new SingleBar({ format: 'scan {bar} {value}/{total} targets', stream: process.stderr, hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(targets.length, 0);
  const limit = pLimit(opts.concurrency);
  const run = (t: (typeof targets)[number]) => limit(async (): Promise<CollectedTarget> => {
    try { return await scanTarget(t, scanOpts); } finally { bar?.increment(); }
  });
  if (opts.ndjson) {
    // Stream: each target is judged and written as soon as it is done; only the exit-code flags stay in memory.
    let failed = false; let unassessed = false;
    await Promise.all(targets.map((t) => run(t).then((c) => {
      const r = assessTarget(c, { catalog, checks, asOf: opts.asOf });
      failed ||= r.findings.some((f) => meetsFailOn(f.status, f.severity, opts.failOn));
      unassessed ||= r.status === 'unreachable' || r.status === 'error';
      process.stdout.write(`${JSON.stringify(r)}\n`);
    })));
    bar?.stop();
    const code = failed ? EXIT.FINDINGS : unassessed ? EXIT.UNASSESSED : EXIT.OK;
    process.exitCode = code;
    return code;
  }
  const collected = await Promise.all(targets.map(run));
  bar?.stop();
  const doc = assess(collected, {
    catalog, checks, command: 'scan', startedAt, finishedAt: new Date().toISOString(), asOf: opts.asOf, argv: redactedArgv(),
    options: { insecure: !!opts.insecure, probes, ...(opts.hostHeader ? { hostHeader: opts.hostHeader } : {}), ...(opts.ca ? { ca: opts.ca } : {}) },
  });
  return finishResult(doc, opts);
}
