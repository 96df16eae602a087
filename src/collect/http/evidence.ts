/**
 * Reading evidence out of one HTTP reply: versions (X-OWA-Version, the export-tool manifest, the OWA resource
 * folder) and markers (Exchange, Exchange Online, pre-auth proxies). Pure functions of text, so every
 * technique is tested without a server. Precision is decided here once: a three-part folder is CU level, never exact.
 */
import type { HttpObservation, Precision, Product } from '../../facts/schema.js';

export interface VersionRead {
  build: string;
  precision: Precision;
  /** The raw text the version was read from. */
  evidence: string;
}

const norm = (parts: string[]): string => parts.map((p) => String(Number.parseInt(p, 10))).join('.');

/** Exchange Online builds are 15.20.x and above; never an on-premises build. */
export function isOnlineBuild(build: string): boolean {
  const [maj, min] = build.split('.').map(Number);
  return maj === 15 && (min ?? 0) >= 20;
}

/** X-OWA-Version: four parts (zero padding allowed) is exact; anything else is not a build. */
export function headerVersion(value: string | undefined): VersionRead | { invalid: string } | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d{1,2})\.(\d{1,2})\.(\d{1,5})\.(\d{1,5})\s*$/.exec(value);
  if (!m) return { invalid: value.slice(0, 64) };
  const build = norm(m.slice(1, 5));
  // 2007/2010 send it on OWA; their SUs are not told apart reliably, so they are judged at update-rollup level.
  const legacy = Number(m[1]) < 15;
  return { build, precision: legacy ? 'cu' : 'exact', evidence: `X-OWA-Version: ${value.trim()}` };
}

/**
 * The export tool's version from its ClickOnce manifest: the `microsoft.exchange.ediscovery.exporttool`
 * assembly (metasploit's form), else the deployment identity. Four parts only.
 */
export function manifestVersion(body: string): VersionRead | undefined {
  const tags = body.match(/<assemblyIdentity\b[^>]*>/gi) ?? [];
  const attr = (tag: string, n: string) => new RegExp(`\\b${n}="([^"]*)"`, 'i').exec(tag)?.[1];
  const pick =
    tags.find((t) => attr(t, 'name')?.toLowerCase() === 'microsoft.exchange.ediscovery.exporttool') ??
    tags.find((t) => attr(t, 'name')?.toLowerCase() === 'microsoft.exchange.ediscovery.exporttool.application');
  const v = pick ? attr(pick, 'version') : undefined;
  const m = v ? /^(\d{1,2})\.(\d{1,2})\.(\d{1,5})\.(\d{1,5})$/.exec(v) : null;
  if (!m || Number(m[1]) !== 15) return undefined;
  return { build: norm(m.slice(1, 5)), precision: 'exact', evidence: pick!.replace(/\s+/g, ' ').slice(0, 200) };
}

/**
 * The OWA resource folder from a logon page: /owa/auth/<M.m.b>/ on 2013+ (three parts: CU level only),
 * /owa/<M.m.b.r>/ on 2007/2010 (update-rollup level; interim updates do not show).
 */
export function owaPathVersion(body: string): VersionRead | undefined {
  const modern = /["'(]\/owa\/auth\/(\d{2})\.(\d{1,2})\.(\d{1,5})\/[^"')]*/i.exec(body);
  if (modern) return { build: norm(modern.slice(1, 4)), precision: 'cu', evidence: modern[0].slice(1) };
  const legacy = /["'(]\/owa\/(\d{1,2})\.(\d{1,2})\.(\d{1,5})\.(\d{1,5})\/themes\/[^"')]*/i.exec(body);
  if (legacy && Number(legacy[1]) < 15)
    return { build: norm(legacy.slice(1, 5)), precision: 'cu', evidence: legacy[0].slice(1) };
  return undefined;
}

/** Markers found in a reply's body and headers (T7 product fingerprints, EXO, proxies). */
export function markersOf(status: number | undefined, headers: Record<string, string>, body: string): string[] {
  const m: string[] = [];
  const loc = headers['location'] ?? '';
  if (/OwaPage = ASP\.auth_logon_aspx/i.test(body)) m.push('owa-logon-page');
  if (/To use Outlook, browser settings must allow scripts to run|function IsOwaPremiumBrowser/i.test(body))
    m.push('owa-script-notice');
  if (/Exchange Admin Center/i.test(body)) m.push('exchange-admin-center');
  if (
    /<title>\s*(Outlook|Outlook Web App|Microsoft Exchange - Outlook Web Access|Exchange Log In)\s*<\/title>/i.test(
      body,
    )
  )
    m.push('owa-title');
  if (/\/owa\/auth\/logon\.aspx/i.test(loc)) m.push('owa-logon-redirect');
  if (/\/owa\/auth\/errorfe\.aspx/i.test(loc)) m.push('owa-error-redirect');
  if (/microsoft\.exchange\.ediscovery\.exporttool/i.test(body)) m.push('ecp-exporttool-manifest');
  if (/outlook\.office365\.com|outlook\.office\.com|login\.microsoftonline\.com/i.test(loc)) m.push('exo-redirect');
  if (/lm_auth_proxy/i.test(loc) || /lm_auth_proxy\?LMLogon/i.test(body)) m.push('proxy-kemp-esp');
  if (/\/my\.policy/i.test(loc) || /\/my\.policy/i.test(body)) m.push('proxy-f5-apm');
  if (/\/vpn\/index\.html|\/logon\/LogonPoint\//i.test(loc + body)) m.push('proxy-netscaler');
  if (status === 401 && /\b(Negotiate|NTLM)\b/.test(headers['www-authenticate'] ?? '')) m.push('windows-auth-401');
  return m;
}

/** Headers only Exchange Online sends (routing to *.prod.outlook.com, the back-end SKU). */
export function onlineHeaders(headers: Record<string, string>): string | undefined {
  const be = headers['x-calculatedbetarget'] ?? '';
  if (/\.outlook\.com$/i.test(be.trim())) return `X-CalculatedBETarget: ${be}`;
  if (/\.outlook\.com$/i.test((headers['x-calculatedfetarget'] ?? '').trim()))
    return `X-CalculatedFETarget: ${headers['x-calculatedfetarget']}`;
  if (headers['x-besku']) return `X-BeSku: ${headers['x-besku']}`;
  return undefined;
}

export const EXCHANGE_HEADERS = [
  'x-feserver',
  'x-owa-version',
  'x-beserver',
  'x-calculatedbetarget',
  'x-diaginfo',
  'x-owa-error',
] as const;
const BODY_MARKERS = new Set([
  'owa-logon-page',
  'owa-script-notice',
  'owa-logon-redirect',
  'owa-error-redirect',
  'ecp-exporttool-manifest',
  'exchange-admin-center',
]);
export const PROXY_MARKERS: Record<string, string> = {
  'proxy-kemp-esp': 'KEMP LoadMaster ESP pre-authentication',
  'proxy-f5-apm': 'F5 BIG-IP APM pre-authentication',
  'proxy-netscaler': 'Citrix NetScaler Gateway pre-authentication',
};

/** What in this observation says "Exchange" (headers or body markers); empty if nothing. */
export function exchangeSignals(o: HttpObservation & { markers?: string[] }): string[] {
  const h = EXCHANGE_HEADERS.filter((k) => o.headers?.[k] !== undefined).map((k) => `${k} header`);
  return [...h, ...(o.markers ?? []).filter((m) => BODY_MARKERS.has(m))];
}

/** IIS version from Server: Microsoft-IIS/x.y (undefined when another server or a proxy answered). */
export function iisVersion(headers: Record<string, string> | undefined): number | undefined {
  const m = /Microsoft-IIS\/(\d+(?:\.\d+)?)/i.exec(headers?.['server'] ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Oldest IIS each family installs on: 2013 on 2008 R2 (7.5), 2016 on 2012 (8.0), 2019 and SE on 2019 (10.0). */
export const MIN_IIS: Record<Product, number> = { '2013': 7.5, '2016': 8, '2019': 10, SE: 10 };
