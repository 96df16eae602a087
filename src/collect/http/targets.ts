/**
 * Scan targets: `host`, `host:port`, `https://host[:port][/]`, `[v6]:port`, bare IPv6, and CIDR ranges (IPv4
 * and IPv6). Ranges are capped so a typo like /8 cannot start millions of connections; the whole run is capped
 * too. Every bad entry is one InputError naming it and what to do.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { InputError } from '../../util/errors.js';

export interface ScanTarget {
  /** As reported: host for port 443, host:port otherwise ([v6]:port for IPv6). */
  name: string;
  host: string;
  port: number;
  /** https://host:port (IPv6 in brackets). */
  base: string;
}

/** Addresses one CIDR range may expand to (a /20 of IPv4; network and broadcast are skipped). */
export const MAX_CIDR_HOSTS = 4096;
/** Targets one run may hold (a /16); split larger estates into several runs or shards. */
export const MAX_TARGETS = 65_536;

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

export function makeTarget(host: string, port = 443): ScanTarget {
  const v6 = isIP(host) === 6;
  const shown = v6 ? `[${host}]` : host;
  return { name: port === 443 ? host : `${shown}:${port}`, host, port, base: `https://${shown}:${port}` };
}

function parsePort(raw: string, text: string | undefined): number {
  if (text === undefined) return 443;
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535)
    throw new InputError(`target "${raw}": port must be 1-65535`);
  return port;
}

// ---- CIDR -------------------------------------------------------------------------------------------------

function v4ToBig(ip: string): bigint {
  return ip.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}
const bigToV4 = (n: bigint): string => [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');

function v6ToBig(ip: string): bigint {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}
function bigToV6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (RFC 5952 style, enough for display and connecting).
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

function expandCidr(raw: string, address: string, bitsText: string, portText: string | undefined): ScanTarget[] {
  const family = isIP(address);
  const width = family === 6 ? 128 : 32;
  const bits = Number(bitsText);
  if (!family || !/^\d{1,3}$/.test(bitsText) || bits > width)
    throw new InputError(`target "${raw}" is not a valid CIDR range`, 'write it as 10.0.5.0/24 or fd00::/120');
  const size = 2n ** BigInt(width - bits);
  const usable = family === 4 && size > 2n ? size - 2n : size;
  if (usable > BigInt(MAX_CIDR_HOSTS)) {
    throw new InputError(
      `target "${raw}" expands to ${usable} addresses, more than the ${MAX_CIDR_HOSTS} one range may hold`,
      `split it into ranges of /${width - Math.log2(MAX_CIDR_HOSTS)} or smaller`,
    );
  }
  const port = parsePort(raw, portText);
  const toBig = family === 4 ? v4ToBig : v6ToBig;
  const toText = family === 4 ? bigToV4 : bigToV6;
  const mask = ((1n << BigInt(width)) - 1n) ^ (size - 1n);
  const start = toBig(address) & mask;
  const first = family === 4 && size > 2n ? start + 1n : start; // skip IPv4 network and broadcast addresses
  return Array.from({ length: Number(usable) }, (_, i) => makeTarget(toText(first + BigInt(i)), port));
}

// ---- one entry ----------------------------------------------------------------------------------------------

export function parseTarget(input: string): ScanTarget[] {
  const raw = input.trim();
  if (!raw) return [];
  let s = raw;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  if (scheme) {
    if (scheme[1]!.toLowerCase() !== 'https')
      throw new InputError(
        `target "${raw}": only https:// is scanned`,
        'Exchange publishes OWA, EWS and autodiscover over HTTPS',
      );
    s = s.slice(scheme[0].length);
    const slash = s.indexOf('/');
    if (slash >= 0) {
      if (s.slice(slash).replace(/\/+$/, '') !== '')
        throw new InputError(
          `target "${raw}" has a path`,
          'give the server only (https://host[:port]); exaudit requests its own paths',
        );
      s = s.slice(0, slash);
    }
  }
  // [v6], [v6]:port, [v6/len]:port
  const bracket = /^\[([0-9a-f:.]+)(?:\/(\d+))?\](?::(\d*))?$/i.exec(s);
  if (bracket) {
    if (isIP(bracket[1]!) !== 6) throw new InputError(`target "${raw}": "${bracket[1]}" is not an IPv6 address`);
    if (bracket[2] !== undefined) return expandCidr(raw, bracket[1]!, bracket[2], bracket[3]);
    return [makeTarget(bracket[1]!, parsePort(raw, bracket[3]))];
  }
  if (isIP(s) === 6) return [makeTarget(s)];
  const v6cidr = /^([0-9a-f:.]+:[0-9a-f:.]*)\/(\d+)$/i.exec(s);
  if (v6cidr) return expandCidr(raw, v6cidr[1]!, v6cidr[2]!, undefined);
  const v4cidr = /^([\d.]+)\/(\d+)(?::(\d*))?$/.exec(s);
  if (v4cidr) return expandCidr(raw, v4cidr[1]!, v4cidr[2]!, v4cidr[3]);
  const hp = /^([^:\s/]+)(?::(\d*))?$/.exec(s);
  if (!hp)
    throw new InputError(`target "${raw}" is not host, host:port, https://host[:port], [IPv6]:port or a CIDR range`);
  const host = hp[1]!.toLowerCase();
  if (/^[\d.]+$/.test(host) && isIP(host) !== 4)
    throw new InputError(`target "${raw}": "${host}" is not a valid IPv4 address`);
  if (!isIP(host) && !HOSTNAME.test(host)) throw new InputError(`target "${raw}": "${host}" is not a valid host name`);
  return [makeTarget(host.replace(/\.$/, ''), parsePort(raw, hp[2]))];
}

/** Reads a targets file (or "-" for stdin): one target per line, # comments and blank lines ignored. */
export function readTargetsFile(file: string): { target: string; line: number }[] {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new InputError(
      `--targets-file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      'give a file with one target per line',
    );
  }
  return text
    .split(/\r?\n/)
    .map((l, i) => ({ target: l.replace(/#.*$/, '').trim(), line: i + 1 }))
    .filter((l) => l.target);
}

/** Expands and de-duplicates (by host:port, case-insensitive) while keeping input order. */
export function expandTargets(inputs: (string | { target: string; line: number; file?: string })[]): ScanTarget[] {
  const seen = new Set<string>();
  const out: ScanTarget[] = [];
  for (const entry of inputs) {
    const text = typeof entry === 'string' ? entry : entry.target;
    let list: ScanTarget[];
    try {
      list = parseTarget(text);
    } catch (err) {
      if (typeof entry !== 'string' && err instanceof InputError)
        throw new InputError(`${entry.file ?? '--targets-file'} line ${entry.line}: ${err.message}`, err.hint);
      throw err;
    }
    for (const t of list) {
      const key = `${t.host.toLowerCase()}|${t.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(t);
      if (out.length > MAX_TARGETS)
        throw new InputError(`more than ${MAX_TARGETS} targets`, 'split the scan into several runs');
    }
  }
  return out;
}
