/**
 * Where a run's result goes: stdout, a file, or an evidence folder (DESIGN.md §6). One JSON or NDJSON output is
 * streamed while targets are judged (a fleet of any size in flat memory); every other output renders the kept
 * document at the end (src/output/render.ts, loaded then). Then the expired and unused waivers and the files
 * written are said on stderr.
 */
import { mkdirSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { jsonHead, jsonTail, jsonTarget, ndjsonClosing, ndjsonLine } from '../../reports/stream.js';
import type { Severity, TargetResult } from '../contract.js';
import {
  DocumentSink,
  type PipelineResult,
  type ResultHeader,
  type ResultSink,
  type ResultTail,
} from '../engine/pipeline.js';
import { waiverWarnings, type WaiverRecord } from '../engine/waivers.js';
import { InputError } from '../util/errors.js';
import { createOutputStream } from '../util/files.js';
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
export function isDirectoryTarget(path: string, formats: string[], evidence: boolean): boolean {
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

export const formatsOf = (opts: OutputOptions, defaultFormat: string) =>
  opts.format?.length ? [...new Set(opts.format)] : [defaultFormat];

/** Says on stderr (unless --quiet) which waivers need attention and which files were written. */
export function report(opts: OutputOptions, waivers: WaiverRecord[], files: string[]): void {
  if (opts.quiet) return;
  for (const w of waiverWarnings({ waivers })) process.stderr.write(`exaudit: ${w}\n`);
  if (files.length) process.stderr.write(`exaudit: wrote ${files.join(', ')}\n`);
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
  finish(result: PipelineResult): Promise<void>;
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
    return { sink, finish: async (r) => report(opts, r.waivers, file ? [file] : []) };
  }
  const sink = new DocumentSink();
  return {
    sink,
    finish: async (r) => {
      const { writeOutputs } = await import('./render.js');
      report(opts, r.waivers, writeOutputs(sink.doc!, opts, defaultFormat));
    },
  };
}
