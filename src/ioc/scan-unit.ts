/**
 * Sweeps one input (a file, a .gz, an archive entry, an SFTP stream) against the compiled indicators, streaming:
 * the input's path is judged by the path rules, its first KiB decide its kind (src/ioc/kinds.ts), and its text is
 * cut into records as it arrives: log lines (only the lines holding a rule's needle are cut out and parsed, found by
 * one literal search over each chunk), CSV records that span lines (event-log messages), <Event> elements, listing
 * rows, EVTX records, or a web page's whole contents (up to MAX_PAGE). A line longer than MAX_LINE is skipped to
 * its end and counted as malformed, so memory stays flat whatever the input. Nothing here throws for a bad input:
 * an unreadable input becomes an `unreadable` item and the sweep goes on.
 */
import { StringDecoder } from 'node:string_decoder';
import { createRequire } from 'node:module';
import type { XMLParser } from 'fast-xml-parser';
import type { IocHit } from '../contract.js';
import { errorMessage } from '../util/errors.js';
import { hit, literalsSource, matches, splitCsv, type Compiled, type Kind, type Rec, type Row } from './rules.js';
import { kindOf } from './kinds.js';
import { ListingParser, slashed, type Layout } from './listing.js';
import { EvtxReader, EVTX_MAGIC } from './evtx.js';
import { squeeze } from './squeeze.js';
import { ByteCandidates, ByteLineCutter } from './byte-lines.js';
import { CandidateLines } from './candidates.js';

export const MAX_LINE = 1024 * 1024;
const MAX_EVENT = 4 * 1024 * 1024;
/** Web pages are judged whole up to this size (web shells are a few KiB; Exchange's largest pages well under). */
export const MAX_PAGE = 4 * 1024 * 1024;
const HEAD = 8 * 1024;

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

/** The compiled rules grouped by what they read, made once per sweep thread. */
export class RuleSet {
  readonly byKind = new Map<Kind, Compiled[]>();
  /** Per log kind: the literal search that finds the lines worth parsing (undefined: parse every line). */
  readonly needles = new Map<Kind, Needles>();

  /** `bytes: false` keeps every input on the text search (tests compare the two). */
  constructor(
    readonly all: Compiled[],
    private readonly opts: { bytes?: boolean } = {},
  ) {
    for (const c of all) for (const k of c.ind.source) this.byKind.set(k, [...(this.byKind.get(k) ?? []), c]);
    for (const [k, rules] of this.byKind) {
      if (!FAST_KINDS.has(k) || !rules.every((c) => c.ind.prefilter?.length)) continue;
      // '#' at a line start: IIS writes a new #Fields header whenever it restarts, so headers are never skipped.
      // A percent-escaped letter could hide a needle (%50owershell): such lines are always parsed and decoded.
      const all = [...new Set(rules.flatMap((c) => c.ind.prefilter!.map((n) => n.toLowerCase())))];
      this.needles.set(k, {
        list: all,
        anyCase: new RegExp(`^#|${LETTER_ESCAPE}|${FOLDS_TO_ASCII}|${literalsSource(all)}`, 'gim'),
      });
    }
  }
  rules(k: Kind): Compiled[] {
    return this.byKind.get(k) ?? [];
  }
  /**
   * The byte search for a log kind, made once per sweep thread from the first input's head (again once from a later
   * head if that one was too short to say which bytes are rare).
   */
  byteSearch(k: Kind, head: Buffer): ByteCandidates | undefined {
    const n = this.needles.get(k);
    if (!n || this.opts.bytes === false) return undefined;
    if (n.bytes === undefined || (n.bytes && n.bytes.sampled < SAMPLE_ENOUGH && head.length >= SAMPLE_ENOUGH))
      n.bytes = ByteCandidates.of(n.list, head) ?? null;
    return n.bytes ?? undefined;
  }
}
const SAMPLE_ENOUGH = 16 * 1024;
const FAST_KINDS = new Set<Kind>(['httpproxy', 'iis', 'ecp', 'oabgen']);
const LETTER_ESCAPE = '%(?:4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])';
/**
 * Long s and the Kelvin sign fold to ASCII letters (s, k): they could hide a needle as an escape can, so lines with
 * them are always picked and judged (src/ioc/byte-lines.ts). Lower-casing turns the Kelvin sign into k already.
 */
const FOLDS_TO_ASCII = '\u017f|\u212a';
const HIDES_A_NEEDLE = new RegExp(`${LETTER_ESCAPE}|${FOLDS_TO_ASCII}`);

/**
 * The literal search for a log kind: over the lower-cased chunk by rare characters (src/ioc/candidates.ts), or,
 * when lower-casing changed the chunk's length (so offsets differ), with a case-insensitive regex.
 */
interface Needles {
  list: string[];
  anyCase: RegExp;
  /** The byte search's tables (src/ioc/byte-lines.ts), made from the first input's sample; null: not possible. */
  bytes?: ByteCandidates | null;
}

/** Field names that mean the same across log shapes, so one rule reads HttpProxy and IIS, or any event export. */
const ALIASES: Record<string, string[]> = {
  urlstem: ['urlstem', 'cs-uri-stem'],
  urlquery: ['urlquery', 'cs-uri-query'],
  method: ['method', 'cs-method'],
  httpstatus: ['httpstatus', 'sc-status'],
  useragent: ['useragent', 'cs(user-agent)'],
  clientipaddress: ['clientipaddress', 'c-ip'],
  providername: ['providername', 'source', 'provider'],
  source: ['providername', 'source', 'provider'],
  level: ['level', 'leveldisplayname', 'entrytype'],
  eventid: ['id', 'eventid', 'instanceid'],
  timecreated: ['timecreated', 'timegenerated'],
  datetime: ['datetime', 'date-time'],
};

/** A row over columns by (lower-case) name, with aliases and two virtual fields: Url (stem and query) and date-time. */
function rowOf(get: (name: string) => string | undefined): Row {
  const one = (f: string): string | undefined => {
    for (const a of ALIASES[f] ?? [f]) {
      const v = get(a);
      if (v !== undefined) return v === '-' ? '' : v; // IIS writes - for an empty field
    }
    return undefined;
  };
  return (field) => {
    const f = field.toLowerCase();
    if (f === 'url') {
      const stem = one('urlstem');
      if (stem === undefined) return undefined;
      const q = one('urlquery') ?? '';
      return q && !q.startsWith('?') ? `${stem}?${q}` : stem + q;
    }
    if (f === 'date-time' && get('date') !== undefined) return `${get('date')}T${get('time') ?? ''}`;
    return one(f);
  };
}

/** The records of one input: what is judged and where hits go. */
class Judge {
  lineNo = 0;
  constructor(
    readonly name: string,
    readonly size: number | undefined,
    readonly rules: Compiled[],
    readonly res: UnitResult,
  ) {}
  /**
   * Set where lines are picked by the rules' needles (HttpProxy, IIS, ECP, OAB logs): then a rule judges only the
   * records holding one of its own needles or an escaped letter, as if it were the only rule. A line picked for
   * another rule's needle cannot match it (its prefilter says so), and skipping it spares most of the judging.
   */
  gated = false;
  record(text: string, line: number, row?: Row, squeezed?: () => string): void {
    // One shape for every record, so the judging code stays monomorphic.
    const rec: Rec = { text, row, file: this.name, size: this.size, squeezed };
    let lower: string | undefined;
    let escaped = false;
    for (const c of this.rules) {
      if (this.gated && c.needleWords.length) {
        if (lower === undefined) {
          lower = text.toLowerCase();
          escaped = HIDES_A_NEEDLE.test(lower);
        }
        if (!escaped && !c.needleWords.some((n) => lower!.includes(n))) continue;
      }
      if (matches(c, rec)) this.res.hits.push(hit(c, this.name, line, text, row));
    }
  }
}

/** Cuts text into lines without holding more than MAX_LINE of one; with `needles`, only matching lines are cut. */
class LineCutter {
  private carry = '';
  private skipping = false;
  /** The search for this input's candidate lines, tuned on its first chunk. */
  private candidates: CandidateLines | undefined;
  lineNo = 0;
  constructor(
    private readonly onLine: (line: string, no: number) => void,
    private readonly res: UnitResult,
    private readonly needles?: Needles,
  ) {}

  /**
   * Cuts the lines that end in `text`. The line carried from the last chunk is completed on its own (`head`), so the
   * chunk itself is never copied into a joined string: a 64 KiB copy per chunk was a tenth of a sweep's time.
   */
  feed(text: string): void {
    let from = 0;
    let head: string | undefined;
    if (this.carry || this.skipping) {
      const nl = text.indexOf('\n');
      if (nl < 0) {
        if (!this.skipping) this.carry += text;
        this.capCarry();
        return;
      }
      if (this.skipping)
        this.skipping = false; // the rest of an over-long line, already counted
      else head = this.carry + text.slice(0, nl + 1);
      this.carry = '';
      from = nl + 1;
    }
    const last = text.lastIndexOf('\n');
    const parts: [string, number, number][] = [];
    if (head) parts.push([head, 0, head.length - 1]);
    if (last >= from) parts.push([text, from, last]);
    if (parts.length) {
      if (this.needles) this.matching(parts);
      else for (const [s, start, end] of parts) this.every(s, start, end);
    }
    this.carry = text.slice(Math.max(last + 1, from));
    this.capCarry();
  }

  /** A carried line longer than MAX_LINE is counted as malformed and skipped to its end. */
  private capCarry(): void {
    if (this.carry.length > MAX_LINE) {
      this.lineNo++;
      this.res.lines++;
      this.res.malformedLines++; // a huge line is not a log record
      this.carry = '';
      this.skipping = true;
    }
  }

  end(): void {
    if (this.carry && !this.skipping) {
      const line = this.carry.endsWith('\r') ? this.carry.slice(0, -1) : this.carry;
      this.emit(line);
    }
    this.carry = '';
  }

  private emit(line: string): void {
    this.lineNo++;
    this.res.lines++;
    if (line.length > MAX_LINE) this.res.malformedLines++;
    else this.onLine(line, this.lineNo);
  }

  private every(s: string, start: number, last: number): void {
    let a = start;
    for (let nl = s.indexOf('\n', a); nl >= 0 && nl <= last; nl = s.indexOf('\n', a)) {
      this.emit(s.slice(a, s.charCodeAt(nl - 1) === 13 && nl > a ? nl - 1 : nl));
      a = nl + 1;
    }
  }

  /**
   * Only lines holding a needle (or starting with #) are cut out; the others are only counted. `parts` are the
   * completed carried line and the chunk's own lines: one text as far as the search goes (lower-cased, or searched
   * case-insensitively when lower-casing changed the length of either).
   */
  private matching(parts: [string, number, number][]): void {
    const lowers = parts.map(([s]) => s.toLowerCase());
    const same = parts.every(([s], i) => lowers[i]!.length === s.length);
    for (const [i, [s, start, last]] of parts.entries()) {
      let pos = start;
      const take = (ls: number, le: number) => {
        this.skipLines(s, pos, ls);
        this.emit(s.slice(ls, s.charCodeAt(le - 1) === 13 && le > ls ? le - 1 : le));
        pos = le + 1;
      };
      if (same) {
        this.candidates ??= new CandidateLines([...this.needles!.list, '\u017f'], lowers[i]!);
        this.candidates.each(lowers[i]!, start, last, take);
      } else {
        const re = this.needles!.anyCase;
        re.lastIndex = start;
        for (let m = re.exec(s); m && m.index <= last; m = re.exec(s)) {
          take(s.lastIndexOf('\n', m.index - 1) + 1, s.indexOf('\n', m.index));
          re.lastIndex = pos;
        }
      }
      this.skipLines(s, pos, last + 1);
    }
  }

  private skipLines(s: string, from: number, to: number): void {
    let n = 0;
    for (let nl = s.indexOf('\n', from); nl >= 0 && nl < to; nl = s.indexOf('\n', nl + 1)) n++;
    this.lineNo += n;
    this.res.lines += n;
  }
}

/** CSV logs with a header (#Fields: or a first row): HttpProxy, Test-ProxyLogon's exports, event-log exports. */
class CsvRecords {
  private header: Map<string, number> | undefined;
  private width = 0;
  private pending = '';
  private pendingLine = 0;
  constructor(
    private readonly judge: Judge,
    private readonly res: UnitResult,
    private readonly multiline: boolean,
  ) {}

  line(line: string, no: number): void {
    if (this.pending) {
      this.pending += `\n${line}`;
      if (this.pending.length > MAX_EVENT) {
        this.res.malformedLines++;
        this.pending = '';
        return;
      }
      if (quotes(this.pending) % 2 === 1) return;
      const rec = this.pending;
      this.pending = '';
      this.record(rec, this.pendingLine);
      return;
    }
    if (line.startsWith('#Fields:')) {
      const h = splitCsv(line.slice(8).trim());
      if (h) this.setHeader(h);
      return;
    }
    if (line.startsWith('#') || line === '') return;
    if (this.multiline && quotes(line) % 2 === 1) {
      this.pending = line;
      this.pendingLine = no;
      return;
    }
    this.record(line, no);
  }

  end(): void {
    if (this.pending) this.res.malformedLines++; // a cut-off record
  }

  private setHeader(cols: string[]): void {
    this.header = new Map(cols.map((h, i) => [h.trim().toLowerCase(), i]));
    this.width = cols.length;
  }

  private record(line: string, no: number): void {
    if (!this.header) {
      const h = splitCsv(line);
      if (h) this.setHeader(h);
      else this.res.malformedLines++;
      return;
    }
    const cols = line.includes('"') ? splitCsv(line) : line.split(',');
    if (!cols || cols.length !== this.width) {
      this.res.malformedLines++;
      return;
    }
    const header = this.header;
    const row = rowOf((f) => {
      const i = header.get(f);
      return i === undefined ? undefined : cols[i];
    });
    this.judge.record(line, no, row);
  }
}

function quotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/** IIS W3C logs: space-separated, columns from the latest #Fields line. */
class W3cRecords {
  private header: Map<string, number> | undefined;
  private width = 0;
  constructor(
    private readonly judge: Judge,
    private readonly res: UnitResult,
  ) {}
  line(line: string, no: number): void {
    if (line.startsWith('#')) {
      if (line.startsWith('#Fields:')) {
        const cols = line.slice(8).trim().split(/ +/);
        this.header = new Map(cols.map((h, i) => [h.toLowerCase(), i]));
        this.width = cols.length;
      }
      return;
    }
    if (line === '') return;
    const cols = line.split(' ');
    if (!this.header || cols.length !== this.width) {
      this.res.malformedLines++;
      return;
    }
    const header = this.header;
    this.judge.record(
      line,
      no,
      rowOf((f) => {
        const i = header.get(f);
        return i === undefined ? undefined : cols[i];
      }),
    );
  }
}

/** fast-xml-parser's CommonJS build, loaded with the first XML event (its ES module build takes 5× as long to load). */
let parser: XMLParser | undefined;
function eventParser(): XMLParser {
  if (parser) return parser;
  const { XMLParser } = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');
  return (parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    removeNSPrefix: true,
    processEntities: true,
  }));
}

const textOf = (v: unknown): string =>
  v && typeof v === 'object' ? String((v as Record<string, unknown>)['#text'] ?? '') : v === undefined ? '' : String(v);

/** An event's fields (from XML or EVTX) as a row, and its text: every field and data value. */
export function eventRecord(fields: Record<string, string>, data: string[]): { text: string; row: Row } {
  if (!fields['message']) fields['message'] = data.join(' ');
  const text = Object.values(fields).join(' ');
  return { text, row: rowOf((f) => fields[f]) };
}

/** One <Event> of an Event Viewer or wevtutil XML export. */
function xmlEvent(xml: string, judge: Judge, res: UnitResult, no: number): void {
  let ev: Record<string, unknown>;
  try {
    ev = (eventParser().parse(xml) as { Event?: Record<string, unknown> }).Event ?? {};
  } catch {
    res.malformedLines++;
    return;
  }
  const sys = (ev['System'] ?? {}) as Record<string, unknown>;
  const provider = (sys['Provider'] ?? {}) as Record<string, unknown>;
  const rendering = (ev['RenderingInfo'] ?? {}) as Record<string, unknown>;
  const data = ([] as unknown[]).concat(((ev['EventData'] ?? {}) as Record<string, unknown>)['Data'] ?? []);
  const fields: Record<string, string> = {
    providername: String(provider['@Name'] ?? ''),
    eventid: textOf(sys['EventID']),
    level: textOf(sys['Level']),
    channel: textOf(sys['Channel']),
    timecreated: String(((sys['TimeCreated'] ?? {}) as Record<string, unknown>)['@SystemTime'] ?? ''),
    message: textOf(rendering['Message']),
  };
  if (!fields['providername'] && !fields['eventid']) {
    res.malformedLines++;
    return;
  }
  const { row } = eventRecord(fields, data.map(textOf));
  judge.record(xml, no, row);
}

/** Complete <Event>…</Event> elements from a text stream; the line number is the event's ordinal. */
class XmlEvents {
  private carry = '';
  private n = 0;
  constructor(
    private readonly judge: Judge,
    private readonly res: UnitResult,
  ) {}
  feed(text: string): void {
    const s = this.carry + text;
    let pos = 0;
    for (;;) {
      const open = s.indexOf('<Event', pos);
      if (open < 0) {
        this.carry = s.slice(Math.max(pos, s.length - 6)); // a tag cut between chunks
        return;
      }
      if (s.charAt(open + 6) === 's') {
        pos = open + 7; // the <Events> root
        continue;
      }
      const close = s.indexOf('</Event>', open);
      if (close < 0) {
        this.carry = s.slice(open);
        if (this.carry.length > MAX_EVENT) {
          this.res.malformedLines++;
          this.carry = '';
        }
        return;
      }
      this.n++;
      this.res.lines++;
      xmlEvent(s.slice(open, close + 8), this.judge, this.res, this.n);
      pos = close + 8;
    }
  }
  end(): void {
    if (this.carry.includes('<Event ') || this.carry.includes('<Event>')) {
      this.res.lines++;
      this.res.malformedLines++; // a cut-off event
    }
  }
}

interface Decoder {
  write(b: Buffer): string;
  end(): string;
}

/**
 * UTF-8 chunks decoded by Buffer#toString up to the last complete character, the cut-off bytes kept for the next
 * chunk: an order of magnitude faster than StringDecoder on log-sized chunks.
 */
class Utf8Decoder implements Decoder {
  private rest: Buffer | undefined;
  write(chunk: Buffer): string {
    const b = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let cut = b.length;
    let i = b.length - 1;
    while (i >= 0 && b.length - i <= 4 && (b[i]! & 0xc0) === 0x80) i--;
    if (i >= 0 && b[i]! >= 0xc0) {
      const need = b[i]! >= 0xf0 ? 4 : b[i]! >= 0xe0 ? 3 : 2;
      if (b.length - i < need) cut = i;
    }
    this.rest = cut < b.length ? Buffer.from(b.subarray(cut)) : undefined;
    return b.toString('utf8', 0, cut);
  }
  end(): string {
    const r = this.rest?.toString('utf8') ?? '';
    this.rest = undefined;
    return r;
  }
}

/** Decodes bytes to text: UTF-8 (BOM or not) or UTF-16 LE (BOM, or zero high bytes at the start). */
function decoderFor(head: Buffer): { decoder: Decoder; skip: number } {
  if (head[0] === 0xff && head[1] === 0xfe) return { decoder: new StringDecoder('utf16le'), skip: 2 };
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { decoder: new Utf8Decoder(), skip: 3 };
  let zeros = 0;
  for (let i = 1; i < Math.min(head.length, 64); i += 2) if (head[i] === 0) zeros++;
  const utf16 = head.length >= 8 && zeros >= Math.min(head.length, 64) / 2 - 2 && head[0] !== 0;
  return { decoder: utf16 ? new StringDecoder('utf16le') : new Utf8Decoder(), skip: 0 };
}

/** Takes an input's text, or for the byte search its UTF-8 bytes as read. */
type Sink = { feed(text: string): void; end(): void; bytes?: undefined } | { bytes(b: Buffer): void; end(): void };

/** Builds the record pipeline for one input once its kind is known; undefined: nothing reads it. */
function pipeline(
  kind: Kind,
  listing: Layout | undefined,
  judge: Judge,
  set: RuleSet,
  res: UnitResult,
  utf8Head: Buffer | undefined,
): Sink | undefined {
  if (kind === 'aspx') {
    let text = '';
    let over = false;
    return {
      feed(t) {
        if (text.length < MAX_PAGE) text += t.slice(0, MAX_PAGE - text.length);
        else over = true;
      },
      end() {
        if (over || text.length >= MAX_PAGE)
          res.unreadable.push({
            file: judge.name,
            error: `a page larger than ${MAX_PAGE / 1024 / 1024} MiB: only its first ${MAX_PAGE / 1024 / 1024} MiB were judged`,
          });
        res.lines += countLines(text);
        let sq: string | undefined;
        judge.record(text, 1, undefined, () => (sq ??= squeeze(text)));
      },
    };
  }
  if (kind === 'eventlog' && listing === undefined && judge.name.toLowerCase().endsWith('.xml')) {
    return new XmlEvents(judge, res);
  }
  let onLine: (line: string, no: number) => void;
  let finish = () => {};
  if (
    kind === 'httpproxy' ||
    kind === 'eventlog' ||
    (kind === 'tplexport' && judge.name.toLowerCase().endsWith('.csv'))
  ) {
    const csv = new CsvRecords(judge, res, kind !== 'httpproxy');
    onLine = (l, n) => csv.line(l, n);
    finish = () => csv.end();
  } else if (kind === 'iis') {
    const w3c = new W3cRecords(judge, res);
    onLine = (l, n) => w3c.line(l, n);
  } else if (kind === 'path') {
    const parser = new ListingParser(listing ?? 'paths');
    onLine = (l, n) => {
      const p = parser.line(l);
      if (p) judge.record(p, n);
    };
  } else {
    onLine = (l, n) => {
      if (l.trim() !== '') judge.record(l, n);
    };
  }
  judge.gated = set.needles.has(kind);
  const search = utf8Head && set.byteSearch(kind, utf8Head);
  const byLine = search && ByteLineCutter.open(search, onLine, res, MAX_LINE);
  if (byLine)
    return {
      bytes: (b) => byLine.feed(b),
      end: () => {
        byLine.end();
        finish();
      },
    };
  const cutter = new LineCutter(onLine, res, set.needles.get(kind));
  return {
    feed: (t) => cutter.feed(t),
    end: () => {
      cutter.end();
      finish();
    },
  };
}

function countLines(s: string): number {
  let n = s.length && !s.endsWith('\n') ? 1 : 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Sweeps one input given as chunks of bytes. `size` is what the walk or the archive said (rules with maxBytes
 * need it); `res.bytes` counts what was read.
 */
export async function scanChunks(
  name: string,
  size: number | undefined,
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
  set: RuleSet,
  res: UnitResult,
): Promise<void> {
  res.files++;
  // The path itself: files found on disk or in an archive are judged by where they are.
  const pathRules = set.rules('path');
  if (pathRules.length) new Judge(name, size, pathRules, res).record(slashed(name), 0);
  let head: Buffer[] = [];
  let headLen = 0;
  let sink: Sink | undefined;
  let evtx: EvtxReader | undefined;
  let decoder: Decoder | undefined;
  let done = false;
  const start = (buf: Buffer): void => {
    if (buf.length >= EVTX_MAGIC.length && buf.subarray(0, EVTX_MAGIC.length).equals(EVTX_MAGIC)) {
      const rules = set.rules('eventlog');
      if (!rules.length) return void (done = true);
      const judge = new Judge(name, size, rules, res);
      evtx = new EvtxReader({ event: (xml, no) => xmlEvent(xml, judge, res, no) }, res);
      evtx.feed(buf);
      return;
    }
    const d = decoderFor(buf);
    decoder = d.decoder;
    const body = buf.subarray(d.skip);
    const text = decoder.write(body);
    const sniff = kindOf(name, text.slice(0, HEAD));
    const kind = sniff.kind === 'evtx' ? undefined : sniff.kind;
    const rules = kind ? set.rules(kind) : [];
    const utf8 = d.decoder instanceof Utf8Decoder ? body : undefined;
    sink =
      kind && rules.length
        ? pipeline(kind, sniff.listing, new Judge(name, size, rules, res), set, res, utf8)
        : undefined;
    if (!sink) return void (done = true); // not an input any rule reads: its path was judged
    if (sink.bytes) sink.bytes(body);
    else sink.feed(text);
  };
  try {
    for await (const chunk of chunks) {
      res.bytes += chunk.length;
      if (evtx) evtx.feed(chunk);
      else if (sink?.bytes) sink.bytes(chunk);
      else if (sink) sink.feed(decoder!.write(chunk));
      else {
        head.push(chunk);
        headLen += chunk.length;
        if (headLen >= HEAD) {
          start(Buffer.concat(head));
          head = [];
        }
      }
      if (done) break;
    }
    if (!done && !sink && !evtx && head.length) start(Buffer.concat(head));
    if (evtx) evtx.end();
    if (sink && !sink.bytes) {
      const rest = decoder!.end();
      if (rest) sink.feed(rest);
    }
    sink?.end();
  } catch (err) {
    res.unreadable.push({ file: name, error: errorMessage(err) });
  }
}
