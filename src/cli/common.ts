/**
 * Options shared by scan, audit, ioc, report and demo (formats and outputs, --fail-on, waivers, --rules, logging)
 * and the wiring that starts the one pipeline (src/engine/pipeline.ts) for a command.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option, InvalidArgumentError } from 'commander';
import type { LevelWithSilent } from 'pino';
import { createLogger, scrubText } from '../util/logger.js';
import type { ExitCode } from '../util/errors.js';
import { FORMATS } from '../../reports/formats.js';
import { getCatalog, type Catalog } from '../catalog/catalog.js';
import type { CollectOutcome, Emit, PipelineOptions } from '../engine/pipeline.js';
import { FAIL_ON_VALUES, type FailOn } from '../engine/policy.js';
import type { RunOutput } from '../output/write.js';
import { DEFAULT_RULES_DIR } from '../util/tool.js';

export interface CommonOptions {
  format: string[];
  output?: string;
  failOn: FailOn;
  waivers?: string;
  rules: string;
  quiet?: boolean;
  logLevel: LevelWithSilent;
  logFormat: 'json' | 'pretty';
  asOf: string;
  directive?: string;
  inventoryFile?: string;
}

/** Parses "json,sarif" and repeated --format flags into a list, checking each is known. */
export function collectFormats(value: string, previous: string[] | undefined): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const f of list) {
    if (!(FORMATS as readonly string[]).includes(f))
      throw new InvalidArgumentError(`unknown format "${f}" (choose from ${FORMATS.join(', ')})`);
  }
  return [...(previous ?? []), ...list];
}

let directiveIds: string[] | undefined;
/** The shipped directives' ids (each rules/directives/<id>.yaml), read without parsing them. */
export const shippedDirectives = (): string[] =>
  (directiveIds ??= readdirSync(join(DEFAULT_RULES_DIR, 'directives'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort());

/** Checked when the command line is read, so a long scan does not end on a typo (--rules DIR may add its own). */
export function parseDirective(value: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(value))
    throw new InvalidArgumentError(`expected a directive id such as ${shippedDirectives().join(', ')}`);
  if (!shippedDirectives().includes(value) && !process.argv.some((a) => a === '--rules' || a.startsWith('--rules=')))
    throw new InvalidArgumentError(`unknown directive (choose ${shippedDirectives().join(', ')})`);
  return value;
}

export function parseDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  return value;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

export const today = (): string => new Date().toISOString().slice(0, 10);

/** "a, b" → ['a', 'b'] (for --checks / --skip); undefined when not given. */
export const splitList = (v?: string): string[] | undefined =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

/** Output options for commands that produce a result document. */
export function addOutputOptions(cmd: Command, defaultFormat = 'console'): Command {
  return cmd
    .option(
      '-f, --format <formats>',
      `output format(s), comma-separated or repeated: ${FORMATS.join(', ')} (default: ${defaultFormat})`,
      collectFormats,
    )
    .option('-o, --output <path>', 'write to this file (one format) or directory (several formats) instead of stdout')
    .addOption(
      new Option(
        '--fail-on <level>',
        'exit 1 when a finding reaches this: a severity (fail findings at or above it: critical, high, medium, low, info) or a status ("any"/"fail": any fail; "indeterminate": fail, error or indeterminate; "mitigated": those or an interim mitigation), or "none"',
      )
        .choices(FAIL_ON_VALUES)
        .default('high'),
    )
    .option('--waivers <file>', 'YAML waivers (fingerprint, or check and target; reason; owner; expires)')
    .option(
      '--directive <id>',
      `directive for markdown/html evidence reports: ${shippedDirectives().join(', ')} (with --output DIR: a folder with manifest.json)`,
      parseDirective,
    )
    .option(
      '--inventory-file <path>',
      'inventory path to cite in SARIF locations (each server on the line that names it)',
    );
}

/** Options every command accepts. */
export function addGlobalOptions(cmd: Command): Command {
  return cmd
    .option('--rules <dir>', 'load the rules catalog from this directory instead of the shipped one', DEFAULT_RULES_DIR)
    .option('--as-of <date>', 'reference date (YYYY-MM-DD) for lifecycle and due-date judgements', parseDate, today())
    .option('-q, --quiet', 'no progress bar or summary on stderr')
    .addOption(
      new Option('--log-level <level>', 'log level for JSON logs on stderr')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('warn'),
    )
    .addOption(new Option('--log-format <format>', 'log format on stderr').choices(['json', 'pretty']).default('json'));
}

export function setupLogging(opts: Pick<CommonOptions, 'logLevel' | 'logFormat'>): void {
  createLogger({ level: opts.logLevel, format: opts.logFormat });
}

export function catalogFor(opts: Pick<CommonOptions, 'rules'>): Catalog {
  return getCatalog(opts.rules);
}

/** The command line as recorded in results: secrets scrubbed, password-like option values removed. */
export function redactedArgv(argv: string[] = process.argv.slice(2)): string[] {
  return argv.map((a, i) =>
    /^--?(password|passphrase|token|secret)/i.test(argv[i - 1] ?? '') ? '[REDACTED]' : scrubText(a),
  );
}

export interface RunSetup {
  pipeline: PipelineOptions;
  output: RunOutput;
}

/**
 * Everything a run needs before the first target is collected, so a bad catalog, check id, waivers file or
 * output combination fails at once: the catalog, the selected checks, the waivers and the open outputs.
 */
export async function startRun(
  command: string,
  opts: CommonOptions & { checks?: string; skip?: string },
  options?: Record<string, unknown>,
): Promise<RunSetup> {
  // The pipeline, checks, waivers and outputs load here, for the commands that run them only.
  const [{ loadChecks, selectChecks }, { loadWaivers }, { openOutput }] = await Promise.all([
    import('../engine/loader.js'),
    import('../engine/waivers.js'),
    import('../output/write.js'),
  ]);
  const startedAt = new Date().toISOString();
  const catalog = catalogFor(opts);
  // The IOC sweep judges no facts: it loads no checks.
  const checks =
    command === 'ioc' ? [] : selectChecks(await loadChecks(), splitList(opts.checks), splitList(opts.skip));
  const waivers = opts.waivers ? loadWaivers(opts.waivers) : undefined;
  // A directive from --rules DIR is checked before anything is collected, like the shipped ones are when parsed.
  if (opts.directive) (await import('../../reports/directives.js')).resolveDirective(opts.directive, opts.rules);
  const output = openOutput(opts);
  return {
    pipeline: {
      command,
      catalog,
      checks,
      asOf: opts.asOf,
      startedAt,
      argv: redactedArgv(),
      ...(options ? { options } : {}),
      ...(waivers ? { waivers } : {}),
      failOn: opts.failOn,
    },
    output,
  };
}

/** Runs the pipeline, writes what the outputs still hold, and sets the exit code. */
export async function finishRun(
  run: RunSetup,
  collect: (emit: Emit) => Promise<CollectOutcome | void>,
): Promise<ExitCode> {
  const { runPipeline } = await import('../engine/pipeline.js');
  const result = await runPipeline(run.pipeline, run.output.sink, collect);
  run.output.finish(result);
  process.exitCode = result.exitCode;
  return result.exitCode;
}
