/**
 * Sweeps one input (a file, a .gz, or every entry of a .zip) against the compiled indicators, streaming:
 * lines are cut from buffers as they arrive and a line longer than MAX_LINE is skipped to its end and counted as
 * malformed, so memory stays flat whatever the input. Event Viewer XML exports are cut into <Event> records the
 * same way (they are often UTF-16 and one line long). Nothing here throws for a bad input: an unreadable input
 * or archive entry becomes an `unreadable` item and the sweep goes on.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import type { IocHit } from '../contract.js';
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

export const emptyUnit = (): UnitResult => ({
  files: 0,
  bytes: 0,
  lines: 0,
  malformedLines: 0,
  hits: [],
  unreadable: [],
});

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

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
  private datedRecords = false;
  private lineNo = 0;
  private started = false;
  done = false;

  constructor(
    readonly name: string,
    private readonly compiled: Compiled[],
    private readonly res: UnitResult,
  ) {}

  /** Decides the log kind from the name and the first line (or the start of an XML export). */
  begin(first: string): void {
    this.started = true;
    this.kind = kindOf(this.name, first);
    this.rules = this.compiled.filter((c) => c.ind.source === this.kind);
    // A CSV record can only match when it holds one of the rules' needles (checked on the raw line, unless the
    // line is percent-encoded, where the needle may be hidden); every rule of the kind must have needles.
    const needles = [...new Set(this.rules.flatMap((c) => c.ind.prefilter ?? []))];
    if (this.rules.length && this.rules.every((c) => c.ind.prefilter?.length)) {
      this.prefilter = new RegExp(needles.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
    }
    if (!this.kind) this.done = true; // not a file this sweep understands
  }

  /** A final line without its newline: a cut-off file, so it is always checked in full. */
  lastLine(line: string): void {
    if (this.started && !this.done && (this.kind === 'httpproxy' || this.kind === 'eventlog')) {
      this.lineNo++;
      this.res.lines++;
      this.csv(line, true);
    } else this.line(line);
  }

  line(line: string): void {
    this.lineNo++;
    this.res.lines++;
    if (!this.started) {
      // IIS-style logs open with #Software/#Version/#Date lines; the #Fields line (or the first record) decides.
      if (line.startsWith('#') && !line.startsWith('#Fields:') && this.lineNo < 20 && !kindOf(this.name, line)) return;
      this.begin(line);
      if (this.done) return;
    }
    if (this.kind === 'httpproxy' || this.kind === 'eventlog') this.csv(line);
    else this.text(line);
  }

  malformed(): void {
    this.lineNo++;
    this.res.lines++;
    this.res.malformedLines++;
  }

  private setHeader(cols: string[]): void {
    this.header = cols;
    this.datedRecords = /^date-?time$/i.test(cols[0] ?? '');
    this.index = new Map(cols.map((h, i) => [h.toLowerCase(), i]));
  }

  private csv(line: string, full = false): void {
    if (line.startsWith('#Fields:')) {
      const h = splitCsv(line.slice(8).trim());
      if (h) this.setHeader(h);
      return;
    }
    if (line.startsWith('#') || line === '') return;
    if (!this.header) {
      const h = splitCsv(line);
      if (h) this.setHeader(h);
      else this.res.malformedLines++;
      return;
    }
    // Quoting never hides a needle, percent-encoding may: such a line is always parsed.
    if (!full && this.prefilter && !line.includes('%') && !this.prefilter.test(line)) {
      // Cannot match any rule: only a cheap shape check (a record starts with its DateTime and has room for every
      // column). Records that can match are parsed and checked against the header's column count below.
      if (this.datedRecords && (line.length < this.header.length - 1 || !isDigit(line.charCodeAt(0))))
        this.res.malformedLines++;
      return;
    }
    const quoted = line.includes('"');
    if (!quoted && plainFieldCount(line) !== this.header.length) {
      this.res.malformedLines++;
      return;
    }
    const cols = quoted ? splitCsv(line) : line.split(',');
    if (!cols || cols.length !== this.header.length) {
      this.res.malformedLines++;
      return;
    }
    const row: Row = (f) => {
      const i = this.index.get(f.toLowerCase());
      return i === undefined ? undefined : cols[i];
    };
    for (const c of this.rules) if (rowMatches(c, row)) this.res.hits.push(hit(c, this.name, this.lineNo, line, row));
  }

  private text(line: string): void {
    for (const c of this.rules) {
      const m = c.regex?.exec(line);
      if (!m) continue;
      if (c.ind.captureNotContains && (m[1] ?? '').toLowerCase().includes(c.ind.captureNotContains.toLowerCase()))
        continue;
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
    } catch {
      this.res.malformedLines++;
      return;
    }
    const sys = (ev['System'] ?? {}) as Record<string, unknown>;
    const provider = (sys['Provider'] ?? {}) as Record<string, unknown>;
    const rendering = (ev['RenderingInfo'] ?? {}) as Record<string, unknown>;
    const data = ([] as unknown[]).concat(((ev['EventData'] ?? {}) as Record<string, unknown>)['Data'] ?? []);
    const text = (v: unknown): string =>
      v && typeof v === 'object'
        ? String((v as Record<string, unknown>)['#text'] ?? '')
        : v === undefined
          ? ''
          : String(v);
    const fields: Record<string, string> = {
      source: String(provider['@Name'] ?? ''),
      providername: String(provider['@Name'] ?? ''),
      eventid: text(sys['EventID']),
      level: text(sys['Level']),
      timecreated: String(((sys['TimeCreated'] ?? {}) as Record<string, unknown>)['@SystemTime'] ?? ''),
      message: text(rendering['Message']) || data.map(text).join(' '),
    };
    if (!fields['source'] && !fields['eventid']) {
      this.res.malformedLines++;
      return;
    }
    const row: Row = (f) => fields[f.toLowerCase()];
    for (const c of this.rules) if (rowMatches(c, row)) this.res.hits.push(hit(c, this.name, this.lineNo, xml, row));
  }
}

const eventParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  removeNSPrefix: true,
  processEntities: true,
});

/**
 * Cuts bytes into lines (LF or CRLF) without ever holding more than MAX_LINE of one line. Chunks are fed as they
 * come (kept at 64 KiB: V8 slices and searches much larger strings far more slowly); `end` flushes the rest.
 */
class LineCutter {
  private decoder: StringDecoder | undefined;
  private carry = '';
  private skipping = false; // inside an over-long line: drop until its end
  private xml = false;
  private first = true;

  constructor(
    private readonly scanner: RecordScanner,
    private readonly res: UnitResult,
  ) {}

  /** Returns false once the scanner wants no more (a file it does not understand). */
  feed(chunk: Buffer): boolean {
    const { scanner } = this;
    this.res.bytes += chunk.length;
    let buf = chunk;
    if (!this.decoder) {
      // Event Viewer saves XML as UTF-16 LE with a BOM; everything else here is UTF-8 or ASCII.
      const utf16 = buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe;
      this.decoder = new StringDecoder(utf16 ? 'utf16le' : 'utf8');
      if (utf16) buf = buf.subarray(2);
    }
    let text = this.carry + this.decoder.write(buf);
    if (this.first) {
      text = text.replace(/^\uFEFF/, '');
      this.first = false;
      if (scanner.name.toLowerCase().endsWith('.xml')) {
        this.xml = true;
        scanner.begin(text.replace(/^\s*<\?xml[^>]*>\s*/, '').slice(0, 200));
        if (scanner.done) return false;
      }
    }
    if (this.xml) {
      this.carry = events(text, scanner);
      return !scanner.done;
    }
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (this.skipping) this.skipping = false;
      else if (nl - start > MAX_LINE) scanner.malformed();
      else scanner.line(text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl));
      start = nl + 1;
      if (scanner.done) return false;
    }
    this.carry = this.skipping ? '' : text.slice(start); // still inside an over-long line: nothing to keep
    if (this.carry.length > MAX_LINE) {
      scanner.malformed(); // a huge line is not a log record
      this.skipping = true;
      this.carry = '';
    }
    return true;
  }

  end(): void {
    const rest = this.carry + (this.decoder?.end() ?? '');
    if (this.xml) {
      events(rest, this.scanner);
      return;
    }
    if (rest && !this.skipping) this.scanner.lastLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  }
}

const CHUNK = 64 * 1024;

/** Feeds complete <Event>…</Event> records to the scanner; returns the unfinished remainder. */
function events(text: string, scanner: RecordScanner): string {
  let pos = 0;
  for (;;) {
    const open = text.indexOf('<Event', pos);
    if (open < 0) return '';
    const next = text.charAt(open + 6);
    if (next === 's') {
      pos = open + 7;
      continue;
    } // <Events> root
    const close = text.indexOf('</Event>', open);
    if (close < 0) {
      const rest = text.slice(open);
      if (rest.length > MAX_EVENT) {
        scanner.malformed();
        return '';
      }
      return rest;
    }
    scanner.event(text.slice(open, close + 8));
    pos = close + 8;
  }
}

async function scanStream(name: string, input: Readable, compiled: Compiled[], res: UnitResult): Promise<void> {
  const cutter = new LineCutter(new RecordScanner(name, compiled, res), res);
  try {
    let more = true;
    for await (const chunk of input as AsyncIterable<Buffer>) if (!(more = cutter.feed(chunk))) break;
    if (more) cutter.end();
  } catch (err) {
    res.unreadable.push({ file: name, error: errorMessage(err) });
  } finally {
    input.destroy();
  }
}

/**
 * A plain file, read with synchronous 64 KiB reads into one buffer: in a sweep thread nothing else waits, and
 * it avoids a thread-pool round trip per chunk, which dominated the time of stream reads.
 */
function scanPlainFile(file: string, compiled: Compiled[], res: UnitResult): void {
  const cutter = new LineCutter(new RecordScanner(file, compiled, res), res);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.allocUnsafe(CHUNK);
    let more = true;
    for (let n = readSync(fd, buf, 0, CHUNK, null); n > 0; n = readSync(fd, buf, 0, CHUNK, null))
      if (!(more = cutter.feed(buf.subarray(0, n)))) break;
    if (more) cutter.end();
  } catch (err) {
    res.unreadable.push({ file, error: errorMessage(err) });
  } finally {
    if (fd !== undefined) closeSync(fd);
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
    try {
      entries = await readZipEntries(file);
    } catch (err) {
      res.unreadable.push({ file, error: errorMessage(err) });
      return res;
    }
    for (const e of entries) {
      if (e.directory) continue;
      const name = `${file}!/${e.name}`;
      res.files++;
      let stream: Readable;
      try {
        stream = await openZipEntry(file, e);
      } catch (err) {
        res.unreadable.push({ file: name, error: errorMessage(err) });
        continue;
      }
      await scanStream(name.replace(/\.gz$/i, ''), gunzipIf(e.name, stream), compiled, res);
    }
    return res;
  }
  res.files++;
  if (file.toLowerCase().endsWith('.gz'))
    await scanStream(file.slice(0, -3), gunzipIf(file, createReadStream(file)), compiled, res);
  else scanPlainFile(file, compiled, res);
  return res;
}

/** A stream from elsewhere (an SFTP read): swept like a file of that name. */
export async function scanRemoteStream(name: string, input: Readable, compiled: Compiled[]): Promise<UnitResult> {
  const res = emptyUnit();
  res.files++;
  await scanStream(name.replace(/\.gz$/i, ''), gunzipIf(name, input), compiled, res);
  return res;
}
