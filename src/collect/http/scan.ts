/**
 * Passive HTTPS collector (DESIGN.md §5, remote-detection.md). Sends only what a browser or mail client sends
 * without credentials, in order of precision:
 *   1. X-OWA-Version on the 401 of /autodiscover/autodiscover.xml and /EWS/Exchange.asmx (exact, July 2021 SU on)
 *   2. the ECP export-tool ClickOnce manifest (exact)
 *   3. the OWA logon page's versioned resource path (CU level only: never exact)
 * and records every observation with its evidence. It never judges: checks do.
 */
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { Agent, request } from 'undici';
import type { BuildObservation, Facts, HttpObservation, MitigationProbe } from '../../facts/schema.js';
import { errorMessage } from '../../util/errors.js';
import { compareBuilds, parseBuild, productOfBuild } from '../../util/version.js';
import type { CollectedTarget } from '../../engine/run.js';
import { TOOL_VERSION } from '../../util/tool.js';
import type { ScanTarget } from './targets.js';

export interface ScanOptions {
  ca?: string;
  insecure?: boolean;
  hostHeader?: string;
  requestTimeoutMs: number;
  targetTimeoutMs: number;
  probeMitigations?: boolean;
  /** How many times to sample the version endpoint to see several front ends behind one name. */
  samples?: number;
}

const PATHS = {
  autodiscover: '/autodiscover/autodiscover.xml',
  ews: '/EWS/Exchange.asmx',
  exporttool: '/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application',
  logon: '/owa/auth/logon.aspx',
} as const;

const KEPT_HEADERS = ['x-owa-version', 'x-feserver', 'x-calculatedbetarget', 'x-besku', 'server', 'www-authenticate', 'location', 'x-aspnet-version'];

interface Reply { status?: number; headers: Record<string, string>; body: string; error?: string; durationMs: number; aborted?: boolean }

function pickHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEPT_HEADERS) {
    const v = h[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

async function get(agent: Agent, base: string, path: string, opts: ScanOptions, headers: Record<string, string> = {}): Promise<Reply> {
  const started = Date.now();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const res = await request(base + path, {
        method: 'GET', dispatcher: agent, headersTimeout: opts.requestTimeoutMs, bodyTimeout: opts.requestTimeoutMs,
        headers: { 'user-agent': `exaudit/${TOOL_VERSION} (passive)`, ...(opts.hostHeader ? { host: opts.hostHeader } : {}), ...headers },
        maxRedirections: 0,
      } as never);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of res.body) {
        size += (c as Buffer).length;
        if (size <= 256 * 1024) chunks.push(c as Buffer); // enough for any logon page or manifest
      }
      return { status: res.statusCode, headers: pickHeaders(res.headers), body: Buffer.concat(chunks).toString('utf8'), durationMs: Date.now() - started };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      const reset = /ECONNRESET|UND_ERR_SOCKET|other side closed/i.test(`${code} ${(err as Error).message}`);
      if (reset && attempt === 0) continue; // one retry on a reset
      return { headers: {}, body: '', error: errorMessage(err), durationMs: Date.now() - started, aborted: reset };
    }
  }
  return { headers: {}, body: '', error: 'unreachable', durationMs: Date.now() - started };
}

/** TLS facts from a separate handshake: subject, SANs, validity, fingerprint, and whether it verified. */
function tlsFacts(t: ScanTarget, opts: ScanOptions): Promise<NonNullable<Facts['http']>['tls'] & { fatal?: string }> {
  return new Promise((resolve) => {
    const sock = tlsConnect({ host: t.host, port: t.port, servername: opts.hostHeader ?? (isIp(t.host) ? undefined : t.host), ca: opts.ca, rejectUnauthorized: false, timeout: opts.requestTimeoutMs } as never);
    const done = (v: Parameters<typeof resolve>[0]) => { sock.destroy(); resolve(v); };
    sock.once('secureConnect', () => {
      const c = sock.getPeerCertificate() as PeerCertificate;
      done({
        verified: sock.authorized || !!opts.insecure,
        ...(opts.insecure ? { insecure: true } : {}),
        subject: String(c.subject?.CN ?? ''), issuer: String(c.issuer?.CN ?? ''),
        altNames: c.subjectaltname ? c.subjectaltname.split(', ').map((s) => s.replace(/^(DNS|IP Address):/, '')) : [],
        validTo: c.valid_to, fingerprint256: c.fingerprint256,
        ...(sock.authorized ? {} : { error: String(sock.authorizationError) }),
        ...(!sock.authorized && !opts.insecure ? { fatal: `TLS certificate not trusted (${String(sock.authorizationError)}); pass --ca FILE to trust it, or --insecure` } : {}),
      });
    });
    sock.once('timeout', () => done({ verified: false, error: 'TLS handshake timed out', fatal: 'TLS handshake timed out' }));
    sock.once('error', (err) => done({ verified: false, error: errorMessage(err), fatal: `TLS handshake failed: ${errorMessage(err)}` }));
  });
}

const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');

/** Reads the export-tool version from the ClickOnce manifest (the exporttool assembly, not the loader). */
export function manifestVersion(body: string): string | undefined {
  const m = /name="microsoft\.exchange\.ediscovery\.exporttool"[^>]*?version="([\d.]+)"/i.exec(body)
    ?? /version="([\d.]+)"[^>]*?name="microsoft\.exchange\.ediscovery\.exporttool"/i.exec(body);
  return m && parseBuild(m[1]!)?.parts.length === 4 ? parseBuild(m[1]!)!.text : undefined;
}

/** Three-part build from the OWA page's resource path (/owa/auth/15.2.1544/themes/...). */
export function owaPathVersion(body: string): string | undefined {
  const m = /\/owa\/(?:auth\/)?(15\.\d{1,2}\.\d{1,5})\//i.exec(body);
  return m ? parseBuild(m[1]!)?.text : undefined;
}

async function probeMitigations(agent: Agent, base: string, opts: ScanOptions): Promise<MitigationProbe[]> {
  // Benign requests whose only property is that a URL-rewrite mitigation matches them. No SSRF shape
  // (no "@", no Email=, no backend path), no payload, no credentials.
  const pns = { method: 'GET', path: '/autodiscover/autodiscover.json?exaudit=powershell-rule-probe', sent: 'GET with a query string containing "autodiscover" and "powershell" and nothing else' };
  const pl = { method: 'GET', path: '/owa/auth/logon.aspx', sent: 'GET of the OWA logon page with Cookie "X-AnonResource-Backend=exaudit-probe"; the value names no host, so an unprotected server ignores it' };
  const out: MitigationProbe[] = [];
  for (const [id, p, headers] of [['proxynotshell-uri-rule', pns, {}], ['proxylogon-cookie-rule', pl, { cookie: 'X-AnonResource-Backend=exaudit-probe' }]] as const) {
    const r = await get(agent, base, p.path, { ...opts }, headers);
    const exchangeReply = r.status !== undefined && (r.headers['x-feserver'] !== undefined || r.headers['x-owa-version'] !== undefined || r.status === 404 || r.status === 200);
    const outcome = r.aborted || (r.error && !r.status) ? 'blocked' : exchangeReply ? 'not-blocked' : 'indeterminate';
    out.push({
      id, method: p.method, path: p.path, sent: p.sent, outcome,
      detail: outcome === 'blocked' ? `connection dropped without an HTTP response (${r.error ?? 'aborted'}), as IIS AbortRequest does` : r.status !== undefined ? `HTTP ${r.status}${r.headers['x-feserver'] ? ` from ${r.headers['x-feserver']}` : ''}` : r.error ?? 'no answer',
    });
  }
  return out;
}

function observation(technique: string, path: string, r: Reply, extra: Partial<HttpObservation> = {}): HttpObservation {
  return { technique, method: 'GET', path, ...(r.status !== undefined ? { status: r.status } : {}), headers: r.headers, durationMs: r.durationMs, ...(r.error ? { error: r.error } : {}), ...extra };
}

/** Collects facts for one target. Failures become a CollectedTarget failure with a one-line reason. */
export async function scanTarget(t: ScanTarget, opts: ScanOptions): Promise<CollectedTarget> {
  const startedAt = new Date().toISOString();
  const agent = new Agent({ connect: { ca: opts.ca, rejectUnauthorized: !opts.insecure, servername: opts.hostHeader ?? (isIp(t.host) ? undefined : t.host), timeout: opts.requestTimeoutMs }, connections: 2, pipelining: 0 });
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = collect(t, opts, agent, startedAt);
    const deadline = new Promise<CollectedTarget>((resolve) => {
      timer = setTimeout(() => resolve({ target: t.name, failure: { status: 'error', error: `no complete answer within ${opts.targetTimeoutMs} ms (per-target timeout; raise --timeout)` } }), opts.targetTimeoutMs);
    });
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    await agent.destroy().catch(() => {});
  }
}

async function collect(t: ScanTarget, opts: ScanOptions, agent: Agent, startedAt: string): Promise<CollectedTarget> {
  const tls = await tlsFacts(t, opts);
  if (tls.fatal) {
    return { target: t.name, failure: { status: /timed out|ECONNREFUSED|EHOSTUNREACH|ENOTFOUND/.test(tls.fatal) ? 'unreachable' : 'error', error: tls.fatal } };
  }
  const { fatal: _f, ...tlsInfo } = tls;
  const observations: HttpObservation[] = [];
  const builds: BuildObservation[] = [];
  const samples = Math.max(1, opts.samples ?? 3);
  let exo = false;
  for (const [technique, path] of [['x-owa-version-401', PATHS.autodiscover], ['x-owa-version-401', PATHS.ews]] as const) {
    const reps = path === PATHS.autodiscover ? samples : 1;
    for (let i = 0; i < reps; i++) {
      const r = await get(agent, t.base, path, opts);
      const v = r.headers['x-owa-version'];
      const parsed = v ? parseBuild(v) : undefined;
      if (parsed && /^15\.20\./.test(parsed.text)) exo = true;
      const build = parsed?.parts.length === 4 && !exo ? parsed.text : undefined;
      observations.push(observation(technique, path, r, { ...(build ? { build, precision: 'exact' as const } : {}), ...(r.headers['x-feserver'] ? { frontEnd: r.headers['x-feserver'] } : {}) }));
      if (build) builds.push({ build, precision: 'exact', source: `X-OWA-Version header on ${r.status} ${path}`, evidence: `X-OWA-Version: ${v}`, ...(r.headers['x-feserver'] ? { frontEnd: r.headers['x-feserver'] } : {}) });
      if (r.error && !r.status && observations.every((o) => o.error)) {
        // Connected (TLS worked) but no answer in time is an error of that server, not unreachability.
        return { target: t.name, failure: { status: /TIMEOUT/i.test(r.error) ? 'error' : 'unreachable', error: `${path}: ${r.error}` } };
      }
    }
  }
  if (/calculatedbetarget/.test(JSON.stringify(observations)) && observations.some((o) => /outlook\.com$/i.test(o.headers?.['x-calculatedbetarget'] ?? ''))) exo = true;
  const mf = await get(agent, t.base, PATHS.exporttool, opts);
  const mv = mf.status === 200 ? manifestVersion(mf.body) : undefined;
  observations.push(observation('ecp-exporttool-manifest', PATHS.exporttool, mf, mv ? { build: mv, precision: 'exact' } : {}));
  if (mv && !exo) builds.push({ build: mv, precision: 'exact', source: 'ECP export-tool manifest version', evidence: `assemblyIdentity version="${mv}"`, ...(mf.headers['x-feserver'] ? { frontEnd: mf.headers['x-feserver'] } : {}) });
  const lg = await get(agent, t.base, PATHS.logon, opts);
  const pv = lg.status === 200 ? owaPathVersion(lg.body) : undefined;
  const owaMarkers = /OwaPage = ASP\.auth_logon_aspx|To use Outlook, browser settings must allow scripts to run/i.test(lg.body);
  observations.push(observation('owa-resource-path', PATHS.logon, lg, pv ? { build: pv, precision: 'cu' } : {}));
  if (pv && !exo) builds.push({ build: pv, precision: 'cu', source: 'OWA logon page resource path', evidence: `/owa/auth/${pv}/themes/…`, ...(lg.headers['x-feserver'] ? { frontEnd: lg.headers['x-feserver'] } : {}) });

  const exchange = judge(builds, exo, owaMarkers || observations.some((o) => o.headers?.['x-feserver']));
  const http: NonNullable<Facts['http']> = { baseUrl: t.base, ...(opts.hostHeader ? { hostHeader: opts.hostHeader } : {}), tls: tlsInfo, observations };
  if (opts.probeMitigations && !exchange.online && !exchange.notExchange) http.mitigationProbes = await probeMitigations(agent, t.base, opts);
  const facts: Facts = {
    schemaVersion: '1',
    target: { name: t.name, address: t.host, port: t.port, transport: 'http' },
    collectedAt: startedAt,
    collectors: [{ name: 'http', version: TOOL_VERSION, startedAt, finishedAt: new Date().toISOString() }],
    exchange,
    http,
  };
  return { target: t.name, facts };
}

/** Chooses the build to judge: exact over CU level; several front ends → the lowest; inconsistent → flagged. */
export function judge(builds: BuildObservation[], exo: boolean, looksLikeExchange: boolean): NonNullable<Facts['exchange']> {
  if (exo) return { precision: 'none', source: 'X-OWA-Version 15.20.x / Exchange Online headers', online: true, observations: builds };
  if (!builds.length) {
    return looksLikeExchange
      ? { precision: 'none', source: 'Exchange markers without a version (behind a proxy or hardened)', observations: [] }
      : { precision: 'none', source: 'no Exchange endpoint answered', notExchange: 'no Exchange response on autodiscover, EWS, ECP or OWA', observations: [] };
  }
  const exact = builds.filter((b) => b.precision === 'exact');
  const cu = builds.filter((b) => b.precision === 'cu');
  const pool = exact.length ? exact : cu;
  const lowest = pool.reduce((a, b) => (compareBuilds(a.build, b.build) <= 0 ? a : b));
  // Spoofing/consistency: an exact build must share its CU with the OWA path when both exist.
  const prefixes = new Set(exact.map((b) => b.build.split('.').slice(0, 3).join('.')));
  const inconsistent = cu.length > 0 && exact.length > 0 && !cu.some((c) => prefixes.has(c.build));
  return {
    product: productOfBuild(lowest.build),
    build: lowest.build,
    precision: inconsistent ? 'cu' : lowest.precision,
    source: inconsistent ? `inconsistent fingerprint: ${lowest.source} says ${lowest.build} but the OWA path says ${cu[0]!.build}; judged at CU level` : lowest.source,
    observations: builds,
  };
}
