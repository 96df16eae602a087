/**
 * How one record is judged against the indicator rules (rules/iocs/, loaded and validated with the catalog in
 * src/catalog/): which log kind a file is (from its path and first line), CSV splitting, field matching
 * (PowerShell -like wildcards, equals, contains, regex over several fields) and the hit record. Pure functions:
 * the sweep's threads share them, and none of them loads the catalog or zod.
 */
import type { IocHit } from '../contract.js';
import type { Indicator, LogSource } from '../catalog/schema.js';

export type { Indicator, LogSource } from '../catalog/schema.js';

/** PowerShell -like: * and ? wildcards, case-insensitive. */
function likeRe(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'is',
  );
}

export interface Compiled {
  ind: Indicator;
  like: RegExp[];
  notLike: RegExp[];
  regex?: RegExp;
  fieldsRegex?: RegExp;
}
export const compile = (ind: Indicator): Compiled => ({
  ind,
  like: (ind.like ?? []).map(likeRe),
  notLike: (ind.notLike ?? []).map(likeRe),
  ...(ind.regex ? { regex: new RegExp(ind.regex, 'i') } : {}),
  ...(ind.fieldsRegex ? { fieldsRegex: new RegExp(ind.fieldsRegex.pattern, 'i') } : {}),
});

// eslint-disable-next-line no-control-regex
const excerptOf = (s: string) => s.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 240);

/** Splits one CSV line (RFC 4180 quotes). Returns undefined for an unterminated quote. */
export function splitCsv(line: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else q = false;
      } else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (q) return undefined;
  out.push(cur);
  return out;
}

/** A record's fields by name (case-insensitive), as CSV columns or event-log properties give them. */
export type Row = (field: string) => string | undefined;

export function kindOf(file: string, firstLine: string): LogSource | undefined {
  const p = file.replace(/\\/g, '/').toLowerCase();
  if (p.endsWith('.aspx')) return 'aspx';
  if (/^#fields:.*anchormailbox/i.test(firstLine) || /\/httpproxy\//.test(p)) return 'httpproxy';
  if (/oabgeneratorlog/.test(p)) return 'oabgen';
  if (/\/ecp\/server\//.test(p) || /\/logging\/ecp\//.test(p)) return 'ecp';
  if (/^"?(level|keywords)"?,.*(source|providername)/i.test(firstLine) || /application.*\.csv$/.test(p))
    return 'eventlog';
  if (p.endsWith('.xml') && /<Events?[\s>]/.test(firstLine)) return 'eventlog';
  if (/listing|dir.*\.txt$|files.*\.txt$/.test(p)) return 'listing';
  return undefined;
}

export function rowMatches(c: Compiled, row: (f: string) => string | undefined): boolean {
  const i = c.ind;
  if (i.field) {
    const v = row(i.field) ?? '';
    if (c.like.length && !c.like.some((r) => r.test(v))) return false;
    if (c.notLike.some((r) => r.test(v))) return false;
  }
  for (const [f, want] of Object.entries(i.equals ?? {})) {
    const v = row(f) ?? row(f === 'Source' ? 'ProviderName' : f) ?? '';
    if (v.toLowerCase() !== want.toLowerCase()) return false;
  }
  for (const [f, want] of Object.entries(i.contains ?? {}))
    if (!(row(f) ?? '').toLowerCase().includes(want.toLowerCase())) return false;
  if (i.level && !new RegExp(`^(${i.level}|2)$`, 'i').test(row('Level') ?? '')) return false;
  if (c.fieldsRegex) {
    const text = i.fieldsRegex!.fields.map((f) => row(f) ?? '').join('');
    let decoded = text;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      /* keep raw */
    }
    if (!c.fieldsRegex.test(decoded)) return false;
  }
  return true;
}

export function hit(
  c: Compiled,
  file: string,
  line: number,
  text: string,
  row?: (f: string) => string | undefined,
): IocHit {
  const strong =
    c.ind.stronger && row && (row(c.ind.stronger.field) ?? '') === '' ? ` [stronger: ${c.ind.stronger.note}]` : '';
  const ts = row?.('DateTime') ?? row?.('TimeCreated') ?? /^(\d{4}-\d\d-\d\dT[\d:.]+Z?)/.exec(text)?.[1];
  const ip = row?.('ClientIpAddress') ?? row?.('ClientIPAddress');
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
