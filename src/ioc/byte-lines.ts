/**
 * The candidate-line search on raw UTF-8 bytes, for the log kinds with needles (HttpProxy, IIS, ECP, OAB). Most of a
 * sweep's time went to decoding every chunk, lower-casing it and searching it once per anchor; here the bytes are
 * searched as they were read, by a SIMD filter in WebAssembly (src/ioc/teddy.wat) that also counts the lines, and only
 * the lines holding a candidate are decoded. The lines found are those of the regex
 * `^#|%(?:4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])|ſ|K|needle|…` with flags `im` over the decoded text (ASCII
 * case-insensitive; long s and Kelvin sign below): tests/ioc/byte-lines.test.ts compares them. Needles that are not
 * printable ASCII fall back to the text search (src/ioc/candidates.ts).
 */
import { TEDDY_WASM } from './teddy-wasm.js';

/** The part of the WebAssembly API used here: Node 20 has it, @types/node 20 does not declare it. */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object) => { readonly exports: unknown };
};
interface WasmGlobal {
  value: unknown;
}

/** Where the kernel's tables, results and data are in its memory (see teddy.wat). */
const OUT = 128;
const DATA = 65536;
/** Bytes copied into the kernel at a time: larger inputs are cut. */
const PIECE = 64 * 1024;
/** Sample bytes the fingerprints and buckets are chosen on. */
const SAMPLE = 16 * 1024;

const FOLD = Uint8Array.from({ length: 256 }, (_, b) => (b >= 65 && b <= 90 ? b | 32 : b));
const HASH = 35;
const PERCENT = 37;
/**
 * U+017F (long s, C5 BF) and U+212A (Kelvin sign, E2 84 AA): the two letters outside ASCII whose case folding is an
 * ASCII letter (s and k; .NET's ordinal ignore-case comparison upper-cases long s to S). Like an escaped letter, they
 * could hide a needle, so a line holding one is always a candidate.
 */
const LONG_S = Uint8Array.of(0xc5, 0xbf);
const KELVIN = Uint8Array.of(0xe2, 0x84, 0xaa);
const LF = 10;
const CR = 13;

let module: object | null | undefined;

interface Kernel {
  bytes: Buffer;
  words: Int32Array;
  scan: (at: number, end: number) => number;
  found: WasmGlobal;
  lines: WasmGlobal;
}

/** Idle kernels of this thread (one per input being read; inputs are read one after another). */
const idle: Kernel[] = [];

function kernel(): Kernel | undefined {
  const k = idle.pop();
  if (k) return k;
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(Buffer.from(TEDDY_WASM, 'base64'));
    } catch {
      module = null; // no WebAssembly SIMD here (--jitless, an old engine): the text search is used
    }
  }
  if (!module) return undefined;
  const ex = new WebAssembly.Instance(module).exports as {
    mem: { buffer: ArrayBuffer };
    scan: Kernel['scan'];
    found: WasmGlobal;
    lines: WasmGlobal;
  };
  return {
    bytes: Buffer.from(ex.mem.buffer),
    words: new Int32Array(ex.mem.buffer),
    scan: ex.scan,
    found: ex.found,
    lines: ex.lines,
  };
}

/** A literal checked where its fingerprint's first byte is: the folded needle and the fingerprint's offset in it. */
interface Placed {
  needle: Uint8Array;
  offset: number;
}

/** '%' then 4[1-9a-f], 5[0-9a], 6[1-9a-f] or 7[0-9a], compared folded: an escaped ASCII letter. */
function escapedLetter(b: Buffer, p: number): boolean {
  const hi = b[p + 1]!;
  const lo = FOLD[b[p + 2]!]!;
  const digit = lo >= 48 && lo <= 57;
  const hex = lo >= 97 && lo <= 102;
  if (hi === 52 || hi === 54) return (digit && lo !== 48) || hex;
  if (hi === 53 || hi === 55) return digit || lo === 97;
  return false;
}

/**
 * The needles of one log kind as kernel tables. Each needle gets a fingerprint: its three bytes that are rarest in a
 * sample of the input; needles shorter than three bytes, '#' and '%' are fingerprinted by what they have, the rest of
 * the fingerprint matching anything, in the last bucket. The other buckets are filled greedily, each fingerprint
 * going where it adds the fewest false candidates on the sample (the nibble tables of a bucket pass every combination
 * of its fingerprints' nibbles).
 */
export class ByteCandidates {
  readonly tables = new Uint8Array(96);
  /** Needles by the folded byte their fingerprint starts with. */
  private readonly at: (Placed[] | undefined)[] = new Array<Placed[] | undefined>(256);
  readonly sampled: number;

  private constructor(needles: Uint8Array[], sample: Uint8Array) {
    this.sampled = sample.length;
    const s = sample.subarray(0, SAMPLE);
    const counts = new Map<number, number>();
    for (let i = 0; i + 2 < s.length; i++) {
      const key = (FOLD[s[i]!]! << 16) | (FOLD[s[i + 1]!]! << 8) | FOLD[s[i + 2]!]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const narrow: Uint8Array[] = [Uint8Array.of(HASH), Uint8Array.of(PERCENT)];
    // In the greedy buckets, not the last one: its wildcards would let through every byte sharing a nibble with them
    // (0xC3 of accented letters, 0xE3 of CJK text).
    const wide: { bytes: Uint8Array; count: number }[] = [
      { bytes: LONG_S, count: 0 },
      { bytes: KELVIN, count: 0 },
    ];
    for (const n of needles) {
      if (n.length < 3) {
        narrow.push(n);
        (this.at[n[0]!] ??= []).push({ needle: n, offset: 0 });
        continue;
      }
      let best = 0;
      let bestCount = Infinity;
      for (let w = 0; w + 3 <= n.length; w++) {
        const c = counts.get((n[w]! << 16) | (n[w + 1]! << 8) | n[w + 2]!) ?? 0;
        if (c < bestCount) [best, bestCount] = [w, c];
      }
      wide.push({ bytes: n.subarray(best, best + 3), count: bestCount });
      (this.at[n[best]!] ??= []).push({ needle: n, offset: best });
    }
    for (const f of narrow) this.add(f, 7);
    // Busy fingerprints first, so the quiet ones fill in around them.
    wide.sort((a, b) => b.count - a.count);
    const cost = new Float64Array(7);
    for (const f of wide) {
      let bucket = 0;
      let added = Infinity;
      for (let b = 0; b < 7; b++) {
        const trial = this.with(f.bytes, b);
        // Counting stops once this bucket is no better than the best so far (the best is always counted whole).
        const c = passes(trial, b, s, cost[b]! + added) - cost[b]!;
        if (c < added) [bucket, added] = [b, c];
      }
      this.add(f.bytes, bucket);
      cost[bucket]! += added;
    }
  }

  /** Undefined when a needle is not printable ASCII (the text search handles those). */
  static of(needles: string[], sample: Uint8Array): ByteCandidates | undefined {
    const words = [...new Set(needles.map((n) => n.toLowerCase()))];
    if (!words.length || words.some((w) => !/^[\x20-\x7e]+$/.test(w))) return undefined;
    const kept = words.filter((w) => !words.some((o) => o !== w && w.includes(o)));
    return new ByteCandidates(
      kept.map((w) => Uint8Array.from(w, (c) => c.charCodeAt(0))),
      sample,
    );
  }

  /** Sets bucket `b`'s bits for a fingerprint (both cases of a letter; positions past its end match anything). */
  private add(f: Uint8Array, b: number, t: Uint8Array = this.tables): void {
    const bit = 1 << b;
    for (let j = 0; j < 3; j++) {
      if (j >= f.length) {
        for (let x = 0; x < 16; x++) {
          t[32 * j + x]! |= bit;
          t[32 * j + 16 + x]! |= bit;
        }
        continue;
      }
      const c = f[j]!;
      for (const x of c >= 97 && c <= 122 ? [c, c - 32] : [c]) {
        t[32 * j + (x & 15)]! |= bit;
        t[32 * j + 16 + (x >> 4)]! |= bit;
      }
    }
  }

  private with(f: Uint8Array, b: number): Uint8Array {
    const t = this.tables.slice();
    this.add(f, b, t);
    return t;
  }

  /**
   * Whether a candidate starts at `p` (a lane the kernel reported): a needle is there, or '#' starts a line (after a
   * line feed, a carriage return or U+2028/U+2029, as `^` with flag m), or '%' escapes a letter, or a long s or a
   * Kelvin sign is there. `from` is the start of the region's first line.
   */
  holds(b: Buffer, p: number, from: number): boolean {
    const c = FOLD[b[p]!]!;
    if (c === HASH) {
      if (p === from) return true;
      const prev = b[p - 1]!;
      if (prev === LF || prev === CR) return true;
      if (p - 3 >= from && b[p - 3] === 0xe2 && b[p - 2] === 0x80 && (prev === 0xa8 || prev === 0xa9)) return true;
    } else if (c === PERCENT && escapedLetter(b, p)) return true;
    else if (c === 0xc5 && b[p + 1] === 0xbf) return true;
    else if (c === 0xe2 && b[p + 1] === 0x84 && b[p + 2] === 0xaa) return true;
    const list = this.at[c];
    if (!list) return false;
    for (const { needle, offset } of list) {
      const start = p - offset;
      if (start < from) continue;
      let i = 0;
      while (i < needle.length && FOLD[b[start + i]!] === needle[i]) i++;
      if (i === needle.length) return true;
    }
    return false;
  }
}

/** How many sample positions bucket `b` of tables `t` passes (or a number above `limit`, once it is passed). */
function passes(t: Uint8Array, b: number, s: Uint8Array, limit: number): number {
  const bit = 1 << b;
  let n = 0;
  for (let i = 0; i + 2 < s.length && n <= limit; i++) {
    let ok = true;
    for (let j = 0; j < 3 && ok; j++) {
      const x = s[i + j]!;
      ok = (t[32 * j + (x & 15)]! & t[32 * j + 16 + (x >> 4)]! & bit) !== 0;
    }
    if (ok) n++;
  }
  return n;
}

/**
 * Cuts UTF-8 bytes into lines, decoding only the candidate lines, and counts every line. A line longer than
 * `maxLine` bytes is counted as malformed: skipped to its end when it outgrows what is held, or not parsed.
 */
export class ByteLineCutter {
  private readonly k: Kernel;
  /** Bytes held at DATA: the start of a line not yet ended. */
  private held = 0;
  private skipping = false;
  /** Ended: the kernel went back to the idle list and may serve another input. */
  private ended = false;
  lineNo = 0;

  private constructor(
    k: Kernel,
    private readonly cands: ByteCandidates,
    private readonly onLine: (line: string, no: number) => void,
    private readonly res: { lines: number; malformedLines: number },
    private readonly maxLine: number,
  ) {
    this.k = k;
    k.bytes.set(cands.tables, 0);
  }

  /** Undefined when WebAssembly SIMD is not available. */
  static open(
    cands: ByteCandidates,
    onLine: (line: string, no: number) => void,
    res: { lines: number; malformedLines: number },
    maxLine: number,
  ): ByteLineCutter | undefined {
    if (DATA + maxLine + PIECE + 64 > 20 * 65536) throw new Error('maxLine does not fit the kernel memory');
    const k = kernel();
    return k && new ByteLineCutter(k, cands, onLine, res, maxLine);
  }

  feed(b: Buffer): void {
    if (this.ended) throw new Error('bytes fed after the end of the input');
    for (let i = 0; i < b.length; i += PIECE) this.piece(b.subarray(i, Math.min(b.length, i + PIECE)));
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.held && !this.skipping) {
      const k = this.k;
      let e = DATA + this.held;
      if (k.bytes[e - 1] === CR) e--;
      this.lineNo++;
      this.res.lines++;
      this.onLine(k.bytes.toString('utf8', DATA, e), this.lineNo);
    }
    this.held = 0;
    idle.push(this.k);
  }

  private piece(b: Buffer): void {
    let src = b;
    if (this.skipping) {
      const nl = b.indexOf(LF);
      if (nl < 0) return;
      this.skipping = false; // the rest of an over-long line, already counted
      src = b.subarray(nl + 1);
    }
    const k = this.k;
    const start = DATA + this.held;
    k.bytes.set(src, start);
    const last = src.lastIndexOf(LF);
    if (last < 0) {
      this.held += src.length;
    } else {
      this.region(DATA, start + last + 1);
      const end = start + src.length;
      k.bytes.copyWithin(DATA, start + last + 1, end);
      this.held = end - (start + last + 1);
    }
    if (this.held > this.maxLine) {
      this.lineNo++;
      this.res.lines++;
      this.res.malformedLines++; // a huge line is not a log record
      this.held = 0;
      this.skipping = true;
    }
  }

  /** The whole lines in [from, end): `end - 1` is a line feed. */
  private region(from: number, end: number): void {
    const { bytes, words, scan, found, lines } = this.k;
    const base = this.lineNo;
    lines.value = 0;
    let next = from;
    for (let at = from; ;) {
      const stop = scan(at, end);
      const n = found.value as number;
      for (let e = 0, w = OUT >> 2; e < n; e++, w += 3) {
        const block = words[w]!;
        for (let m = words[w + 1]!; m; m &= m - 1) {
          const p = block + 31 - Math.clz32(m & -m);
          if (p < next || !this.cands.holds(bytes, p, from)) continue;
          let before = words[w + 2]!;
          for (let i = block; i < p; i++) if (bytes[i] === LF) before++;
          const q = bytes.lastIndexOf(LF, p - 1);
          const ls = q < from ? from : q + 1;
          const le = bytes.indexOf(LF, p);
          const stripped = le > ls && bytes[le - 1] === CR ? le - 1 : le;
          if (stripped - ls > this.maxLine) this.res.malformedLines++;
          else this.onLine(bytes.toString('utf8', ls, stripped), base + before + 1);
          next = le + 1;
        }
      }
      if (stop >= end) break;
      at = stop;
    }
    const counted = lines.value as number;
    this.lineNo = base + counted;
    this.res.lines += counted;
  }
}
