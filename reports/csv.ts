/**
 * CSV, one row per finding, one per unassessed server and one per indicator hit (RFC 4180: CRLF line ends,
 * fields with , " CR or LF quoted, " doubled). Cells a spreadsheet would run as a formula (starting with
 * = + - @, tab, CR, LF, space or a full-width ＝ ＋ － ＠) are prefixed with ' so opening the file in Excel or
 * LibreOffice runs nothing: log excerpts and server names are attacker-influenced.
 */
import type { Renderer } from './index.js';
import { hitServer, type ResultDocument } from '../src/contract.js';
import { valueText as text } from '../src/util/text.js';
import { clean, waiverTerms } from './text.js';
import { evidenceText } from './model.js';

export const CSV_COLUMNS = [
  'target',
  'checkId',
  'status',
  'severity',
  'code',
  'cves',
  'title',
  'message',
  'observed',
  'expected',
  'remediation',
  'waived',
  'fingerprint',
  'catalogVersion',
  'collectedAt',
  'evidence',
];

/**
 * A cell no spreadsheet runs: one that starts with a formula lead (= + - @), with white space a spreadsheet may trim
 * before one (tab, CR, LF, space), or with a full-width lead that some spreadsheets read as ASCII (＝ ＋ － ＠), gets
 * a leading '.
 */
const FORMULA_LEAD = /^[=+\-@\t\r\n \uFF1D\uFF0B\uFF0D\uFF20]/;

export function csvCell(value: unknown): string {
  let s = clean(value);
  if (FORMULA_LEAD.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(doc: ResultDocument): string {
  const rows: string[] = [CSV_COLUMNS.join(',')];
  const add = (cells: unknown[]) => rows.push(cells.map(csvCell).join(','));
  for (const t of doc.targets) {
    if (!t.findings.length)
      add([
        t.target,
        '',
        t.status,
        '',
        '',
        '',
        '',
        t.error ?? '',
        '',
        '',
        '',
        '',
        '',
        doc.catalog.version,
        t.facts?.collectedAt ?? '',
        '',
      ]);
    for (const f of t.findings) {
      const ev = f.evidence[0];
      const waived = f.waived ? `${f.waived.reason} (${waiverTerms(f.waived)})` : '';
      add([
        t.target,
        f.checkId,
        f.status,
        f.severity,
        f.code,
        f.cves.join(' '),
        f.title,
        f.message,
        text(ev?.observed),
        text(ev?.expected),
        f.remediation ?? '',
        waived,
        f.fingerprint,
        doc.catalog.version,
        t.facts?.collectedAt ?? '',
        evidenceText(f),
      ]);
    }
  }
  const servers = doc.targets.map((t) => t.target);
  for (const h of doc.ioc?.hits ?? []) {
    const host = hitServer(h, servers) ?? '';
    add([
      host,
      'ioc',
      'hit',
      h.severity,
      h.indicator,
      (h.advisory.match(/CVE-\d{4}-\d+/g) ?? []).join(' '),
      h.advisory,
      h.excerpt,
      `${h.file}:${h.line}`,
      '',
      '',
      '',
      '',
      doc.catalog.version,
      '',
      [h.timestamp && `logged ${h.timestamp}`, h.clientIp && `client ${h.clientIp}`].filter(Boolean).join('; '),
    ]);
  }
  return `${rows.join('\r\n')}\r\n`;
}

const csv: Renderer = {
  format: 'csv',
  extension: 'csv',
  description: 'CSV, one row per finding and indicator hit (formula-injection safe)',
  render: toCsv,
};
export default csv;
