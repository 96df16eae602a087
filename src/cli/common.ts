/**
 * Options and output handling shared by scan, audit, ioc, report and demo: formats and outputs, --fail-on,
 * waivers, --rules, logging. Exit codes follow DESIGN.md §6 for every command.
 */
import { mkdirSync, writeFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Command, Option, InvalidArgumentError } from 'commander';
import type { LevelWithSilent } from 'pino';
import { createLogger, scrubText } from '../util/logger.js';
import { EXIT, InputError, type ExitCode } from '../util/errors.js';
import { RENDERERS, rendererFor, type RenderOptions } from '../../reports/index.js';
import { DIRECTIVES, resolveDirective } from '../../reports/directives.js';
import { writeEvidence } from '../../reports/evidence.js';
import { SEVERITY_ORDER, type ResultDocument, type Severity, type Status, type TargetResult } from '../contract.js';
import { DEFAULT_RULES_DIR, TOOL_VERSION } from '../util/tool.js';
import { inventoryLines } from '../targets/inventory.js';
import { getCatalog, type Catalog } from '../catalog/catalog.js';
import { applyWaiversFile, expireWaivers, waiverWarnings } from '../engine/waivers.js';

/**
 * --fail-on: a severity (fail findings at or above it), or a status threshold: "any"/"fail" (any fail),
 * "indeterminate" (fail, error or indeterminate), "mitigated" (those or an interim mitigation), "none".
 */
export const FAIL_ON_VALUES = [...SEVERITY_ORDER, 'any', 'fail', 'indeterminate', 'mitigated', 'none'] as const;
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
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const f of list) {
    if (!rendererFor(f))
      throw new InvalidArgumentError(`unknown format "${f}" (choose from ${Object.keys(RENDERERS).join(', ')})`);
  }
  return [...(previous ?? []), ...list];
}

/** Checked when the command line is read, so a long scan does not end on a typo (--rules DIR may add its own). */
export function parseDirective(value: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(value))
    throw new InvalidArgumentError(`expected a directive id such as ${Object.keys(DIRECTIVES).join(', ')}`);
  if (!DIRECTIVES[value] && !process.argv.some((a) => a === '--rules' || a.startsWith('--rules=')))
    throw new InvalidArgumentError(`unknown directive (choose ${Object.keys(DIRECTIVES).join(', ')})`);
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
      `output format(s), comma-separated or repeated: ${Object.keys(RENDERERS).join(', ')} (default: ${defaultFormat})`,
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
      `directive for markdown/html evidence reports: ${Object.keys(DIRECTIVES).join(', ')} (with --output DIR: a folder with manifest.json)`,
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

/** Does this finding or hit count towards --fail-on? */
export function meetsFailOn(status: string, severity: Severity, failOn: FailOn): boolean {
  switch (failOn) {
    case 'none':
      return false;
    case 'mitigated':
      return status === 'fail' || status === 'error' || status === 'indeterminate' || status === 'mitigated';
    case 'indeterminate':
      return status === 'fail' || status === 'error' || status === 'indeterminate';
    case 'any':
    case 'fail':
      return status === 'fail';
    default:
      return status === 'fail' && SEVERITY_ORDER.indexOf(severity) <= SEVERITY_ORDER.indexOf(failOn);
  }
}

/** A server counts as not assessed when it was not reached, its facts failed, or a check on it crashed. */
export function notAssessed(t: Pick<TargetResult, 'status' | 'findings'>): boolean {
  return (
    t.status === 'unreachable' ||
    t.status === 'error' ||
    t.findings.some((f) => !f.waived && (f.status as Status) === 'error')
  );
}

/** DESIGN.md §6 exit codes from a result document: the same rule for every command. */
export function exitCodeFor(doc: ResultDocument, failOn: FailOn): ExitCode {
  const findings = doc.targets.flatMap((t) => t.findings).filter((f) => !f.waived);
  const hits = doc.ioc?.hits ?? [];
  if (
    findings.some((f) => meetsFailOn(f.status, f.severity, failOn)) ||
    hits.some((h) => meetsFailOn('fail', h.severity, failOn))
  )
    return EXIT.FINDINGS;
  if (doc.targets.some(notAssessed)) return EXIT.UNASSESSED;
  return EXIT.OK;
}

/**
 * Is --output a directory? With several formats always; otherwise when it exists as one, ends in a slash,
 * or (for evidence: --directive or report --evidence) has no file extension.
 */
function isDirectoryTarget(path: string, formats: string[], evidence: boolean): boolean {
  if (formats.length > 1) return true;
  try {
    return statSync(path).isDirectory();
  } catch {
    /* not there yet */
  }
  if (/[\\/]$/.test(path)) return true;
  return evidence && !basename(path).includes('.');
}

export type OutputOptions = Pick<CommonOptions, 'format' | 'output' | 'directive' | 'inventoryFile' | 'asOf'> & {
  rules?: string;
  evidence?: boolean;
};

/** Render options for a document: the directive and catalog when an evidence report needs them, inventory lines for SARIF. */
function renderOptionsFor(doc: ResultDocument, opts: OutputOptions, formats: string[]): RenderOptions {
  const evidenceFormats = formats.some((f) => f === 'markdown' || f === 'html');
  const directiveDef = opts.directive ? resolveDirective(opts.directive, opts.rules) : undefined;
  return {
    color: !opts.output && process.stdout.isTTY === true && !process.env['NO_COLOR'],
    ...(opts.directive ? { directive: opts.directive, directiveDef: directiveDef! } : {}),
    ...(directiveDef && evidenceFormats ? { catalog: getCatalog(opts.rules ?? DEFAULT_RULES_DIR) } : {}),
    ...(opts.inventoryFile ? { inventoryFile: opts.inventoryFile } : {}),
    ...(opts.inventoryFile && formats.includes('sarif')
      ? {
          inventoryLines: inventoryLines(
            opts.inventoryFile,
            doc.targets.map((t) => t.target),
          ),
        }
      : {}),
    asOf: opts.asOf,
  };
}

/**
 * Renders the document in each requested format. With no --output the single format goes to stdout; a
 * single format with a file --output goes to that file; otherwise --output names a directory that receives
 * exaudit.<ext> per format plus manifest.json and SHA256SUMS (check them with `exaudit verify DIR`).
 * Returns the files written.
 */
export function writeOutputs(doc: ResultDocument, opts: OutputOptions, defaultFormat = 'console'): string[] {
  const formats = opts.format?.length ? [...new Set(opts.format)] : [defaultFormat];
  const renderOpts = renderOptionsFor(doc, opts, formats);
  if (!opts.output) {
    if (formats.length > 1)
      throw new InputError('several formats need --output DIR', 'or ask for one format on stdout');
    process.stdout.write(rendererFor(formats[0]!)!.render(doc, renderOpts));
    return [];
  }
  if (!isDirectoryTarget(opts.output, formats, !!opts.evidence || !!opts.directive)) {
    mkdirSync(dirname(opts.output), { recursive: true });
    writeFileSync(opts.output, rendererFor(formats[0]!)!.render(doc, renderOpts));
    return [opts.output];
  }
  const files = Object.fromEntries(
    formats.map((f) => {
      const r = rendererFor(f)!;
      return [`exaudit.${r.extension}`, r.render(doc, renderOpts)];
    }),
  );
  const written = writeEvidence(opts.output, files, `exaudit ${TOOL_VERSION}`);
  if (written.others.length)
    process.stderr.write(
      `exaudit: ${opts.output} also holds ${written.others.length} file(s) this run did not write (${written.others.slice(0, 3).join(', ')}${written.others.length > 3 ? ', …' : ''}); exaudit verify will report them as extra\n`,
    );
  return [...Object.keys(files), 'manifest.json', 'SHA256SUMS'].map((f) => join(opts.output!, f));
}

/**
 * Applies waivers (a --waivers file replaces any the document had; without one, waivers whose expiry has
 * passed stop applying), writes outputs, reports expired and unused waivers, and sets the exit code.
 */
export function finishResult(
  doc: ResultDocument,
  opts: CommonOptions & { evidence?: boolean },
  defaultFormat = 'console',
): ExitCode {
  const final = opts.waivers ? applyWaiversFile(doc, opts.waivers, opts.asOf) : expireWaivers(doc, opts.asOf);
  const files = writeOutputs(final, opts, defaultFormat);
  if (!opts.quiet) {
    for (const w of waiverWarnings(final)) process.stderr.write(`exaudit: ${w}\n`);
    if (files.length) process.stderr.write(`exaudit: wrote ${files.join(', ')}\n`);
  }
  const code = exitCodeFor(final, opts.failOn);
  process.exitCode = code;
  return code;
}
