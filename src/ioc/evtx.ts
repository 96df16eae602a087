/**
 * A bounded reader of Windows event log files (.evtx) as copied off a server: 64 KiB chunks after a 4 KiB file
 * header, each holding event records in binary XML (tokens, names and templates stored once per chunk and filled in
 * with substitution values). Each record is rendered to the same XML that wevtutil prints, then judged like an XML
 * export. Written here because no maintained EVTX parser is published for Node (see README); the format follows
 * libyal's libevtx documentation ("Windows XML Event Log (EVTX) format"). Bounded: one chunk in memory, every offset
 * checked against the chunk, nesting and token counts capped; a damaged record or chunk is counted as malformed and
 * the reader goes on with the next one.
 */
import type { UnitResult } from './scan-unit.js';

export const EVTX_MAGIC = Buffer.from('ElfFile\0', 'latin1');
const CHUNK_MAGIC = Buffer.from('ElfChnk\0', 'latin1');
const FILE_HEADER = 4096;
const CHUNK = 65536;
const RECORD_MAGIC = 0x00002a2a;
const MAX_DEPTH = 12;
const MAX_TOKENS = 50_000;

class EvtxError extends Error {}
/** Tokens that can make up an attribute's value: value, character and entity references, substitutions. */
const VALUE_TOKENS = new Set([0x05, 0x08, 0x09, 0x0d, 0x0e]);

const esc = (s: string) =>
  s.replace(/[<>&"]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '&quot;'));

const FILETIME_EPOCH = 11644473600000n;
function filetime(v: bigint): string {
  const ms = v / 10000n - FILETIME_EPOCH;
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString();
}

interface Ctx {
  chunk: Buffer;
  tokens: number;
}

/** Reads one binary-XML fragment of a chunk, rendering XML text. */
class Fragment {
  pos: number;
  out = '';
  private stack: string[] = [];
  constructor(
    private readonly ctx: Ctx,
    start: number,
    private readonly end: number,
    private readonly subs: string[] | undefined,
    private readonly depth: number,
  ) {
    if (depth > MAX_DEPTH) throw new EvtxError('binary XML nested too deep');
    if (start < 0 || end > ctx.chunk.length || start > end) throw new EvtxError('fragment outside its chunk');
    this.pos = start;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new EvtxError('record cut short');
  }
  private u8(): number {
    this.need(1);
    return this.ctx.chunk[this.pos++]!;
  }
  private u16(): number {
    this.need(2);
    const v = this.ctx.chunk.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.ctx.chunk.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  private utf16(chars: number): string {
    this.need(chars * 2);
    const s = this.ctx.chunk.toString('utf16le', this.pos, this.pos + chars * 2);
    this.pos += chars * 2;
    return s;
  }

  /** A name stored at a chunk offset; when it is stored right here, it is skipped over. */
  private name(): string {
    const off = this.u32();
    const c = this.ctx.chunk;
    if (off + 8 > c.length) throw new EvtxError('name outside the chunk');
    const len = c.readUInt16LE(off + 6);
    if (off + 8 + len * 2 > c.length) throw new EvtxError('name outside the chunk');
    const s = c.toString('utf16le', off + 8, off + 8 + len * 2);
    if (off === this.pos) this.pos += 8 + len * 2 + 2;
    return s;
  }

  render(): string {
    let inAttr = false; // an attribute's value runs over the value-like tokens after it
    while (this.pos < this.end) {
      if (++this.ctx.tokens > MAX_TOKENS) throw new EvtxError('too many tokens in one record');
      const tok = this.u8();
      const t = tok & 0x0f;
      const more = (tok & 0x40) !== 0;
      if (inAttr && !VALUE_TOKENS.has(t)) {
        this.out += '"';
        inAttr = false;
      }
      switch (t) {
        case 0x00:
          return inAttr ? `${this.out}"` : this.out; // end of stream
        case 0x01: {
          this.u16(); // dependency id
          this.u32(); // data size
          const n = this.name();
          if (more) this.u32(); // attribute list size
          this.stack.push(n);
          this.out += `<${n}`;
          break;
        }
        case 0x02:
          this.out += '>';
          break;
        case 0x03:
          this.stack.pop();
          this.out += '/>';
          break;
        case 0x04:
          this.out += `</${this.stack.pop() ?? ''}>`;
          break;
        case 0x05: {
          const type = this.u8();
          if (type !== 0x01) throw new EvtxError(`value of type ${type} in a fragment`);
          this.out += esc(this.utf16(this.u16()));
          break;
        }
        case 0x06:
          this.out += ` ${this.name()}="`;
          inAttr = true;
          break;
        case 0x07:
          this.out += esc(this.utf16(this.u16()));
          break;
        case 0x08:
          this.out += esc(String.fromCharCode(this.u16()));
          break;
        case 0x09:
          this.out += `&${this.name()};`;
          break;
        case 0x0a:
          this.name();
          break;
        case 0x0b:
          this.utf16(this.u16());
          break;
        case 0x0c:
          this.template();
          break;
        case 0x0d:
        case 0x0e: {
          const id = this.u16();
          this.u8(); // type, as the value itself says
          this.out += this.subs?.[id] ?? '';
          break;
        }
        case 0x0f:
          this.u8();
          this.u16(); // major, minor, flags
          break;
        default:
          throw new EvtxError(`unknown token 0x${tok.toString(16)}`);
      }
    }
    return inAttr ? `${this.out}"` : this.out;
  }

  /** A template instance: its definition (here or earlier in the chunk) rendered with the values that follow. */
  private template(): void {
    this.u8();
    this.u32(); // template id
    const defOffset = this.u32();
    const c = this.ctx.chunk;
    if (defOffset + 24 > c.length) throw new EvtxError('template outside the chunk');
    const defSize = c.readUInt32LE(defOffset + 20);
    const defStart = defOffset + 24;
    if (defStart + defSize > c.length) throw new EvtxError('template outside the chunk');
    if (defOffset === this.pos) this.pos += 24 + defSize; // defined inline: skip it
    const count = this.u32();
    if (count > 4096) throw new EvtxError('too many template values');
    const descs: Array<[number, number]> = [];
    for (let i = 0; i < count; i++) {
      const size = this.u16();
      const type = this.u8();
      this.u8();
      descs.push([size, type]);
    }
    const values: string[] = [];
    for (const [size, type] of descs) {
      this.need(size);
      values.push(this.value(this.pos, size, type));
      this.pos += size;
    }
    this.out += new Fragment(this.ctx, defStart, defStart + defSize, values, this.depth + 1).render();
  }

  /** A substitution value as text. */
  private value(at: number, size: number, type: number): string {
    const c = this.ctx.chunk;
    const b = c.subarray(at, at + size);
    switch (type) {
      case 0x00:
        return '';
      case 0x01:
        return esc(b.toString('utf16le').replace(/\0+$/, ''));
      case 0x02:
        return esc(b.toString('latin1').replace(/\0+$/, ''));
      case 0x03:
        return size >= 1 ? String(b.readInt8(0)) : '';
      case 0x04:
        return size >= 1 ? String(b[0]) : '';
      case 0x05:
        return size >= 2 ? String(b.readInt16LE(0)) : '';
      case 0x06:
        return size >= 2 ? String(b.readUInt16LE(0)) : '';
      case 0x07:
        return size >= 4 ? String(b.readInt32LE(0)) : '';
      case 0x08:
        return size >= 4 ? String(b.readUInt32LE(0)) : '';
      case 0x09:
        return size >= 8 ? String(b.readBigInt64LE(0)) : '';
      case 0x0a:
        return size >= 8 ? String(b.readBigUInt64LE(0)) : '';
      case 0x0d:
        return size >= 4 ? String(b.readUInt32LE(0) !== 0) : '';
      case 0x11:
        return size >= 8 ? filetime(b.readBigUInt64LE(0)) : '';
      case 0x14:
        return size >= 4 ? `0x${b.readUInt32LE(0).toString(16)}` : '';
      case 0x15:
        return size >= 8 ? `0x${b.readBigUInt64LE(0).toString(16)}` : '';
      case 0x21:
        return new Fragment(this.ctx, at, at + size, undefined, this.depth + 1).render();
      case 0x81:
        return esc(b.toString('utf16le').replace(/\0+$/, '').replace(/\0/g, ' '));
      default:
        return b.toString('hex');
    }
  }
}

/** Renders one record's binary XML (the bytes between its header and trailing size) to XML text. */
export function renderRecord(chunk: Buffer, start: number, end: number): string {
  return new Fragment({ chunk, tokens: 0 }, start, end, undefined, 0).render();
}

export interface EventSink {
  /** One rendered event; `no` is its ordinal in the file. */
  event(xml: string, no: number): void;
}

/** Takes the file's bytes as they stream and hands over each record of each complete chunk. */
export class EvtxReader {
  private buf: Buffer[] = [];
  private len = 0;
  private headerSeen = false;
  private n = 0;
  constructor(
    private readonly sink: EventSink,
    private readonly res: UnitResult,
  ) {}

  feed(chunk: Buffer): void {
    this.buf.push(chunk);
    this.len += chunk.length;
    if (!this.headerSeen) {
      if (this.len < FILE_HEADER) return;
      this.take(FILE_HEADER);
      this.headerSeen = true;
    }
    while (this.len >= CHUNK) this.chunk(this.take(CHUNK));
  }

  end(): void {
    if (this.len > 0 && this.headerSeen) {
      this.res.malformedLines++; // a cut-off chunk
    }
    this.buf = [];
    this.len = 0;
  }

  private take(n: number): Buffer {
    const all = this.buf.length === 1 ? this.buf[0]! : Buffer.concat(this.buf);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buf = rest.length ? [rest] : [];
    this.len = rest.length;
    return Buffer.from(out); // a copy: the chunk outlives the read buffer
  }

  private chunk(c: Buffer): void {
    if (!c.subarray(0, 8).equals(CHUNK_MAGIC)) {
      if (c.some((b) => b !== 0)) this.res.malformedLines++; // unused chunks are zero-filled
      return;
    }
    const free = Math.min(c.readUInt32LE(48), CHUNK);
    for (let at = 512; at + 28 <= free;) {
      if (c.readUInt32LE(at) !== RECORD_MAGIC) {
        this.res.malformedLines++;
        return;
      }
      const size = c.readUInt32LE(at + 4);
      if (size < 28 || at + size > free) {
        this.res.malformedLines++;
        return;
      }
      this.n++;
      this.res.lines++;
      try {
        this.sink.event(renderRecord(c, at + 24, at + size - 4), this.n);
      } catch (err) {
        if (!(err instanceof EvtxError) && !(err instanceof RangeError)) throw err;
        this.res.malformedLines++;
      }
      at += size;
    }
  }
}
