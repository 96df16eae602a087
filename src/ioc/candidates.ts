/**
 * Finds the lines of a lower-cased text that a log rule could match: lines holding one of the rules' needles, a '#'
 * at their start (a header) or a percent-escaped letter (which could hide a needle). The same lines as the regex
 * `^#|%(?:4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])|needle|…` (flag m) finds, in less time: a V8 regex over many
 * literals stops at every position where some needle's first letter is, and letters are most of a log. Here each
 * needle is found by one of its characters that is rare in the input (an "anchor", chosen from a sample of it), with
 * V8's memchr-backed String#indexOf, and checked where that character is. Linear: every anchor occurrence is visited
 * once and checks at most the needles anchored on it.
 */

/** A needle and where its anchor character sits in it. */
interface Anchored {
  needle: string;
  offset: number;
}

interface Anchor {
  ch: string;
  /** The needles by the character after the anchor (ASCII codes; `afterOther` for the rest), and by the one before. */
  after: (Anchored[] | undefined)[];
  afterOther: Map<number, Anchored[]>;
  before: (Anchored[] | undefined)[];
  beforeOther: Map<number, Anchored[]>;
  /** '#': a header line; '%': a percent-escaped letter (besides the needles anchored there). */
  header: boolean;
  escape: boolean;
  /** A needle of this one character is there: every occurrence is a candidate. */
  alone: boolean;
}

/** One pass over a chunk costs about as much as checking this many anchor occurrences (measured with Node 20's V8). */
const PASS_COST = 200;
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

function anchor(ch: string, kind: { header?: boolean; escape?: boolean }): Anchor {
  return {
    ch,
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
   * a greedy weighted set cover, where a character costs one pass plus its occurrences in the sample and covers the
   * needles holding it. '#' and '%' are always searched (headers, escapes), so needles holding '%' ride on that pass.
   */
  constructor(needles: string[], sample: string) {
    const words = [...new Set(needles.map((n) => n.toLowerCase()))];
    this.needles = words.filter((w) => !words.some((o) => o !== w && w.includes(o)));
    // ASCII characters counted in the first SAMPLE characters (others count as rare: logs are mostly ASCII).
    const ascii = new Uint32Array(128);
    for (let i = 0, n = Math.min(sample.length, SAMPLE); i < n; i++) {
      const c = sample.charCodeAt(i);
      if (c < 128) ascii[c]!++;
    }
    const count = (ch: string) => (ch.charCodeAt(0) < 128 ? ascii[ch.charCodeAt(0)]! : 0);
    const header = anchor('#', { header: true });
    const escape = anchor('%', { escape: true });
    const chosen = new Map<string, Anchor>([
      ['#', header],
      ['%', escape],
    ]);
    let left = [...this.needles];
    const place = (a: Anchor) => {
      const covered = left.filter((n) => n.includes(a.ch));
      for (const n of covered) {
        const offset = n.indexOf(a.ch);
        const one: Anchored = { needle: n, offset };
        if (n.length === 1) {
          a.alone = true; // the anchor is the needle
          continue;
        }
        // Checked only where the character next to the anchor is the needle's.
        const [code, table, other] =
          offset + 1 < n.length
            ? [n.charCodeAt(offset + 1), a.after, a.afterOther]
            : [n.charCodeAt(offset - 1), a.before, a.beforeOther];
        if (code < 128) (table[code] ??= []).push(one);
        else other.set(code, [...(other.get(code) ?? []), one]);
      }
      left = left.filter((n) => !n.includes(a.ch));
    };
    place(header);
    place(escape);
    while (left.length) {
      let best: string | undefined;
      let bestCost = Infinity;
      for (const ch of new Set(left.join(''))) {
        const covers = left.filter((n) => n.includes(ch)).length;
        const cost = (PASS_COST + count(ch)) / covers;
        if (cost < bestCost || (cost === bestCost && ch < best!)) {
          best = ch;
          bestCost = cost;
        }
      }
      const a = anchor(best!, {});
      chosen.set(best!, a);
      place(a);
    }
    this.anchors = [...chosen.values()];
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
    for (let p = hay.indexOf(a.ch, from); p >= 0 && p <= last; p = hay.indexOf(a.ch, p + 1)) {
      if (a.alone) return p;
      if (a.header && (p === 0 || isLineBreak(hay.charCodeAt(p - 1)))) return p;
      if (a.escape && escapedLetter(hay, p)) return p;
      const next = hay.charCodeAt(p + 1);
      const prev = hay.charCodeAt(p - 1);
      const after = next < 128 ? a.after[next] : a.afterOther.get(next);
      const before = prev < 128 ? a.before[prev] : a.beforeOther.get(prev);
      if (after && holds(after, hay, p, from)) return p;
      if (before && holds(before, hay, p, from)) return p;
    }
    return Infinity;
  }
}
