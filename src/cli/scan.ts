/**
 * `exaudit scan <target…>`: passive remote assessment over HTTPS. Reads the build the server discloses to any
 * client, records how precisely, and judges it like any other facts. `--probe mitigations` adds two benign
 * requests that only show whether a URL-rewrite mitigation aborts them. Nothing exploit-like is sent, by any flag.
 * `--format ndjson` streams one target result per line as each finishes, then a summary line.
 */
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import {
  addGlobalOptions,
  addOutputOptions,
  catalogFor,
  collectFormats,
  finishResult,
  meetsFailOn,
  notAssessed,
  parsePositiveInt,
  redactedArgv,
  setupLogging,
  splitList,
  type CommonOptions,
} from './common.js';
import { expandTargets, readTargetsFile, type ScanTarget } from '../collect/http/targets.js';
import { scanTargets, type FleetOptions } from '../collect/http/scan.js';
import { assess, assessTarget } from '../engine/run.js';
import type { CollectedTarget } from '../contract.js';
import { loadChecks, selectChecks } from '../engine/loader.js';
import { applyWaivers, loadWaivers, type Waiver } from '../engine/waivers.js';
import { RESULT_SCHEMA_VERSION, type ResultDocument, type Summary } from '../contract.js';
import { EXIT, InputError, type ExitCode } from '../util/errors.js';
import { log } from '../util/logger.js';
import { TOOL_VERSION } from '../util/tool.js';

export interface ScanCliOptions extends CommonOptions {
  targetsFile?: string;
  ca?: string;
  insecure?: boolean;
  hostHeader?: string;
  concurrency: number;
  timeout: number;
  requestTimeout: number;
  samples: number;
  probe?: string[];
  checks?: string;
  skip?: string;
  ndjson?: boolean;
}

export const PROBES = ['mitigations'] as const;
export const MAX_CONCURRENCY = 1024;

/** "1500", "1500ms", "30s", "2m" → milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m)
    throw new InvalidArgumentError('expected a duration such as 30s, 1500ms or 2m (a bare number is milliseconds)');
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1);
  if (!(ms >= 1 && ms <= 3_600_000)) throw new InvalidArgumentError('expected a duration between 1 ms and 1 hour');
  return Math.round(ms);
}

function parseProbe(value: string, previous: string[] | undefined): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of list) {
    if (!(PROBES as readonly string[]).includes(p))
      throw new InvalidArgumentError(
        `unknown probe "${p}": the only probe is "mitigations" (exaudit sends nothing exploit-like, by any flag)`,
      );
  }
  return [...(previous ?? []), ...list];
}

function parseConcurrency(value: string): number {
  const n = parsePositiveInt(value);
  if (n > MAX_CONCURRENCY) throw new InvalidArgumentError(`expected at most ${MAX_CONCURRENCY}`);
  return n;
}

function parseSamples(value: string): number {
  const n = parsePositiveInt(value);
  if (n > 10) throw new InvalidArgumentError('expected 1 to 10 samples');
  return n;
}

/** --format also accepts "ndjson" here (streamed by scan itself, not a renderer of a finished document). */
function parseScanFormat(value: string, previous: string[] | undefined): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const rest = list.filter((f) => f !== 'ndjson');
  return [
    ...(previous ?? []),
    ...list.filter((f) => f === 'ndjson'),
    ...(rest.length ? collectFormats(rest.join(','), undefined) : []),
  ];
}

export function register(program: Command): Command {
  const cmd = program
    .command('scan')
    .description(
      'passive remote scan over HTTPS: exact builds where the server tells, honest precision where it does not',
    )
    .argument(
      '[targets...]',
      'host, host:port, https://host[:port], [IPv6]:port, or a CIDR range (IPv4 or IPv6, up to 4096 addresses)',
    )
    .option('--targets-file <file>', 'one target per line, # comments allowed ("-" reads stdin)')
    .option('--ca <file>', 'also trust the CA certificate(s) in this PEM file (the system store stays trusted)')
    .option(
      '--insecure',
      'do not verify TLS certificates (recorded in the result as options.insecure and facts.http.tls.insecure)',
    )
    .option('--host-header <name>', 'Host header and TLS SNI to send, for servers reached by address behind one name')
    .option(
      '--probe <kinds>',
      'opt-in probes, comma-separated: "mitigations" (two benign requests that show whether the ProxyLogon and ProxyNotShell URL-rewrite rules abort their patterns)',
      parseProbe,
    )
    .option('--concurrency <n>', `targets scanned at once (1-${MAX_CONCURRENCY})`, parseConcurrency, 64)
    .addOption(
      new Option('--timeout <duration>', 'per-target timeout: 30s, 2m, 1500ms (a bare number is milliseconds)')
        .argParser(parseDuration)
        .default(30_000, '30s'),
    )
    .addOption(
      new Option('--request-timeout <duration>', 'per-request timeout, also the TLS handshake limit')
        .argParser(parseDuration)
        .default(10_000, '10s'),
    )
    .option(
      '--samples <n>',
      'autodiscover requests on fresh connections, to see every front end behind a load balancer (1-10)',
      parseSamples,
      3,
    )
    .option('--checks <ids>', 'run only these checks (comma-separated)')
    .option('--skip <ids>', 'skip these checks (comma-separated)');
  addOutputOptions(cmd);
  const format = cmd.options.find((o) => o.long === '--format');
  format?.argParser(parseScanFormat);
  if (format)
    format.description = `${format.description.replace(/ \(default: console\)$/, '')}, or ndjson (one target result per line as each finishes, then a summary line) (default: console)`;
  cmd.addOption(new Option('--ndjson', 'same as --format ndjson').hideHelp());
  addGlobalOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Passive requests (always; no credentials, nothing a browser or mail client would not send):
  GET /autodiscover/autodiscover.xml   401 with X-OWA-Version (July 2021 SU on): exact build; sampled on
                                       fresh connections to see every front end behind a load balancer
  GET /EWS/Exchange.asmx               the same 401 (and /Microsoft-Server-ActiveSync if neither answered 401)
  GET /owa/ and /owa/auth/logon.aspx   the OWA resource folder /owa/auth/15.x.y/: CU level only
  GET /ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application
                                       the export tool's version: exact (only if no header gave it, or a
                                       front end behind a load balancer has none; then asked again on new
                                       connections, at most --samples rounds)
A CU-level build leaves SU-fixed CVEs indeterminate (cve-su-unknown), never passed. Exchange Online and
non-Exchange hosts are not_applicable with the reason; contradictory fingerprints claim no build.

--probe mitigations adds (see README "What the probes send"):
  GET /autodiscover/autodiscover.json?exaudit-probe=powershell      (EOMTv2 / EEMS M1.1 URI rule)
  GET /owa/auth/logon.aspx with "Cookie: X-AnonResource-Backend="    (EOMT cookie rule; empty value)
  blocked = connection dropped without a response; not-blocked = an ordinary Exchange answer.

Examples:
  exaudit scan mail.contoso.com
  exaudit scan 10.0.5.0/28 --host-header mail.contoso.com --format json -o scan.json
  exaudit scan --targets-file hosts.txt --probe mitigations --format sarif,junit -o out/
  exaudit scan --targets-file big.txt --format ndjson -o scan.ndjson --concurrency 128
  exaudit lab &   then   exaudit scan 127.0.0.1:PORT --ca /tmp/exaudit-lab-…/lab-ca.pem`,
  );
  cmd.action(async (targets: string[], opts: ScanCliOptions) => {
    await runScan(targets, opts);
  });
  return cmd;
}

function readCa(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(
      `--ca ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      'give a PEM file with the CA certificate',
    );
  }
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  try {
    if (!first) throw new Error('no certificate');
    new X509Certificate(first[0]);
  } catch {
    throw new InputError(`--ca ${file}: not a PEM certificate`, 'expected -----BEGIN CERTIFICATE----- blocks');
  }
  return pem;
}

function checkHostHeader(name: string | undefined): void {
  if (name !== undefined && !/^[a-z0-9_]([a-z0-9_.-]{0,252})$/i.test(name)) {
    throw new InputError(
      `--host-header "${name}" is not a host name`,
      'give the name the certificate and the virtual host use, e.g. mail.contoso.com',
    );
  }
}

/** A progress bar on `stream` only when it is a terminal, not --quiet, and more than one target: never in pipes or CI logs. */
export function progressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  quiet: boolean,
  targets: number,
): SingleBar | undefined {
  if (quiet || stream.isTTY !== true || targets < 2) return undefined;
  return new SingleBar(
    {
      format: 'scan {bar} {value}/{total} targets, {eta_formatted} left',
      stream: stream as NodeJS.WritableStream,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
}

export async function runScan(targetArgs: string[], opts: ScanCliOptions): Promise<ExitCode> {
  setupLogging(opts);
  const formats = opts.ndjson ? ['ndjson', ...(opts.format ?? [])] : (opts.format ?? []);
  const ndjson = formats.includes('ndjson');
  if (ndjson && new Set(formats).size > 1)
    throw new InputError(
      '--format ndjson streams and cannot be combined with other formats',
      'run `exaudit report` on a saved JSON result for the others',
    );
  const file = opts.targetsFile
    ? readTargetsFile(opts.targetsFile).map((l) => ({ ...l, file: opts.targetsFile! }))
    : [];
  const targets = expandTargets([...targetArgs, ...file]);
  if (!targets.length) throw new InputError('no targets', 'give hosts on the command line or --targets-file FILE');
  checkHostHeader(opts.hostHeader);
  const ca = opts.ca ? readCa(opts.ca) : undefined;
  const catalog = catalogFor(opts);
  const checks = selectChecks(await loadChecks(), splitList(opts.checks), splitList(opts.skip));
  const probes = opts.probe ?? [];
  if (opts.insecure && !opts.quiet)
    process.stderr.write('exaudit: --insecure: TLS certificates are not verified (recorded in the result)\n');

  const scanOpts: FleetOptions = {
    ...(ca ? { ca } : {}),
    insecure: !!opts.insecure,
    ...(opts.hostHeader ? { hostHeader: opts.hostHeader } : {}),
    requestTimeoutMs: opts.requestTimeout,
    targetTimeoutMs: opts.timeout,
    probeMitigations: probes.includes('mitigations'),
    samples: opts.samples,
    concurrency: opts.concurrency,
  };
  const recorded = {
    insecure: !!opts.insecure,
    probes,
    ...(opts.hostHeader ? { hostHeader: opts.hostHeader } : {}),
    ...(opts.ca ? { ca: opts.ca } : {}),
    concurrency: opts.concurrency,
    samples: opts.samples,
    timeoutMs: opts.timeout,
    requestTimeoutMs: opts.requestTimeout,
  };
  const startedAt = new Date().toISOString();
  const bar = progressBar(process.stderr, !!opts.quiet, targets.length);
  bar?.start(targets.length, 0);
  const done = (c: CollectedTarget) => {
    bar?.increment();
    log().debug({ target: c.target, status: c.failure?.status ?? 'collected', error: c.failure?.error }, 'scanned');
  };

  try {
    if (ndjson)
      return await streamNdjson(targets, scanOpts, { ...opts, checksRun: checks, catalog, startedAt, recorded }, done);
    const collected: CollectedTarget[] = new Array(targets.length);
    await scanTargets(targets, scanOpts, (c, i) => {
      collected[i] = c;
      done(c);
    });
    bar?.stop();
    const doc = assess(collected, {
      catalog,
      checks,
      command: 'scan',
      startedAt,
      finishedAt: new Date().toISOString(),
      asOf: opts.asOf,
      argv: redactedArgv(),
      options: recorded,
    });
    return finishResult(doc, opts);
  } finally {
    bar?.stop();
  }
}

interface StreamContext extends ScanCliOptions {
  checksRun: Awaited<ReturnType<typeof loadChecks>>;
  catalog: ReturnType<typeof catalogFor>;
  startedAt: string;
  recorded: Record<string, unknown>;
}

/** Streams each judged target as one JSON line when it completes; only counters stay in memory. */
async function streamNdjson(
  targets: ScanTarget[],
  scanOpts: FleetOptions,
  ctx: StreamContext,
  done: (c: CollectedTarget) => void,
): Promise<ExitCode> {
  const waivers: Waiver[] = ctx.waivers ? loadWaivers(ctx.waivers) : [];
  const waiverUse = new Set<number>();
  const out = ctx.output
    ? (mkdirSync(dirname(ctx.output), { recursive: true }), createWriteStream(ctx.output))
    : process.stdout;
  let streamError: Error | undefined;
  out.on('error', (err) => {
    streamError ??= err;
  });
  const write = (line: string) =>
    new Promise<void>((resolve, reject) => {
      if (streamError) return reject(streamError);
      if (out.write(line)) resolve();
      else out.once('drain', resolve);
    });
  const summary: Summary = { targets: 0, targetsByStatus: {}, findings: 0, byStatus: {}, bySeverity: {}, waived: 0 };
  const bump = (m: Record<string, number>, k: string) => {
    m[k] = (m[k] ?? 0) + 1;
  };
  let failed = false;
  let unassessed = false;
  await scanTargets(targets, scanOpts, async (c) => {
    done(c);
    let r = assessTarget(c, { catalog: ctx.catalog, checks: ctx.checksRun, asOf: ctx.asOf });
    if (waivers.length) {
      const one = applyWaivers({ targets: [r] } as unknown as ResultDocument, waivers, ctx.asOf);
      r = one.targets[0]!;
      one.waivers?.forEach((w, i) => {
        if (w.state === 'applied') waiverUse.add(i);
      });
    }
    failed ||= r.findings.some((f) => !f.waived && meetsFailOn(f.status, f.severity, ctx.failOn));
    unassessed ||= notAssessed(r); // the same rule exitCodeFor applies to a whole document
    // Only counters outlive the line: the same counts summarize() gives for a whole document.
    summary.targets++;
    bump(summary.targetsByStatus, r.status);
    for (const f of r.findings) {
      summary.findings++;
      bump(summary.byStatus, f.status);
      if (f.status === 'fail' && !f.waived) bump(summary.bySeverity, f.severity);
      if (f.waived) summary.waived++;
    }
    await write(`${JSON.stringify(r)}\n`);
  });
  const summaryLine = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'exaudit', version: TOOL_VERSION },
    catalog: { version: ctx.catalog.meta.version, date: ctx.catalog.meta.date, sha256: ctx.catalog.sha256 },
    command: 'scan',
    argv: redactedArgv(),
    startedAt: ctx.startedAt,
    finishedAt: new Date().toISOString(),
    options: ctx.recorded,
    ...(waivers.length
      ? {
          waivers: waivers.map((w, i) => ({
            ...w,
            state: w.expires && w.expires < ctx.asOf ? 'expired' : waiverUse.has(i) ? 'applied' : 'unused',
          })),
        }
      : {}),
    summary,
  };
  await write(`${JSON.stringify(summaryLine)}\n`);
  if (out !== process.stdout)
    await new Promise<void>((resolve) => (out as ReturnType<typeof createWriteStream>).end(resolve));
  if (ctx.output && !ctx.quiet) process.stderr.write(`exaudit: wrote ${ctx.output}\n`);
  const code: ExitCode = failed ? EXIT.FINDINGS : unassessed ? EXIT.UNASSESSED : EXIT.OK;
  process.exitCode = code;
  return code;
}
