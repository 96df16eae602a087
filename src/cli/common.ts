/**
 * Options shared by scan, audit, ioc, report and demo (formats and outputs, --fail-on, waivers, --rules, logging)
 * and the wiring that starts the one pipeline (src/engine/pipeline.ts) for a command.
 */
import { Command, Option, InvalidArgumentError } from 'commander';
import type { LevelWithSilent } from 'pino';
import { createLogger, scrubText } from '../util/logger.js';
import { InputError, type ExitCode } from '../util/errors.js';
import { FORMATS } from '../../reports/formats.js';
import { loadCompiledCatalog, type Catalog } from '../catalog/compiled.js';
import { CatalogAgeError, catalogAge, staleWarning } from '../catalog/age.js';
import type { CollectOutcome, Emit, PipelineOptions } from '../engine/pipeline.js';
import { FAIL_ON_VALUES, type FailOn } from '../engine/policy.js';
import type { RunOutput } from '../output/write.js';
import { DEFAULT_RULES_DIR } from '../util/tool.js';
import { oneLine } from '../util/text.js';
import { SEVERITIES } from '../util/levels.js';

type Severity = (typeof SEVERITIES)[number];

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
  maxCatalogAge?: number;
  directive?: string;
  inventoryFile?: string;
  details?: boolean;
  severity?: Severity[];
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

/** The directive's spelling is checked when the command line is read; catalogFor checks the catalog has it. */
export function parseDirective(value: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(value))
    throw new InvalidArgumentError('expected a directive id such as ed-21-02 (see exaudit rules list directives)');
  return value;
}

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
type Unit = keyof typeof UNITS;

/**
 * A duration option's parser: "1500ms", "30s", "2m", "1h", "45d", "2w", or a plain number in the option's own unit
 * (what it took before units were accepted). The result is in that unit too, within [min, max].
 */
export function durationParser(unit: Unit, min: number, max: number): (value: string) => number {
  const shown = (n: number) => `${n}${unit}`;
  return (value: string) => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/.exec(value.trim());
    if (!m)
      throw new InvalidArgumentError(
        unit === 'd'
          ? 'expected a whole number of days (45), or a duration such as 45d or 6w'
          : 'expected a duration such as 30s, 2m or 1500ms (a plain number is in milliseconds)',
      );
    const n = (Number(m[1]) * UNITS[(m[2] as Unit | undefined) ?? unit]) / UNITS[unit];
    if (!(n >= min && n <= max))
      throw new InvalidArgumentError(`expected a duration from ${shown(min)} to ${shown(max)}`);
    return unit === 'd' ? Math.floor(n) : Math.round(n);
  };
}

/** Milliseconds, 1 ms to 1 hour (the network and command timeouts). */
export const parseDuration = durationParser('ms', 1, 3_600_000);
/** Milliseconds, 1 ms to 1 day (a whole sweep of a server's logs). */
export const parseLongDuration = durationParser('ms', 1, 86_400_000);

/** --max-catalog-age: days (45, 45d, 6w). */
export const parseNonNegativeInt = durationParser('d', 0, 36_500);

/** --severity: "CRITICAL,HIGH" as Trivy spells it, any case, comma-separated or repeated. */
export function collectSeverities(value: string, previous: Severity[] | undefined): Severity[] {
  const list = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const v of list)
    if (!(SEVERITIES as readonly string[]).includes(v))
      throw new InvalidArgumentError(`unknown severity "${v}" (choose from ${SEVERITIES.join(', ')})`);
  return [...new Set([...(previous ?? []), ...(list as Severity[])])];
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

/**
 * -f/--format and -o/--output for commands that print one text (build, rules list, rules show): the same letters and
 * meaning as on scan, audit, ioc and report. `formats` are the ones the command has; the first is the default.
 */
export function addTextOutputOptions(cmd: Command, formats: readonly string[]): Command {
  return cmd
    .addOption(
      new Option('-f, --format <format>', `output format: ${formats.join(' or ')}`)
        .choices([...formats, ...(formats.includes('console') ? ['text'] : [])])
        .default(formats[0]),
    )
    .option('-o, --output <file>', 'write to this file instead of stdout');
}

/** Writes a command's text to --output (never through a symlink) or to stdout. */
export async function writeText(text: string, output: string | undefined, quiet = false): Promise<void> {
  if (!output) {
    process.stdout.write(text);
    return;
  }
  const [{ mkdirSync }, { dirname }, { writeFileNoFollow }] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('../util/files.js'),
  ]);
  mkdirSync(dirname(output), { recursive: true });
  writeFileNoFollow(output, text);
  if (!quiet) process.stderr.write(`exaudit: wrote ${oneLine(output)}\n`);
}

/** Output options for commands that produce a result document. */
export function addOutputOptions(cmd: Command, defaultFormat = 'console'): Command {
  return cmd
    .option(
      '-f, --format <formats>',
      `output format(s), comma-separated or repeated: ${FORMATS.join(', ')} (default: ${defaultFormat})`,
      collectFormats,
    )
    .option(
      '-o, --output <path>',
      'write to this file (one format) or folder (several formats: an existing folder or a name ending in /) instead of stdout',
    )
    .option('--details', 'console: every finding of every server, with its evidence (default: a summary and the worst)')
    .option(
      '--severity <list>',
      `show only findings of these severities, comma-separated (${SEVERITIES.join(',')}; any case, as Trivy's); JSON keeps every finding`,
      collectSeverities,
    )
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
      "judge a directive's required actions per server, e.g. ed-21-02 (see exaudit rules list directives): stored in the result and shown first by console, markdown and html; with --output DIR, a folder with manifest.json",
      parseDirective,
    )
    .option(
      '--inventory-file <path>',
      'inventory path to cite in SARIF locations (each server on the line that names it)',
    );
}

/** Catalog options: --rules, --as-of and --max-catalog-age (every command that reads the catalog). */
export function addCatalogOptions(
  cmd: Command,
  asOfHelp = 'reference date (YYYY-MM-DD) for lifecycle and due-date judgements and the catalog age',
): Command {
  return cmd
    .option('--rules <dir>', 'load the rules catalog from this directory instead of the shipped one', DEFAULT_RULES_DIR)
    .option('--as-of <date>', asOfHelp, parseDate, today())
    .option(
      '--max-catalog-age <days>',
      'exit 3 when the catalog is more than this many days older than --as-of (today by default): 45, 45d or 6w',
      parseNonNegativeInt,
    );
}

/** Options every command accepts. */
export function addGlobalOptions(cmd: Command): Command {
  return addCatalogOptions(cmd)
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

const loaded = new Map<string, Catalog>();
let warnedStale = false;

/**
 * The catalog's age on --as-of (today by default): older than --max-catalog-age throws (exit 3); predating the latest
 * Patch Tuesday warns once per process on stderr, unless EXAUDIT_CATALOG_WARNING=off.
 */
export function checkCatalogAge(
  catalog: Pick<Catalog, 'meta'>,
  opts: Partial<Pick<CommonOptions, 'asOf' | 'maxCatalogAge'>>,
): void {
  const age = catalogAge(catalog.meta.date, opts.asOf ?? today());
  if (opts.maxCatalogAge !== undefined && age.ageDays > opts.maxCatalogAge)
    throw new CatalogAgeError(catalog.meta.version, age, opts.maxCatalogAge);
  if (age.stale && !warnedStale && process.env['EXAUDIT_CATALOG_WARNING'] !== 'off') {
    warnedStale = true;
    process.stderr.write(`exaudit: warning: ${staleWarning(catalog.meta.version, age)}\n`);
  }
}

/**
 * The catalog of --rules (the compiled one when the folder matches it, else read and validated in full), checked
 * against --as-of: older than --max-catalog-age is exit 3; predating the latest Patch Tuesday warns once on
 * stderr (EXAUDIT_CATALOG_WARNING=off silences the warning, never the age recorded in results). A --directive
 * the catalog does not define is a usage error here, before any work is done.
 */
export async function catalogFor(
  opts: Pick<CommonOptions, 'rules'> & Partial<Pick<CommonOptions, 'asOf' | 'maxCatalogAge' | 'directive'>>,
): Promise<Catalog> {
  let catalog = loaded.get(opts.rules);
  if (!catalog) {
    catalog = loadCompiledCatalog(opts.rules) ?? (await import('../catalog/catalog.js')).loadCatalog(opts.rules);
    loaded.set(opts.rules, catalog);
  }
  checkCatalogAge(catalog, opts);
  if (opts.directive && !catalog.directive(opts.directive)) {
    const known = catalog.directives.map((d) => d.id);
    throw new InputError(
      `--directive ${opts.directive}: the catalog has no such directive`,
      known.length ? `choose ${known.join(', ')}` : `the catalog in ${opts.rules} defines no directives`,
    );
  }
  return catalog;
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
  const [{ loadChecks, selectChecks }, { openOutput }] = await Promise.all([
    import('../engine/loader.js'),
    import('../output/write.js'),
  ]);
  const startedAt = new Date().toISOString();
  // The catalog's age and the --directive are checked here, before anything is collected.
  const catalog = await catalogFor(opts);
  // The IOC sweep judges no facts: it loads no checks.
  const checks =
    command === 'ioc' ? [] : selectChecks(await loadChecks(), splitList(opts.checks), splitList(opts.skip));
  // The waivers file's reader (yaml, zod) loads only when there is one.
  const waivers = opts.waivers ? (await import('../engine/waivers-file.js')).loadWaivers(opts.waivers) : undefined;
  const output = openOutput(opts);
  const directive = opts.directive ? catalog.directive(opts.directive) : undefined;
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
      ...(directive ? { directives: [directive] } : {}),
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
  await run.output.finish(result);
  process.exitCode = result.exitCode;
  return result.exitCode;
}
