/**
 * Scan targets: host, host:port, https://host[:port][/], [v6]:port, and IPv4 CIDR ranges (capped, so a typo
 * like /8 cannot start a million requests).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../util/errors.js';

export interface ScanTarget { name: string; host: string; port: number; base: string }

export const MAX_CIDR_HOSTS = 4096;

function ipv4ToInt(ip: string): number | undefined {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!;
}
const intToIpv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

function one(host: string, port: number): ScanTarget {
  const h = host.includes(':') ? `[${host}]` : host;
  return { name: port === 443 ? host : `${host}:${port}`, host, port, base: `https://${h}:${port}` };
}

export function parseTarget(input: string): ScanTarget[] {
  const raw = input.trim();
  if (!raw) return [];
  let s = raw.replace(/^https:\/\//i, '').replace(/\/+$/, '');
  if (/^[a-z]+:\/\//i.test(s)) throw new InputError(`target "${raw}": only https:// targets are scanned`, 'Exchange publishes OWA and EWS over HTTPS');
  let port = 443;
  const v6 = /^\[([0-9a-f:]+)\](?::(\d+))?$/i.exec(s);
  if (v6) return [one(v6[1]!, v6[2] ? Number(v6[2]) : 443)];
  const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})(?::(\d+))?$/.exec(s);
  if (cidr) {
    const base = ipv4ToInt(cidr[1]!);
    const bits = Number(cidr[2]);
    if (base === undefined || bits > 32) throw new InputError(`target "${raw}": not a valid IPv4 CIDR range`);
    const size = 2 ** (32 - bits);
    if (size > MAX_CIDR_HOSTS) throw new InputError(`target "${raw}": ${size} addresses is more than the ${MAX_CIDR_HOSTS} a range may expand to`, 'split it into smaller ranges');
    const start = (base & (bits === 0 ? 0 : (~0 << (32 - bits)))) >>> 0;
    const p = cidr[3] ? Number(cidr[3]) : 443;
    const hosts = size <= 2 ? [start] : Array.from({ length: size - 2 }, (_, i) => start + 1 + i); // skip network and broadcast
    return hosts.map((n) => one(intToIpv4(n), p));
  }
  const hp = /^([^\s/:]+)(?::(\d+))?$/.exec(s);
  if (!hp) throw new InputError(`target "${raw}" is not host, host:port, https://host[:port] or a CIDR range`);
  if (hp[2]) port = Number(hp[2]);
  if (!(port >= 1 && port <= 65535)) throw new InputError(`target "${raw}": port must be 1-65535`);
  s = hp[1]!;
  return [one(s, port)];
}

export function readTargetsFile(file: string): string[] {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (err) { throw new InputError(`--targets-file ${file}: ${(err as Error).message}`); }
  return text.split(/\r?\n/).map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
}

export function expandTargets(inputs: string[]): ScanTarget[] {
  const seen = new Set<string>();
  return inputs.flatMap(parseTarget).filter((t) => (seen.has(t.base) ? false : (seen.add(t.base), true)));
}
