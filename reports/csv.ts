/**
 * CSV, one row per finding (RFC 4180: CRLF, quoted fields). Cells a spreadsheet would run as a formula
 * (starting with = + - @ tab or CR) are prefixed with ' so opening the file in Excel runs nothing.
 */
import type { Renderer } from './index.js';
import type { ResultDocument } from '../src/engine/result.js';
import { clean } from './text.js';

const COLUMNS = ['target', 'checkId', 'status', 'severity', 'code', 'cves', 'title', 'message', 'observed', 'expected', 'remediation', 'waived', 'fingerprint', 'catalogVersion', 'collectedAt'];

export function csvCell(value: unknown): string {
  let s = clean(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(doc: ResultDocument): string {
  const rows = [COLUMNS.join(',')];
  for (const t of doc.targets) {
    if (!t.findings.length) rows.push([t.target, '', t.status, '', '', '', '', t.error ?? '', '', '', '', '', '', doc.catalog.version, t.facts?.collectedAt ?? ''].map(csvCell).join(','));
    for (const f of t.findings) {
      const ev = f.evidence[0];
      rows.push([t.target, f.checkId, f.status, f.severity, f.code, f.cves.join(' '), f.title, f.message, ev?.observed, ev?.expected, f.remediation, f.waived ? f.waived.reason : '', f.fingerprint, doc.catalog.version, t.facts?.collectedAt ?? ''].map(csvCell).join(','));
    }
  }
  return `${rows.join('\r\n')}\r\n`;
}

const csv: Renderer = { format: 'csv', extension: 'csv', description: 'CSV, one row per finding (formula-injection safe)', render: toCsv };
export default csv;
