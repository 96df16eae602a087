/**
 * `exaudit scan <target…>`: passive remote assessment over HTTPS. Reads the build the server discloses to any
 * client, records how precisely, and judges it like any other facts. `--probe mitigations` adds two benign
 * requests that only show whether a URL-rewrite mitigation aborts them. Nothing exploit-like is sent, by any flag.
 * `--format ndjson` streams one target result per line as each finishes, then a summary line.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { X509Certificate } from 'node:crypto';
import { InvalidArgumentError, Option, type Command } from 'commander';
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
import { expandTargets, readTargetsFile } from '../collect/http/targets.js';
import { scanTargets, type FleetOptions } from '../collect/http/scan.js';
import { InputError, type ExitCode } from '../util/errors.js';
import { log } from '../util/logger.js';

export interface ScanCliOptions extends CommonOptions {
  targetsFile?: string;
  ca?: string;
  insecure?: boolean;
  hostHeader?: string;
  concurrency: number;
  timeout: number;
  requestTimeout: number;
  samples: number;
  rate?: number;
  workers: number | 'auto';
  probe?: string[];
  checks?: string;
  skip?: string;
  ndjson?: boolean;
}

export const PROBES = ['mitigations'] as const;
export const MAX_CONCURRENCY = 1024;

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

export const MAX_RATE = 10_000;
export const MAX_WORKERS = 16;
/** Targets a scan thread should have before another one pays for its start (about 0.2 s of CPU each). */
const TARGETS_PER_WORKER = 64;

/** --workers auto: one thread per 64 targets, at most one per core (and MAX_WORKERS); one below 128 targets. */
export function autoWorkers(targets: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(cores, MAX_WORKERS, Math.floor(targets / TARGETS_PER_WORKER)));
}

/** --rate: requests per second, a positive number (0.5 is one request every two seconds). */
export function parseRate(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0) || n > MAX_RATE)
    throw new InvalidArgumentError(`expected requests per second, above 0 and at most ${MAX_RATE} (e.g. 20 or 0.5)`);
  return n;
}

function parseWorkers(value: string): number | 'auto' {
  if (value.trim().toLowerCase() === 'auto') return 'auto';
  const n = parsePositiveInt(value);
  if (n > MAX_WORKERS) throw new InvalidArgumentError(`expected 1 to ${MAX_WORKERS} threads`);
  return n;
}

function parseSamples(value: string): number {
  const n = parsePositiveInt(value);
  if (n > 10) throw new InvalidArgumentError('expected 1 to 10 samples');
  return n;
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
    .option(
      '--rate <n>',
      'at most N requests per second across the whole scan, evenly spaced (e.g. to stay under a monitoring threshold)',
      parseRate,
    )
    .option(
      '--workers <n>',
      `spread the targets over N threads (1-${MAX_WORKERS}), for fleets where exaudit's own CPU is the limit; ` +
        `auto: one per ${TARGETS_PER_WORKER} targets, at most one per core`,
      parseWorkers,
      'auto',
    )
    .option('--checks <ids>', 'run only these checks (comma-separated)')
    .option('--skip <ids>', 'skip these checks (comma-separated)');
  addOutputOptions(cmd);
  cmd.addOption(new Option('--ndjson', 'same as --format ndjson').hideHelp());
  addGlobalOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Passive requests (always; no credentials, nothing a browser or mail client would not send):
  GET /autodiscover/autodiscover.xml   401 with X-OWA-Version (July 2021 SU on): exact build; --samples
                                       requests, each on a new connection, to see every front end behind
                                       a load balancer (the new connections resume the first TLS session)
  GET /owa/auth/logon.aspx             the OWA resource folder /owa/auth/15.x.y/: CU level only; it must
                                       agree with the header's CU
  Only while no sample gave the exact build:
  GET /EWS/Exchange.asmx               the same 401 (and /Microsoft-Server-ActiveSync if neither answered 401)
  GET /owa/                            the redirect to the logon page (Exchange markers)
  GET /ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application
                                       the export tool's version: exact (asked again on new connections, at
                                       most --samples rounds, while a front end behind a balancer has none)
A CU-level build leaves SU-fixed CVEs indeterminate (cve-su-unknown), never passed. Exchange Online and
non-Exchange hosts are not_applicable with the reason; contradictory fingerprints claim no build.

What a passive scan costs each target (default --samples 3):
  a server that sends X-OWA-Version          4 requests on 3 connections (the 2nd and 3rd resume the first
                                             one's TLS session where the server allows it)
  older, or the header hidden                7 requests on 3 connections
  a balancer whose front ends are not all    up to 2 more requests per round, each on a new connection, at
  read yet                                   most --samples rounds
  at most                                    3 × --samples + 5 requests (14); a reset request is sent once more
  no HTTP answer at all                      one more TLS handshake, without a request, to say why
--probe mitigations adds 2 requests per on-premises Exchange target, each on a new connection (sent once
more after a dropped connection; behind a balancer once per front end seen, at most 10 each).
--rate N spaces every request (and that extra handshake) of the whole scan 1/N s apart.

--probe mitigations sends (see README "What the probes send"):
  GET /autodiscover/autodiscover.json?exaudit-probe=powershell      (EOMTv2 / EEMS M1.1 URI rule)
  GET /owa/auth/logon.aspx with "Cookie: X-AnonResource-Backend="    (EOMT cookie rule; empty value)
  blocked = connection dropped without a response; not-blocked = an ordinary Exchange answer.

Examples:
  exaudit scan mail.contoso.com
  exaudit scan 10.0.5.0/28 --host-header mail.contoso.com --format json -o scan.json
  exaudit scan --targets-file hosts.txt --probe mitigations --format sarif,junit -o out/
  exaudit scan --targets-file big.txt --format ndjson -o scan.ndjson --concurrency 128
  exaudit scan --targets-file hosts.txt --rate 20 --format json -o scan.json
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

export async function runScan(targetArgs: string[], opts: ScanCliOptions): Promise<ExitCode> {
  setupLogging(opts);
  const format = opts.ndjson ? ['ndjson', ...(opts.format ?? [])] : opts.format;
  const file = opts.targetsFile
    ? readTargetsFile(opts.targetsFile).map((l) => ({ ...l, file: opts.targetsFile! }))
    : [];
  const targets = expandTargets([...targetArgs, ...file]);
  if (!targets.length) throw new InputError('no targets', 'give hosts on the command line or --targets-file FILE');
  checkHostHeader(opts.hostHeader);
  const ca = opts.ca ? readCa(opts.ca) : undefined;
  const probes = opts.probe ?? [];
  const workers = opts.workers === 'auto' ? autoWorkers(targets.length) : opts.workers;
  const scanOpts: FleetOptions = {
    ...(ca ? { ca } : {}),
    insecure: !!opts.insecure,
    ...(opts.hostHeader ? { hostHeader: opts.hostHeader } : {}),
    requestTimeoutMs: opts.requestTimeout,
    targetTimeoutMs: opts.timeout,
    probeMitigations: probes.includes('mitigations'),
    samples: opts.samples,
    concurrency: opts.concurrency,
    ...(opts.rate ? { rate: opts.rate } : {}),
    workers,
  };
  const recorded = {
    insecure: !!opts.insecure,
    probes,
    ...(opts.hostHeader ? { hostHeader: opts.hostHeader } : {}),
    ...(opts.ca ? { ca: opts.ca } : {}),
    concurrency: opts.concurrency,
    samples: opts.samples,
    ...(opts.rate ? { rate: opts.rate } : {}),
    ...(workers > 1 ? { workers } : {}),
    timeoutMs: opts.timeout,
    requestTimeoutMs: opts.requestTimeout,
  };
  const run = await startRun('scan', { ...opts, ...(format ? { format } : {}) }, recorded);
  if (opts.insecure && !opts.quiet)
    process.stderr.write('exaudit: --insecure: TLS certificates are not verified (recorded in the result)\n');
  const bar = progressBar(process.stderr, !!opts.quiet, targets.length);
  bar?.start(targets.length, 0);
  try {
    return await finishRun(run, async (emit) => {
      await scanTargets(targets, scanOpts, async (c, i) => {
        bar?.increment();
        log().debug({ target: c.target, status: c.failure?.status ?? 'collected', error: c.failure?.error }, 'scanned');
        await emit.collected(c, i);
      });
      bar?.stop();
    });
  } finally {
    bar?.stop();
  }
}
