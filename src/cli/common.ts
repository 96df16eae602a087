/**
 * Options and output handling shared by scan, audit, ioc, report and demo: formats and outputs, --fail-on,
 * waivers, --rules, logging. Exit codes follow DESIGN.md §6 for every command.
 */
import { mkdirSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, Option, InvalidArgumentError } from 'commander';
import type { LevelWithSilent } from 'pino';
import { createLogger, scrubText } from '../util/logger.js';
import { EXIT, InputError, type ExitCode } from '../util/errors.js';
import { RENDERERS, rendererFor, type RenderOptions } from '../../reports/index.js';
import { SEVERITY_ORDER, type ResultDocument, type Severity } from '../engine/result.js';
import { DEFAULT_RULES_DIR } from '../util/tool.js';
import { getCatalog, type Catalog } from '../catalog/catalog.js';
import { applyWaiversFile } from '../engine/waivers.js';

export const FAIL_ON_VALUES = [...SEVERITY_ORDER, 'any', 'indeterminate', 'none'] as const;
export type FailOn = (typeof FAIL_ON_VALUES)[number];

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
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const f of list) {
    if (!rendererFor(f)) throw new InvalidArgumentError(`unknown format "${f}" (choose from ${Object.keys(RENDERERS).join(', ')})`);
  }
  return [...(previous ?? []), ...list];
}

export function parseDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  return value;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

export const today = (): string => new Date().toISOString().slice(0, 10);

/** "a, b" → ['a', 'b'] (for --checks / --skip); undefined when not given. */
export const splitList = (v?: string): string[] | undefined => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

/** Output options for commands that produce a result document. */
export function addOutputOptions(cmd: Command, defaultFormat = 'console'): Command {
  return cmd
    .option('-f, --format <formats>', `output format(s), comma-separated or repeated: ${Object.keys(RENDERERS).join(', ')} (default: ${defaultFormat})`, collectFormats)
    .option('-o, --output <path>', 'write to this file (one format) or directory (several formats) instead of stdout')
    .addOption(new Option('--fail-on <level>', 'exit 1 when a finding reaches this: a severity (fail findings at or above it), "any" fail, "indeterminate" (fail or indeterminate), or "none"').choices(FAIL_ON_VALUES).default('high'))
    .option('--waivers <file>', 'YAML waivers (fingerprint or check+target, reason, owner, expires)')
    .option('--directive <id>', 'directive for markdown/html evidence reports (ed-21-02, ed-25-02, bod-22-01)')
    .option('--inventory-file <path>', 'inventory path to cite in SARIF locations');
}

/** Options every command accepts. */
export function addGlobalOptions(cmd: Command): Command {
  return cmd
    .option('--rules <dir>', 'load the rules catalog from this directory instead of the shipped one', DEFAULT_RULES_DIR)
    .option('--as-of <date>', 'reference date (YYYY-MM-DD) for lifecycle and due-date judgements', parseDate, today())
    .option('-q, --quiet', 'no progress bar or summary on stderr')
    .addOption(new Option('--log-level <level>', 'log level for JSON logs on stderr').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'))
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
  return argv.map((a, i) => (/^--?(password|passphrase|token|secret)/i.test(argv[i - 1] ?? '') ? '[REDACTED]' : scrubText(a)));
}

/** Does this finding or hit count towards --fail-on? */
export function meetsFailOn(status: string, severity: Severity, failOn: FailOn): boolean {
  if (failOn === 'none') return false;
  if (failOn === 'indeterminate') return status === 'fail' || status === 'indeterminate';
  if (status !== 'fail') return false;
  if (failOn === 'any') return true;
  return SEVERITY_ORDER.indexOf(severity) <= SEVERITY_ORDER.indexOf(failOn);
}

/** DESIGN.md §6 exit codes from a result document. */
export function exitCodeFor(doc: ResultDocument, failOn: FailOn): ExitCode {
  const findings = doc.targets.flatMap((t) => t.findings).filter((f) => !f.waived);
  const hits = doc.ioc?.hits ?? [];
  if (findings.some((f) => meetsFailOn(f.status, f.severity, failOn)) || hits.some((h) => meetsFailOn('fail', h.severity, failOn))) return EXIT.FINDINGS;
  if (doc.targets.some((t) => t.status === 'unreachable' || t.status === 'error')) return EXIT.UNASSESSED;
  return EXIT.OK;
}

function isDirectoryTarget(path: string, formats: string[]): boolean {
  if (formats.length > 1) return true;
  try { return statSync(path).isDirectory(); } catch { return path.endsWith('/'); }
}

/**
 * Renders the document in each requested format. With no --output the single format goes to stdout;
 * with several formats --output names a directory that receives exaudit.<ext> per format.
 * Returns the files written.
 */
export function writeOutputs(doc: ResultDocument, opts: Pick<CommonOptions, 'format' | 'output' | 'directive' | 'inventoryFile' | 'asOf'>, defaultFormat = 'console'): string[] {
  const formats = opts.format?.length ? [...new Set(opts.format)] : [defaultFormat];
  const renderOpts: RenderOptions = {
    color: !opts.output && process.stdout.isTTY === true && !process.env['NO_COLOR'],
    ...(opts.directive ? { directive: opts.directive } : {}),
    ...(opts.inventoryFile ? { inventoryFile: opts.inventoryFile } : {}),
    asOf: opts.asOf,
  };
  if (!opts.output) {
    if (formats.length > 1) throw new InputError('several formats need --output DIR', 'or ask for one format on stdout');
    process.stdout.write(rendererFor(formats[0]!)!.render(doc, renderOpts));
    return [];
  }
  const written: string[] = [];
  const dirMode = isDirectoryTarget(opts.output, formats);
  for (const format of formats) {
    const r = rendererFor(format)!;
    const file = dirMode ? join(opts.output, `exaudit.${r.extension}`) : opts.output;
    mkdirSync(dirMode ? opts.output : dirname(file), { recursive: true });
    writeFileSync(file, r.render(doc, renderOpts));
    written.push(file);
  }
  return written;
}

/** Applies waivers, writes outputs, prints where they went, and sets the exit code. */
export function finishResult(doc: ResultDocument, opts: CommonOptions, defaultFormat = 'console'): ExitCode {
  const final = opts.waivers ? applyWaiversFile(doc, opts.waivers, opts.asOf) : doc;
  const files = writeOutputs(final, opts, defaultFormat);
  if (files.length && !opts.quiet) process.stderr.write(`exaudit: wrote ${files.join(', ')}\n`);
  const code = exitCodeFor(final, opts.failOn);
  process.exitCode = code;
  return code;
}
