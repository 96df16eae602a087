/**
 * Sweeps one input (a file, a .gz, or every entry of a .zip) against the compiled indicators, streaming:
 * lines are cut from buffers as they arrive and a line longer than MAX_LINE is skipped to its end and counted as
 * malformed, so memory stays flat whatever the input. Event Viewer XML exports are cut into <Event> records the
 * same way (they are often UTF-16 and one line long). Nothing here throws for a bad input: an unreadable input
 * or archive entry becomes an `unreadable` item and the sweep goes on.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import type { IocHit } from '../engine/result.js';
import { errorMessage } from '../util/errors.js';
import { hit, kindOf, rowMatches, splitCsv, type Compiled, type LogSource, type Row } from './rules.js';
import { openZipEntry, readZipEntries } from './zip.js';

export const MAX_LINE = 1024 * 1024;
const MAX_EVENT = 4 * 1024 * 1024;

export interface UnitResult {
  files: number;
  bytes: number;
  lines: number;
  malformedLines: number;
  hits: IocHit[];
  unreadable: { file: string; error: string }[];
}

export const emptyUnit = (): UnitResult => ({ files: 0, bytes: 0, lines: 0, malformedLines: 0, hits: [], unreadable: [] });

/** Fields of a CSV line without a quote: the comma count, found natively (most log lines take this path). */
function plainFieldCount(line: string): number {
  let n = 1;
  for (let i = line.indexOf(','); i >= 0; i = line.indexOf(',', i + 1)) n++;
  return n;
}

/** Judges the records of one text stream; `name` is what hits cite (archive.zip!/inner/path for entries). */
class RecordScanner {
  private kind: LogSource | undefined;
  private rules: Compiled[] = [];
  private prefilter: RegExp | undefined;
  private header: string[] | undefined;
  private index = new Map<string, number>();
  private lineNo = 0;
  private started = false;
  done = false;

  constructor(readonly name: string, private readonly compiled: Compiled[], private readonly res: UnitResult) {}

  /** Decides the log kind from the name and the first line (or the start of an XML export). */
  begin(first: string): void {
    this.started = true;
    this.kind = kindOf(this.name, first);
    this.rules = this.compiled.filter((c) => c.ind.source === this.kind);
    // A CSV record can only match when it holds one of the rules' needles (checked on the raw line, unless the
    // line is percent-encoded, where the needle may be hidden); every rule of the kind must have needles.
    const needles = this.rules.flatMap((c) => c.ind.prefilter ?? []);
    if (this.rules.length && this.rules.every((c) => c.ind.prefilter?.length)) {
      this.prefilter = new RegExp(needles.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
    }
    if (!this.kind) this.done = true; // not a file this sweep understands
  }

  line(line: string): void {
    this.lineNo++;
    this.res.lines++;
    if (!this.started) { this.begin(line); if (this.done) return; }
    if (this.kind === 'httpproxy' || this.kind === 'eventlog') this.csv(line);
    else this.text(line);
  }

  malformed(): void { this.lineNo++; this.res.lines++; this.res.malformedLines++; }

  private setHeader(cols: string[]): void {
    this.header = cols;
    this.index = new Map(cols.map((h, i) => [h.toLowerCase(), i]));
  }

  private csv(line: string): void {
    if (line.startsWith('#Fields:')) { const h = splitCsv(line.slice(8).trim()); if (h) this.setHeader(h); return; }
    if (line.startsWith('#') || line === '') return;
    if (!this.header) { const h = splitCsv(line); if (h) this.setHeader(h); else this.res.malformedLines++; return; }
    const quoted = line.includes('"');
    if (!quoted && plainFieldCount(line) !== this.header.length) { this.res.malformedLines++; return; }
    if (!quoted && this.prefilter && !line.includes('%') && !this.prefilter.test(line)) return;
    const cols = quoted ? splitCsv(line) : line.split(',');
    if (!cols || cols.length !== this.header.length) { this.res.malformedLines++; return; }
    const row: Row = (f) => { const i = this.index.get(f.toLowerCase()); return i === undefined ? undefined : cols[i]; };
    for (const c of this.rules) if (rowMatches(c, row)) this.res.hits.push(hit(c, this.name, this.lineNo, line, row));
  }

  private text(line: string): void {
    for (const c of this.rules) {
      const m = c.regex?.exec(line);
      if (!m) continue;
      if (c.ind.captureNotContains && (m[1] ?? '').toLowerCase().includes(c.ind.captureNotContains.toLowerCase())) continue;
      this.res.hits.push(hit(c, this.name, this.lineNo, line));
    }
  }

  /** One <Event> of an Event Viewer XML export, judged with the event-log rules by field name. */
  event(xml: string): void {
    this.lineNo++;
    this.res.lines++;
    let ev: Record<string, unknown>;
    try {
      ev = (eventParser.parse(xml) as { Event?: Record<string, unknown> }).Event ?? {};
    } catch { this.res.malformedLines++; return; }
    const sys = (ev['System'] ?? {}) as Record<string, unknown>;
    const provider = (sys['Provider'] ?? {}) as Record<string, unknown>;
    const rendering = (ev['RenderingInfo'] ?? {}) as Record<string, unknown>;
    const data = ([] as unknown[]).concat(((ev['EventData'] ?? {}) as Record<string, unknown>)['Data'] ?? []);
    const text = (v: unknown): string => (v && typeof v === 'object' ? String((v as Record<string, unknown>)['#text'] ?? '') : v === undefined ? '' : String(v));
    const fields: Record<string, string> = {
      source: String(provider['@Name'] ?? ''),
      providername: String(provider['@Name'] ?? ''),
      eventid: text(sys['EventID']),
      level: text(sys['Level']),
      timecreated: String(((sys['TimeCreated'] ?? {}) as Record<string, unknown>)['@SystemTime'] ?? ''),
      message: text(rendering['Message']) || data.map(text).join(' '),
    };
    if (!fields['source'] && !fields['eventid']) { this.res.malformedLines++; return; }
    const row: Row = (f) => fields[f.toLowerCase()];
    for (const c of this.rules) if (rowMatches(c, row)) this.res.hits.push(hit(c, this.name, this.lineNo, xml, row));
  }
}

const eventParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, removeNSPrefix: true, processEntities: true });

/** Cuts a byte stream into lines (LF or CRLF) without ever holding more than MAX_LINE of one line. */
async function scanLines(input: Readable, scanner: RecordScanner, res: UnitResult): Promise<void> {
  let decoder: StringDecoder | undefined;
  let carry = '';
  let skipping = false; // inside an over-long line: drop until its end
  let xml = false;
  let first = true;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    res.bytes += chunk.length;
    let buf = chunk;
    if (!decoder) {
      // Event Viewer saves XML as UTF-16 LE with a BOM; everything else here is UTF-8 or ASCII.
      const utf16 = buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe;
      decoder = new StringDecoder(utf16 ? 'utf16le' : 'utf8');
      if (utf16) buf = buf.subarray(2);
    }
    let text = carry + decoder.write(buf);
    if (first) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
      if (scanner.name.toLowerCase().endsWith('.xml')) {
        xml = true;
        scanner.begin(text.replace(/^\s*<\?xml[^>]*>\s*/, '').slice(0, 200));
        if (scanner.done) return;
      }
    }
    if (xml) { carry = events(text, scanner); if (scanner.done) return; continue; }
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (skipping) skipping = false;
      else scanner.line(text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl));
      start = nl + 1;
      if (scanner.done) return;
    }
    carry = skipping ? '' : text.slice(start); // still inside an over-long line: nothing to keep
    if (carry.length > MAX_LINE) {
      scanner.malformed(); // a huge line is not a log record
      skipping = true;
      carry = '';
    }
  }
  const rest = carry + (decoder?.end() ?? '');
  if (xml) { events(rest, scanner); return; }
  if (rest && !skipping) scanner.line(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
}

/** Feeds complete <Event>…</Event> records to the scanner; returns the unfinished remainder. */
function events(text: string, scanner: RecordScanner): string {
  let pos = 0;
  for (;;) {
    const open = text.indexOf('<Event', pos);
    if (open < 0) return '';
    const next = text.charAt(open + 6);
    if (next === 's') { pos = open + 7; continue; } // <Events> root
    const close = text.indexOf('</Event>', open);
    if (close < 0) {
      const rest = text.slice(open);
      if (rest.length > MAX_EVENT) { scanner.malformed(); return ''; }
      return rest;
    }
    scanner.event(text.slice(open, close + 8));
    pos = close + 8;
  }
}

async function scanStream(name: string, input: Readable, compiled: Compiled[], res: UnitResult): Promise<void> {
  const scanner = new RecordScanner(name, compiled, res);
  try {
    await scanLines(input, scanner, res);
  } catch (err) {
    res.unreadable.push({ file: name, error: errorMessage(err) });
  } finally {
    input.destroy();
  }
}

const gunzipIf = (name: string, s: Readable): Readable => {
  if (!name.toLowerCase().endsWith('.gz')) return s;
  const z = createGunzip();
  s.on('error', (err) => z.destroy(err));
  return s.pipe(z);
};

/** One input on disk: a plain or gzip file, or a zip archive whose entries are each swept. */
export async function scanPath(file: string, compiled: Compiled[]): Promise<UnitResult> {
  const res = emptyUnit();
  if (file.toLowerCase().endsWith('.zip')) {
    let entries;
    try { entries = await readZipEntries(file); } catch (err) { res.unreadable.push({ file, error: errorMessage(err) }); return res; }
    for (const e of entries) {
      if (e.directory) continue;
      const name = `${file}!/${e.name}`;
      res.files++;
      let stream: Readable;
      try { stream = await openZipEntry(file, e); } catch (err) { res.unreadable.push({ file: name, error: errorMessage(err) }); continue; }
      await scanStream(name.replace(/\.gz$/i, ''), gunzipIf(e.name, stream), compiled, res);
    }
    return res;
  }
  res.files++;
  await scanStream(file.replace(/\.gz$/i, ''), gunzipIf(file, createReadStream(file)), compiled, res);
  return res;
}

/** A stream from elsewhere (an SFTP read): swept like a file of that name. */
export async function scanRemoteStream(name: string, input: Readable, compiled: Compiled[]): Promise<UnitResult> {
  const res = emptyUnit();
  res.files++;
  await scanStream(name.replace(/\.gz$/i, ''), gunzipIf(name, input), compiled, res);
  return res;
}
