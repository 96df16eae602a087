/**
 * Where a run's result goes: stdout, a file, or an evidence folder (DESIGN.md §6). One JSON or NDJSON output is
 * streamed while targets are judged (a fleet of any size in flat memory); every other output renders the kept
 * document at the end. Then the expired and unused waivers and the files written are said on stderr.
 */
import { mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { rendererFor, type RenderOptions } from '../../reports/index.js';
import { writeEvidence } from './evidence.js';
import { jsonHead, jsonTail, jsonTarget, ndjsonClosing, ndjsonLine } from '../../reports/stream.js';
import type { ResultDocument, Severity, TargetResult } from '../contract.js';
import { summarize } from '../engine/run.js';
import { createOutputStream, writeFileNoFollow } from '../util/files.js';
import {
  DocumentSink,
  type PipelineResult,
  type ResultHeader,
  type ResultSink,
  type ResultTail,
} from '../engine/pipeline.js';
import { exitCodeFor, type FailOn } from '../engine/policy.js';
import { applyWaiversFile, expireWaivers, waiverWarnings, type WaiverRecord } from '../engine/waivers.js';
import { inventoryLines } from '../targets/inventory.js';
import { InputError, type ExitCode } from '../util/errors.js';
import { TOOL_VERSION } from '../util/tool.js';
import { oneLine } from '../util/text.js';

export interface OutputOptions {
  format?: string[];
  output?: string;
  inventoryFile?: string;
  evidence?: boolean;
  /** An evidence folder (--directive): a name without an extension is a folder. */
  directive?: string;
  quiet?: boolean;
  /** Console: every finding, not only the summary and the worst ones. */
  details?: boolean;
  /** --severity: views show only findings of these severities; JSON and NDJSON keep every finding. */
  severity?: Severity[];
}

/**
 * Is --output a directory? With several formats always; otherwise when it exists as one, ends in a slash,
 * or (for evidence: --directive or report --evidence) has no file extension.
 */
function isDirectoryTarget(path: string, formats: string[], evidence: boolean): boolean {
  let existing: 'dir' | 'file' | undefined;
  try {
    existing = statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    /* not there yet */
  }
  if (formats.length > 1) {
    // Several formats are several files: a name that looks like one file is a mistake, said before anything runs.
    if (existing === 'file' || (!existing && !/[\\/]$/.test(path) && /\.[A-Za-z0-9]{1,5}$/.test(basename(path))))
      throw new InputError(
        `-o ${oneLine(path)}: ${formats.length} formats need a folder, and this names a file`,
        `give a folder, e.g. -o ${oneLine(path.replace(/\.[A-Za-z0-9]{1,5}$/, ''))}/ (each format becomes exaudit.<ext> in it, with manifest.json)`,
      );
    return true;
  }
  if (existing) return existing === 'dir';
  if (/[\\/]$/.test(path)) return true;
  return evidence && !basename(path).includes('.');
}

/** Render options: colour on a terminal, --details and --severity, inventory lines for SARIF. */
function renderOptionsFor(doc: ResultDocument, opts: OutputOptions, formats: string[]): RenderOptions {
  return {
    color: !opts.output && process.stdout.isTTY === true && !process.env['NO_COLOR'],
    ...(opts.details ? { details: true } : {}),
    ...(opts.severity?.length ? { severities: opts.severity } : {}),
    ...(opts.inventoryFile ? { inventoryFile: opts.inventoryFile } : {}),
    ...(opts.inventoryFile && formats.includes('sarif')
      ? {
          inventoryLines: inventoryLines(
            opts.inventoryFile,
            doc.targets.map((t) => t.target),
          ),
        }
      : {}),
  };
}

/** Formats whose findings --severity filters in the document itself (the human views filter what they show). */
const FILTERED = new Set(['sarif', 'junit', 'csv']);

/** The document with only findings and hits of the chosen severities, its counts made again so they add up. */
export function withSeverities(doc: ResultDocument, severities?: Severity[]): ResultDocument {
  if (!severities?.length) return doc;
  const keep = (x: { severity: Severity }) => severities.includes(x.severity);
  const targets = doc.targets.map((t) => ({ ...t, findings: t.findings.filter(keep) }));
  return {
    ...doc,
    targets,
    ...(doc.ioc ? { ioc: { ...doc.ioc, hits: doc.ioc.hits.filter(keep) } } : {}),
    summary: summarize(targets),
  };
}

function render(format: string, doc: ResultDocument, opts: OutputOptions, renderOpts: RenderOptions): string {
  const r = rendererFor(format)!;
  return r.render(FILTERED.has(format) ? withSeverities(doc, opts.severity) : doc, renderOpts);
}

const formatsOf = (opts: OutputOptions, defaultFormat: string) =>
  opts.format?.length ? [...new Set(opts.format)] : [defaultFormat];

/**
 * Renders the document in each requested format. With no --output the single format goes to stdout; a
 * single format with a file --output goes to that file; otherwise --output names a directory that receives
 * exaudit.<ext> per format plus manifest.json and SHA256SUMS (check them with `exaudit verify DIR`).
 * Returns the files written.
 */
export function writeOutputs(doc: ResultDocument, opts: OutputOptions, defaultFormat = 'console'): string[] {
  const formats = formatsOf(opts, defaultFormat);
  const renderOpts = renderOptionsFor(doc, opts, formats);
  if (!opts.output) {
    if (formats.length > 1)
      throw new InputError('several formats need --output DIR', 'or ask for one format on stdout');
    process.stdout.write(render(formats[0]!, doc, opts, renderOpts));
    return [];
  }
  if (!isDirectoryTarget(opts.output, formats, !!opts.evidence || !!opts.directive)) {
    mkdirSync(dirname(opts.output), { recursive: true });
    writeFileNoFollow(opts.output, render(formats[0]!, doc, opts, renderOpts));
    return [opts.output];
  }
  const files = Object.fromEntries(
    formats.map((f) => {
      return [`exaudit.${rendererFor(f)!.extension}`, render(f, doc, opts, renderOpts)];
    }),
  );
  const written = writeEvidence(opts.output, files, `exaudit ${TOOL_VERSION}`);
  if (written.others.length)
    process.stderr.write(
      `exaudit: ${opts.output} also holds ${written.others.length} file(s) this run did not write (${written.others.slice(0, 3).join(', ')}${written.others.length > 3 ? ', …' : ''}); exaudit verify will report them as extra\n`,
    );
  return [...Object.keys(files), 'manifest.json', 'SHA256SUMS'].map((f) => join(opts.output!, f));
}

/** Says on stderr (unless --quiet) which waivers need attention and which files were written. */
function report(opts: OutputOptions, waivers: WaiverRecord[], files: string[]): void {
  if (opts.quiet) return;
  for (const w of waiverWarnings({ waivers })) process.stderr.write(`exaudit: ${w}\n`);
  if (files.length) process.stderr.write(`exaudit: wrote ${files.join(', ')}\n`);
}

/**
 * `report`: re-judges a saved document. A --waivers file replaces any waivers it had; without one, waivers
 * whose expiry has passed stop applying. Writes the outputs and sets the exit code.
 */
export function finishDocument(
  doc: ResultDocument,
  opts: OutputOptions & { waivers?: string; failOn: FailOn; asOf: string },
  defaultFormat = 'console',
  rejudge: (doc: ResultDocument) => ResultDocument = (d) => d,
): ExitCode {
  const final = rejudge(opts.waivers ? applyWaiversFile(doc, opts.waivers, opts.asOf) : expireWaivers(doc, opts.asOf));
  report(opts, final.waivers ?? [], writeOutputs(final, opts, defaultFormat));
  const code = exitCodeFor(final, opts.failOn);
  process.exitCode = code;
  return code;
}

/** Text written in order with backpressure; a write error ends the run with that error. */
class TextOut {
  private error: Error | undefined;
  private waiting: (() => void) | undefined;
  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', (err: Error) => {
      this.error ??= err;
      this.waiting?.();
    });
    stream.on('drain', () => this.waiting?.());
  }
  async write(text: string): Promise<void> {
    if (this.error) throw this.error;
    if (!this.stream.write(text))
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    this.waiting = undefined;
    if (this.error) throw this.error;
  }
  async close(): Promise<void> {
    if (this.stream === process.stdout) return;
    if (!this.error) {
      this.stream.end();
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        this.stream.once('finish', resolve);
      });
    }
    if (this.error) throw this.error;
  }
}

/** JSON or NDJSON written as targets are judged: only the target in hand is held. */
class StreamSink implements ResultSink {
  readonly ordered: boolean;
  private first = true;
  private out: TextOut | undefined;
  private header: ResultHeader | undefined;

  constructor(
    private readonly format: 'json' | 'ndjson',
    private readonly open: () => NodeJS.WritableStream,
  ) {
    // NDJSON lines go out as each target finishes; the JSON document keeps the input order.
    this.ordered = format === 'json';
  }
  async begin(header: ResultHeader): Promise<void> {
    this.out = new TextOut(this.open());
    this.header = header;
    if (this.format === 'json') await this.out.write(jsonHead(header));
  }
  async target(t: TargetResult): Promise<void> {
    await this.out!.write(this.format === 'json' ? jsonTarget(t, this.first) : ndjsonLine(t));
    this.first = false;
  }
  async end(tail: ResultTail): Promise<void> {
    if (this.format === 'json') await this.out!.write(jsonTail(tail, this.first));
    else await this.out!.write(ndjsonClosing({ ...this.header!, ...tail }));
    await this.out!.close();
  }
}

export interface RunOutput {
  sink: ResultSink;
  /** After the pipeline: renders a kept document, then says what needs saying on stderr. */
  finish(result: PipelineResult): void;
}

/**
 * Opens the outputs before anything is collected, so a bad combination fails at once: one JSON or NDJSON output
 * (stdout or a file) is streamed, the rest render the kept document at the end.
 */
export function openOutput(opts: OutputOptions, defaultFormat = 'console'): RunOutput {
  const formats = formatsOf(opts, defaultFormat);
  if (formats.includes('ndjson') && formats.length > 1)
    throw new InputError(
      '--format ndjson streams and cannot be combined with other formats',
      'run `exaudit report` on a saved JSON result for the others',
    );
  if (!opts.output && formats.length > 1)
    throw new InputError('several formats need --output DIR', 'or ask for one format on stdout');
  const format = formats[0]!;
  const streamed =
    formats.length === 1 &&
    (format === 'json' || format === 'ndjson') &&
    !(opts.output && isDirectoryTarget(opts.output, formats, !!opts.evidence || !!opts.directive));
  if (streamed) {
    const file = opts.output;
    const sink = new StreamSink(format, () => {
      if (!file) return process.stdout;
      mkdirSync(dirname(file), { recursive: true });
      return createOutputStream(file);
    });
    return { sink, finish: (r) => report(opts, r.waivers, file ? [file] : []) };
  }
  const sink = new DocumentSink();
  return {
    sink,
    finish: (r) => report(opts, r.waivers, writeOutputs(sink.doc!, opts, defaultFormat)),
  };
}
