/**
 * Streaming compromise sweep over Exchange logs and triage folders. Every file is read line by line (gzip
 * decompressed on the fly), so memory stays flat whatever the size. The log kind comes from the path and the
 * header (HttpProxy CSV with #Fields, ECP server logs, OAB generator logs, exported event logs, .aspx files,
 * file listings); CSV columns are found by name from the header because versions differ. Malformed lines are
 * counted, never fatal; an unreadable file is reported and the sweep goes on.
 */
import { createReadStream, readdirSync, statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { IocHit } from '../engine/result.js';
import { DEFAULT_RULES_DIR } from '../util/tool.js';
import { errorMessage } from '../util/errors.js';

const LogSource = z.enum(['httpproxy', 'ecp', 'oabgen', 'eventlog', 'aspx', 'listing']);
type LogSource = z.infer<typeof LogSource>;

export const Indicator = z.object({
  id: z.string(), advisory: z.string(), severity: z.enum(['critical', 'high', 'medium', 'low', 'info']), source: LogSource,
  explanation: z.string(),
  field: z.string().optional(), like: z.array(z.string()).optional(), notLike: z.array(z.string()).optional(),
  equals: z.record(z.string(), z.string()).optional(), contains: z.record(z.string(), z.string()).optional(), level: z.string().optional(),
  regex: z.string().optional(), captureNotContains: z.string().optional(),
  fieldsRegex: z.object({ fields: z.array(z.string()), pattern: z.string() }).optional(),
  stronger: z.object({ field: z.string(), empty: z.boolean(), note: z.string() }).optional(),
  sources: z.array(z.string()).min(1),
});
export type Indicator = z.infer<typeof Indicator>;

export function loadIndicators(dir = join(DEFAULT_RULES_DIR, 'iocs')): Indicator[] {
  return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().flatMap((f) => z.array(Indicator).parse(parseYaml(readFileSync(join(dir, f), 'utf8'))));
}

/** PowerShell -like: * and ? wildcards, case-insensitive. */
function likeRe(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'is');
}

interface Compiled { ind: Indicator; like: RegExp[]; notLike: RegExp[]; regex?: RegExp; fieldsRegex?: RegExp }
const compile = (ind: Indicator): Compiled => ({
  ind,
  like: (ind.like ?? []).map(likeRe), notLike: (ind.notLike ?? []).map(likeRe),
  ...(ind.regex ? { regex: new RegExp(ind.regex, 'i') } : {}),
  ...(ind.fieldsRegex ? { fieldsRegex: new RegExp(ind.fieldsRegex.pattern, 'i') } : {}),
});

export interface SweepSummary { files: number; bytes: number; lines: number; malformedLines: number; hits: number; unreadable: { file: string; error: string }[] }
export interface SweepResult { summary: SweepSummary; hits: IocHit[] }

// eslint-disable-next-line no-control-regex
const excerptOf = (s: string) => s.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 240);

/** Splits one CSV line (RFC 4180 quotes). Returns undefined for an unterminated quote. */
export function splitCsv(line: string): string[] | undefined {
  const out: string[] = [];
  let cur = ''; let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"') { if (line[i + 1] === '"') { cur += '"'; i++; } else q = false; } else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
  }
  if (q) return undefined;
  out.push(cur);
  return out;
}

function kindOf(file: string, firstLine: string): LogSource | undefined {
  const p = file.replace(/\\/g, '/').toLowerCase();
  if (p.endsWith('.aspx')) return 'aspx';
  if (/^#fields:.*anchormailbox/i.test(firstLine) || /\/httpproxy\//.test(p)) return 'httpproxy';
  if (/oabgeneratorlog/.test(p)) return 'oabgen';
  if (/\/ecp\/server\//.test(p) || /\/logging\/ecp\//.test(p)) return 'ecp';
  if (/^"?(level|keywords)"?,.*(source|providername)/i.test(firstLine) || /application.*\.csv$/.test(p)) return 'eventlog';
  if (/listing|dir.*\.txt$|files.*\.txt$/.test(p)) return 'listing';
  return undefined;
}

function walk(paths: string[], onError: (file: string, err: unknown) => void): string[] {
  const files: string[] = [];
  const visit = (p: string) => {
    let st;
    try { st = statSync(p); } catch (err) { onError(p, err); return; }
    if (st.isDirectory()) { for (const f of readdirSync(p).sort()) visit(join(p, f)); } else files.push(p);
  };
  paths.forEach(visit);
  return files;
}

async function sweepFile(file: string, compiled: Compiled[], res: SweepResult): Promise<void> {
  const raw = createReadStream(file);
  let bytes = 0;
  raw.on('data', (c) => { bytes += (c as Buffer).length; });
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const rl = createInterface({ input, crlfDelay: Infinity });
  const name = file.endsWith('.gz') ? file.slice(0, -3) : file;
  let kind: LogSource | undefined;
  let header: string[] | undefined;
  let lineNo = 0;
  let rules: Compiled[] = [];
  const fail = (err: unknown) => { res.summary.unreadable.push({ file, error: errorMessage(err) }); };
  input.on('error', (err: Error) => { fail(err); rl.close(); });
  try {
    for await (const line of rl) {
      lineNo++;
      res.summary.lines++;
      if (lineNo === 1) {
        kind = kindOf(name, line);
        rules = compiled.filter((c) => c.ind.source === kind);
        if (!kind) { rl.close(); break; } // not a file this sweep understands
      }
      if (line.length > 1_000_000) { res.summary.malformedLines++; continue; } // a huge line is not a log record
      if (kind === 'httpproxy' || kind === 'eventlog') {
        if (line.startsWith('#Fields:')) { header = splitCsv(line.slice(8).trim()); continue; }
        if (line.startsWith('#')) continue;
        const cols = splitCsv(line);
        if (!header) { header = cols; continue; } // CSV export: the first row is the header
        if (!cols || cols.length !== header.length) { res.summary.malformedLines++; continue; }
        const row = (f: string) => { const i = header!.findIndex((h) => h.toLowerCase() === f.toLowerCase()); return i >= 0 ? cols[i]! : undefined; };
        for (const c of rules) if (rowMatches(c, row)) res.hits.push(hit(c, name, lineNo, line, row));
      } else {
        for (const c of rules) {
          const m = c.regex?.exec(line);
          if (!m) continue;
          if (c.ind.captureNotContains && (m[1] ?? '').toLowerCase().includes(c.ind.captureNotContains.toLowerCase())) continue;
          res.hits.push(hit(c, name, lineNo, line));
        }
      }
    }
  } catch (err) {
    fail(err);
  } finally {
    raw.destroy();
  }
  res.summary.bytes += bytes;
}

function rowMatches(c: Compiled, row: (f: string) => string | undefined): boolean {
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
  for (const [f, want] of Object.entries(i.contains ?? {})) if (!(row(f) ?? '').toLowerCase().includes(want.toLowerCase())) return false;
  if (i.level && !new RegExp(`^(${i.level}|2)$`, 'i').test(row('Level') ?? '')) return false;
  if (c.fieldsRegex) {
    const text = i.fieldsRegex!.fields.map((f) => row(f) ?? '').join('');
    let decoded = text;
    try { decoded = decodeURIComponent(text); } catch { /* keep raw */ }
    if (!c.fieldsRegex.test(decoded)) return false;
  }
  return true;
}

function hit(c: Compiled, file: string, line: number, text: string, row?: (f: string) => string | undefined): IocHit {
  const strong = c.ind.stronger && row && (row(c.ind.stronger.field) ?? '') === '' ? ` [stronger: ${c.ind.stronger.note}]` : '';
  const ts = row?.('DateTime') ?? row?.('TimeCreated') ?? /^(\d{4}-\d\d-\d\dT[\d:.]+Z?)/.exec(text)?.[1];
  const ip = row?.('ClientIpAddress') ?? row?.('ClientIPAddress');
  return {
    indicator: c.ind.id, advisory: c.ind.advisory + strong, severity: c.ind.severity, file, line,
    ...(ts ? { timestamp: ts } : {}), ...(ip ? { clientIp: ip } : {}), excerpt: excerptOf(text),
  };
}

export async function sweep(paths: string[], indicators = loadIndicators()): Promise<SweepResult> {
  const res: SweepResult = { summary: { files: 0, bytes: 0, lines: 0, malformedLines: 0, hits: 0, unreadable: [] }, hits: [] };
  const compiled = indicators.map(compile);
  const files = walk(paths, (file, err) => res.summary.unreadable.push({ file, error: errorMessage(err) }));
  for (const f of files) {
    res.summary.files++;
    await sweepFile(f, compiled, res);
  }
  res.summary.hits = res.hits.length;
  return res;
}
