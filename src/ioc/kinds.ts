/**
 * What an input is, from its name and its first lines: which rules read it and how it is cut into records.
 * Exchange and IIS logs are told apart by their headers (the #Fields line decides the columns), event logs by
 * their export's columns or XML root, listings by PowerShell's or cmd's layout, web pages by their extension.
 */
import type { Kind } from './rules.js';

/** A gzipped input: read gunzipped, and named (in hits) without its .gz. */
export const GZ = /\.gz$/i;
export const stripGz = (name: string): string => name.replace(GZ, '');

/** Web pages and configuration that IIS executes or reads: their contents are judged whole. */
export const PAGE_EXT = /\.(aspx|ashx|asmx|asax|config|asp|cshtml|svc)$/i;
/** Test-ProxyLogon's exports: <Computer>-Cve-2021-NNNNN[-What].csv|log and <Computer>-other.csv. */
const TPL_EXPORT = /-(cve-2021-(26855|26857|26858|27065)(-[a-z]+)?\.(csv|log)|other\.csv)$/i;

export interface Sniffed {
  kind?: Kind;
  /** Listings: which layout. */
  listing?: 'gci' | 'dir' | 'paths';
}

/** The input's kind; `head` is its start as text (a few KiB), already decoded. */
export function kindOf(name: string, head: string): Sniffed {
  const p = name.replace(/\\/g, '/').toLowerCase();
  const base = p.slice(p.lastIndexOf('/') + 1);
  if (base.endsWith('.evtx')) return { kind: 'evtx' };
  if (PAGE_EXT.test(base)) return { kind: 'aspx' };
  if (TPL_EXPORT.test(base)) return { kind: 'tplexport' };
  const lines = head.split(/\r?\n/, 40);
  const fields = lines.find((l) => l.startsWith('#Fields:'));
  if (fields) {
    if (/anchormailbox/i.test(fields)) return { kind: 'httpproxy' };
    if (/\bcs-uri-stem\b/i.test(fields)) return { kind: 'iis' };
  }
  if (/^u_ex\d+.*\.log$/.test(base) || /^#software: microsoft internet information services/i.test(head))
    return { kind: 'iis' };
  if (/\/httpproxy\//.test(p)) return { kind: 'httpproxy' };
  if (/oabgeneratorlog|^oabgen.*\.log$/.test(p)) return { kind: 'oabgen' };
  if (/\/ecp\/server\//.test(p) || /\/logging\/ecp\//.test(p) || /^ecpserver.*\.log$/.test(base))
    return { kind: 'ecp' };
  // Event-log exports: Get-WinEvent | Export-Csv (ProviderName, Id, Level/LevelDisplayName, Message), Get-EventLog
  // | Export-Csv (Source, EventID, EntryType, Message), each possibly after a #TYPE line; XML from wevtutil/Event Viewer.
  const header = lines.find((l) => l.trim() !== '' && !l.startsWith('#TYPE')) ?? '';
  if (/^"?[\w ]+"?(,"?[\w ]+"?)*$/.test(header) && /\bmessage\b/i.test(header) && /(providername|source)/i.test(header))
    return { kind: 'eventlog' };
  if (/<Events?[\s>]/.test(head.slice(0, 2000)) && /<System>|<Event /.test(head)) return { kind: 'eventlog' };
  const listing = listingLayout(lines, base);
  if (listing) return { kind: 'path', listing };
  return {};
}

function listingLayout(lines: string[], base: string): Sniffed['listing'] {
  if (lines.some((l) => /^\s+Directory: \S/.test(l))) return 'gci';
  if (lines.some((l) => /^ (Volume in drive|Directory of) /.test(l))) return 'dir';
  if (/(listing|^dir|files).*\.txt$/.test(base)) return 'paths';
  return undefined;
}
