/**
 * How one record is judged against the indicator rules (rules/iocs/, loaded and validated with the catalog in
 * src/catalog/): field matching (PowerShell -like wildcards, equals, contains), text patterns and the hit record.
 * Every match is linear in the record's length: patterns run on RE2's engine (re2js), wildcards with a
 * two-pointer matcher, and the literal needles with V8's literal search. Pure functions: the sweep's threads share
 * them, and none of them loads the catalog or zod.
 */
import { RE2JS } from 're2js';
import type { IocHit } from '../contract.js';
import type { Indicator, LogSource } from '../catalog/schema.js';

export type { Indicator, LogSource } from '../catalog/schema.js';

const re2 = (pattern: string): RE2JS => RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE | RE2JS.DOTALL);
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * A search for any of the literals, as a trie (shared prefixes written once: V8 tries far fewer alternatives at
 * each position), without the literals that contain another one. A literal alternation never backtracks beyond
 * the longest literal, so the search is linear.
 */
export function literalsSource(needles: string[]): string {
  const words = [...new Set(needles)];
  const kept = words.filter((w) => !words.some((o) => o !== w && w.includes(o)));
  type Node = Map<string, Node> & { end?: boolean };
  const root: Node = new Map();
  for (const w of kept) {
    let n = root;
    for (const ch of w) {
      if (!n.has(ch)) n.set(ch, new Map());
      n = n.get(ch)!;
    }
    n.end = true;
  }
  const emit = (n: Node): string => {
    const alts = [...n].map(([ch, next]) => escapeRe(ch) + emit(next));
    if (!alts.length) return '';
    const body = alts.length === 1 ? alts[0]! : `(?:${alts.join('|')})`;
    return n.end ? `(?:${body})?` : body;
  };
  return emit(root);
}

/**
 * PowerShell -like (* and ?, case-insensitive) in O(text × pattern): on a mismatch the last * takes one more
 * character, so no position is tried twice per star.
 */
export function likeMatch(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (i < t.length) {
    if (j < p.length && (p[j] === '?' || p[j] === t[i])) {
      i++;
      j++;
    } else if (j < p.length && p[j] === '*') {
      star = j++;
      mark = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++mark;
    } else return false;
  }
  while (j < p.length && p[j] === '*') j++;
  return j === p.length;
}

/**
 * What `matches` reads of an indicator, in one shape for every rule (indicators loaded from the catalog differ in
 * which keys they have, and a rule-shaped object per rule made V8 recompile `matches` again and again), with the
 * wanted values lower-cased once.
 */
export interface Criteria {
  fileName: boolean;
  maxBytes: number | undefined;
  field: string | undefined;
  like: string[] | undefined;
  notLike: string[] | undefined;
  equals: [string, string][];
  oneOf: [string, string[]][];
  contains: [string, string][];
  level: string | undefined;
  /** Whether any text criterion (regex, allOf, anyOf, noneOf, flow) is there. */
  text: boolean;
  squeeze: boolean;
  fields: string[] | undefined;
  captureNotContains: string | undefined;
}

function criteriaOf(i: Indicator): Criteria {
  const lower = (o: Record<string, string> | undefined): [string, string][] =>
    Object.entries(o ?? {}).map(([f, v]) => [f, v.toLowerCase()]);
  return {
    fileName: !!i.fileName,
    maxBytes: i.maxBytes,
    field: i.field,
    like: i.like,
    notLike: i.notLike,
    equals: lower(i.equals),
    oneOf: Object.entries(i.oneOf ?? {}).map(([f, vs]) => [f, vs.map((v) => v.toLowerCase())]),
    contains: lower(i.contains),
    level: i.level?.toLowerCase(),
    text: !!(i.regex || i.allOf?.length || i.anyOf?.length || i.noneOf?.length || i.flow),
    squeeze: !!i.squeeze,
    fields: i.fields,
    captureNotContains: i.captureNotContains?.toLowerCase(),
  };
}

export interface Compiled {
  readonly ind: Indicator;
  readonly criteria: Criteria;
  /** The rule's prefilter needles, lower-cased: a record it matches holds one (or an escaped letter hiding one). */
  readonly needleWords: readonly string[];
  readonly regex: RE2JS | undefined;
  readonly allOf: RE2JS[];
  readonly anyOf: RE2JS[];
  readonly noneOf: RE2JS[];
  readonly flowFrom: RE2JS | undefined;
  readonly fileName: RE2JS | undefined;
}

/**
 * A rule with its patterns compiled on first use: a sweep thread reads only some kinds of input, and compiling every
 * rule's patterns up front (RE2 is compiled in JavaScript) cost each thread about 50 ms. The patterns were validated
 * when the catalog loaded.
 */
class LazyCompiled implements Compiled {
  // undefined: not compiled yet; null: the rule has no such pattern.
  private re?: RE2JS | null;
  private lists?: { allOf: RE2JS[]; anyOf: RE2JS[]; noneOf: RE2JS[] };
  private from?: RE2JS | null;
  private name?: RE2JS | null;
  readonly criteria: Criteria;
  readonly needleWords: readonly string[];
  constructor(readonly ind: Indicator) {
    this.criteria = criteriaOf(ind);
    this.needleWords = (ind.prefilter ?? []).map((n) => n.toLowerCase());
  }
  get regex(): RE2JS | undefined {
    if (this.re === undefined) this.re = this.ind.regex ? re2(this.ind.regex) : null;
    return this.re ?? undefined;
  }
  private get patterns() {
    return (this.lists ??= {
      allOf: (this.ind.allOf ?? []).map(re2),
      anyOf: (this.ind.anyOf ?? []).map(re2),
      noneOf: (this.ind.noneOf ?? []).map(re2),
    });
  }
  get allOf(): RE2JS[] {
    return this.patterns.allOf;
  }
  get anyOf(): RE2JS[] {
    return this.patterns.anyOf;
  }
  get noneOf(): RE2JS[] {
    return this.patterns.noneOf;
  }
  get flowFrom(): RE2JS | undefined {
    if (this.from === undefined) this.from = this.ind.flow ? re2(this.ind.flow.from) : null;
    return this.from ?? undefined;
  }
  get fileName(): RE2JS | undefined {
    if (this.name === undefined) this.name = this.ind.fileName ? re2(this.ind.fileName) : null;
    return this.name ?? undefined;
  }
}

export const compile = (ind: Indicator): Compiled => new LazyCompiled(ind);

// eslint-disable-next-line no-control-regex
const excerptOf = (s: string) => s.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 240);

/** %XX escapes decoded (as Latin-1 characters; enough to read an ASCII URL), other text kept: one pass. */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Splits one CSV line (RFC 4180 quotes). Returns undefined for an unterminated quote. */
export function splitCsv(line: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let q = false;
  let from = 0; // start of the unquoted run being collected
  for (let i = 0; i < line.length; i++) {
    const ch = line.charCodeAt(i);
    if (q) {
      if (ch === 34) {
        cur += line.slice(from, i);
        if (line.charCodeAt(i + 1) === 34) {
          cur += '"';
          i++;
          from = i + 1;
        } else {
          q = false;
          from = i + 1;
        }
      }
    } else if (ch === 34) {
      cur += line.slice(from, i);
      q = true;
      from = i + 1;
    } else if (ch === 44) {
      out.push(cur + line.slice(from, i));
      cur = '';
      from = i + 1;
    }
  }
  if (q) return undefined;
  out.push(cur + line.slice(from));
  return out;
}

/** A record's fields by name (case-insensitive), as CSV columns or event-log properties give them. */
export type Row = (field: string) => string | undefined;

/** One thing a rule judges: its text, its fields by name (log records), the input's name and size. */
export interface Rec {
  text: string;
  row?: Row;
  file: string;
  size?: number;
  /** Web pages: the contents lower-cased with white space, comments and concatenation removed. */
  squeezed?: () => string;
}

const levelNames: Record<string, string> = {
  '1': 'critical',
  '2': 'error',
  '3': 'warning',
  '4': 'information',
  '0': 'information',
};
/** Event levels as numbers (Get-WinEvent's Level, wevtutil), names (LevelDisplayName) or Get-EventLog's EntryType. */
const levelName = (v: string) => levelNames[v.trim()] ?? v.trim().toLowerCase();

const baseName = (f: string) => f.slice(Math.max(f.lastIndexOf('/'), f.lastIndexOf('\\'), f.lastIndexOf('!') + 1) + 1);

function textOf(c: Compiled, r: Rec): string {
  const k = c.criteria;
  if (k.squeeze && r.squeezed) return r.squeezed();
  if (k.fields && r.row) return percentDecode(k.fields.map((f) => r.row!(f) ?? '').join(' '));
  return percentDecode(r.text);
}

const noRow: Row = () => undefined;

export function matches(c: Compiled, r: Rec): boolean {
  const k = c.criteria;
  if (k.fileName && !c.fileName!.test(baseName(r.file))) return false;
  if (k.maxBytes !== undefined && (r.size === undefined || r.size >= k.maxBytes)) return false;
  const row = r.row ?? noRow;
  if (k.field) {
    const v = row(k.field) ?? '';
    if (k.like && !k.like.some((p) => likeMatch(p, v))) return false;
    if (k.notLike?.some((p) => likeMatch(p, v))) return false;
  }
  for (const [f, want] of k.equals) if ((row(f) ?? '').toLowerCase() !== want) return false;
  for (const [f, wants] of k.oneOf) {
    const v = (row(f) ?? '').toLowerCase();
    if (!wants.some((w) => w === v)) return false;
  }
  for (const [f, want] of k.contains) if (!(row(f) ?? '').toLowerCase().includes(want)) return false;
  if (k.level && levelName(row('Level') ?? '') !== k.level) return false;
  if (!k.text) return true;
  const text = textOf(c, r);
  if (c.regex) {
    const m = c.regex.matcher(text);
    if (!m.find()) return false;
    if (k.captureNotContains && (m.group(1) ?? '').toLowerCase().includes(k.captureNotContains)) return false;
  }
  if (!c.allOf.every((re) => re.test(text))) return false;
  if (c.anyOf.length && !c.anyOf.some((re) => re.test(text))) return false;
  if (c.noneOf.some((re) => re.test(text))) return false;
  if (c.flowFrom && !flows(c, text)) return false;
  return true;
}

/** At most this many distinct names are followed per page, all in one linear search. */
const MAX_FLOW_NAMES = 64;

/** Some name that `from` assigns (its group 1) reaches `to`: one pass to collect names, one to find any of them. */
function flows(c: Compiled, text: string): boolean {
  const m = c.flowFrom!.matcher(text);
  const names = new Set<string>();
  while (names.size < MAX_FLOW_NAMES && m.find()) {
    const name = m.group(1);
    if (name) names.add(name);
  }
  if (!names.size) return false;
  const any = `(?:${[...names].map((n) => RE2JS.quote(n)).join('|')})`;
  return re2(c.ind.flow!.to.replaceAll('{1}', any)).test(text);
}

export function hit(c: Compiled, file: string, line: number, text: string, row?: Row): IocHit {
  const strong =
    c.ind.stronger && row && (row(c.ind.stronger.field) ?? '') === '' ? ` [stronger: ${c.ind.stronger.note}]` : '';
  const ts =
    row?.('DateTime') ??
    row?.('TimeCreated') ??
    row?.('TimeGenerated') ??
    row?.('date-time') ??
    /^(\d{4}-\d\d-\d\dT[\d:.]+Z?)/.exec(text)?.[1];
  const ip = row?.('ClientIpAddress') ?? row?.('c-ip');
  return {
    indicator: c.ind.id,
    advisory: c.ind.advisory + strong,
    severity: c.ind.severity,
    file,
    line,
    ...(ts ? { timestamp: ts } : {}),
    ...(ip ? { clientIp: ip } : {}),
    excerpt: excerptOf(text),
  };
}

export type Kind = LogSource | 'evtx';
