/**
 * Finds the lines of a lower-cased text that a log rule could match: lines holding one of the rules' needles, a '#'
 * at their start (a header) or a percent-escaped letter (which could hide a needle). The same lines as the regex
 * `^#|%(?:4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])|needle|…` (flag m) finds, in less time: a V8 regex over many
 * literals stops at every position where some needle's first letter is, and letters are most of a log. Here each
 * needle is found by one or two of its characters that are rare in the input (an "anchor", chosen from a sample of
 * it), with V8's memchr-backed String#indexOf, and checked where they are. Linear: every anchor occurrence is visited
 * once and checks at most the needles anchored on it.
 */

/** A needle and where its anchor character sits in it. */
interface Anchored {
  needle: string;
  offset: number;
}

interface Anchor {
  /** One character, or two: V8 finds a two-character string by its first character without returning to us. */
  key: string;
  /** The needles by the character after the anchor (ASCII codes; `afterOther` for the rest), and by the one before. */
  after: (Anchored[] | undefined)[];
  afterOther: Map<number, Anchored[]>;
  before: (Anchored[] | undefined)[];
  beforeOther: Map<number, Anchored[]>;
  /** '#': a header line; '%': a percent-escaped letter (besides the needles anchored there). */
  header: boolean;
  escape: boolean;
  /** The anchor is a needle itself: every occurrence is a candidate. */
  alone: boolean;
}

/**
 * What searching a 64 KiB chunk costs, in nanoseconds (measured with Node 20's V8 on the bench machine): a pass, each
 * occurrence of an anchor (String#indexOf returns it and the needles there are checked), and each occurrence of a
 * two-character anchor's first character that V8 skips on its own.
 */
const PASS_NS = 2000;
const RETURN_NS = 9;
const SKIP_NS = 1.5;
/** Characters of an input's first chunk counted to choose its anchors. */
const SAMPLE = 64 * 1024;

const isLineBreak = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/** '%' then 4[1-9a-f], 5[0-9a], 6[1-9a-f] or 7[0-9a] (lower-cased text): an escaped ASCII letter. */
function escapedLetter(hay: string, p: number): boolean {
  const hi = hay.charCodeAt(p + 1);
  const lo = hay.charCodeAt(p + 2);
  const digit = lo >= 48 && lo <= 57;
  const hex = lo >= 97 && lo <= 102;
  if (hi === 52 || hi === 54) return (digit && lo !== 48) || hex; // 4x, 6x: x in 1-9a-f
  if (hi === 53 || hi === 55) return digit || lo === 97; // 5x, 7x: x in 0-9a
  return false;
}

function anchor(key: string, kind: { header?: boolean; escape?: boolean }): Anchor {
  return {
    key,
    after: new Array<Anchored[] | undefined>(128),
    afterOther: new Map(),
    before: new Array<Anchored[] | undefined>(128),
    beforeOther: new Map(),
    header: kind.header ?? false,
    escape: kind.escape ?? false,
    alone: false,
  };
}

/** One of the needles anchored at `p` starts at or after `from` and is there. */
function holds(list: Anchored[], hay: string, p: number, from: number): boolean {
  for (const n of list) {
    const start = p - n.offset;
    if (start >= from && hay.startsWith(n.needle, start)) return true;
  }
  return false;
}

export class CandidateLines {
  /** Needles without those that hold another one (a line holding the longer holds the shorter). */
  readonly needles: string[];
  private readonly anchors: Anchor[];
  private readonly next: Float64Array;

  /**
   * One per input (it keeps search state): the anchors are chosen from a sample of the input's lower-cased text by
   * a greedy weighted set cover over the needles' characters and character pairs, each costing what searching a chunk
   * for it would cost by the sample's counts, and covering the needles holding it. '#' and '%' are always searched
   * (headers, escapes), so needles holding '%' ride on that pass.
   */
  constructor(needles: string[], sample: string) {
    const words = [...new Set(needles.map((n) => n.toLowerCase()))];
    this.needles = words.filter((w) => !words.some((o) => o !== w && w.includes(o)));
    // ASCII characters and pairs counted in the first SAMPLE characters (others count as rare: logs are mostly ASCII).
    const ones = new Uint32Array(128);
    const pairs = new Uint32Array(128 * 128);
    for (let i = 0, prev = 128, n = Math.min(sample.length, SAMPLE); i < n; i++) {
      const c = sample.charCodeAt(i);
      if (c < 128) {
        ones[c]!++;
        if (prev < 128) pairs[prev * 128 + c]!++;
      }
      prev = c;
    }
    const count1 = (k: string) => (k.charCodeAt(0) < 128 ? ones[k.charCodeAt(0)]! : 0);
    const count2 = (k: string) =>
      k.charCodeAt(0) < 128 && k.charCodeAt(1) < 128 ? pairs[k.charCodeAt(0) * 128 + k.charCodeAt(1)]! : 0;
    const cost = (k: string) =>
      k.length === 1 ? PASS_NS + RETURN_NS * count1(k) : PASS_NS + SKIP_NS * count1(k[0]!) + RETURN_NS * count2(k);
    const header = anchor('#', { header: true });
    const escape = anchor('%', { escape: true });
    const chosen = [header, escape];
    let left = [...this.needles];
    const place = (a: Anchor) => {
      const covered = left.filter((n) => n.includes(a.key));
      for (const n of covered) {
        const offset = n.indexOf(a.key);
        const one: Anchored = { needle: n, offset };
        if (n.length === a.key.length) {
          a.alone = true; // the anchor is the needle
          continue;
        }
        // Checked only where the character next to the anchor is the needle's.
        const end = offset + a.key.length;
        const [code, table, other] =
          end < n.length
            ? [n.charCodeAt(end), a.after, a.afterOther]
            : [n.charCodeAt(offset - 1), a.before, a.beforeOther];
        if (code < 128) (table[code] ??= []).push(one);
        else other.set(code, [...(other.get(code) ?? []), one]);
      }
      left = left.filter((n) => !n.includes(a.key));
    };
    place(header);
    place(escape);
    while (left.length) {
      const keys = new Set<string>();
      for (const n of left) for (let i = 0; i < n.length; i++) keys.add(n[i]!).add(n.slice(i, i + 2));
      let best: string | undefined;
      let bestCost = Infinity;
      for (const k of keys) {
        const c = cost(k) / left.filter((n) => n.includes(k)).length;
        if (c < bestCost || (c === bestCost && k < best!)) {
          best = k;
          bestCost = c;
        }
      }
      const a = anchor(best!, {});
      chosen.push(a);
      place(a);
    }
    this.anchors = chosen;
    this.next = new Float64Array(this.anchors.length);
  }

  /**
   * Calls `line(start, end)` for each line in `hay[from..last]` (`last` is the index of a line feed, `from` a line
   * start) holding a candidate, in order; `end` is the index of the line feed that ends it.
   */
  each(hay: string, from: number, last: number, line: (start: number, end: number) => void): void {
    const anchors = this.anchors;
    const next = this.next;
    next.fill(-1);
    let pos = from;
    for (;;) {
      let best = Infinity;
      for (let i = 0; i < anchors.length; i++) {
        if (next[i]! < pos) next[i] = this.find(anchors[i]!, hay, pos, last);
        if (next[i]! < best) best = next[i]!;
      }
      if (best > last) return;
      const ls = hay.lastIndexOf('\n', best - 1) + 1;
      const le = hay.indexOf('\n', best);
      line(ls, le);
      pos = le + 1;
    }
  }

  /** The first occurrence at or after `from` (and not past `last`) of the anchor where a candidate is. */
  private find(a: Anchor, hay: string, from: number, last: number): number {
    for (let p = hay.indexOf(a.key, from); p >= 0 && p <= last; p = hay.indexOf(a.key, p + 1)) {
      if (a.alone) return p;
      if (a.header && (p === 0 || isLineBreak(hay.charCodeAt(p - 1)))) return p;
      if (a.escape && escapedLetter(hay, p)) return p;
      const next = hay.charCodeAt(p + a.key.length);
      const prev = hay.charCodeAt(p - 1);
      const after = next < 128 ? a.after[next] : a.afterOther.get(next);
      const before = prev < 128 ? a.before[prev] : a.beforeOther.get(prev);
      if (after && holds(after, hay, p, from)) return p;
      if (before && holds(before, hay, p, from)) return p;
    }
    return Infinity;
  }
}
