/**
 * HTTPS requests to one target with undici: TLS verified (system roots plus --ca), optional Host/SNI override,
 * per-request timeout, the target's deadline, one retry after a reset, no redirects followed, bodies capped.
 * Every reply, good or failed, comes back as data (status, kept headers, body, or a classified error), so
 * collectors never throw on a bad server.
 */
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { isIP } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import type { TLSSocket } from 'node:tls';
import { certificateInfo, type TlsInfo } from './certinfo.js';
import { TOOL_VERSION } from '../../util/tool.js';
import type { ScanTarget } from './targets.js';

export interface ClientOptions {
  /** Extra trusted CA certificates (PEM), added to the system roots. */
  ca?: string;
  insecure?: boolean;
  /** Host header and TLS SNI, for servers reached by address. */
  hostHeader?: string;
  requestTimeoutMs: number;
}

/** Why a request got no (complete) HTTP answer. */
export type FailureKind =
  'refused' | 'dns' | 'unreachable' | 'timeout' | 'reset' | 'tls' | 'malformed' | 'deadline' | 'other';

export interface Reply {
  method: 'GET';
  path: string;
  status?: number;
  /** Response headers exaudit reads (lower-case names). */
  headers: Record<string, string>;
  body: string;
  truncated?: boolean;
  error?: string;
  kind?: FailureKind;
  durationMs: number;
  attempts: number;
}

export const USER_AGENT = `exaudit/${TOOL_VERSION} (passive Exchange scan; +https://github.com/exaudit)`;
const MAX_BODY = 512 * 1024; // a logon page is ~58 KB, a manifest ~16 KB

/** Headers kept as evidence: version, topology, authentication, redirects, server software. */
export const KEPT_HEADERS = [
  'x-owa-version',
  'x-feserver',
  'x-beserver',
  'x-calculatedbetarget',
  'x-calculatedfetarget',
  'x-besku',
  'x-backendhttpstatus',
  'x-diaginfo',
  'x-owa-error',
  'x-proxy-routingcorrectness',
  'request-id',
  'server',
  'x-powered-by',
  'x-aspnet-version',
  'www-authenticate',
  'location',
  'content-type',
];

export function keptHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEPT_HEADERS) {
    const v = h[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

const contexts = new Map<string, SecureContext>();
/**
 * The system roots plus --ca, built once per CA text: a context with ~150 roots costs tens of milliseconds,
 * far more than a loopback request, so it must not be rebuilt for every connection of every target.
 */
export function trustContext(ca: string): SecureContext {
  let ctx = contexts.get(ca);
  if (!ctx) {
    ctx = createSecureContext({ ca: [...rootCertificates, ca] });
    contexts.set(ca, ctx);
  }
  return ctx;
}

/** Thrown into in-flight requests when the per-target deadline passes. */
export class DeadlineError extends Error {
  constructor(ms: number) {
    super(`per-target timeout of ${ms} ms reached`);
    this.name = 'DeadlineError';
  }
}

export function classify(err: unknown): { kind: FailureKind; message: string } {
  const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const msg = (e.message || String(err)).split('\n')[0]!;
  const text = code && !msg.includes(code) ? `${msg} (${code})` : msg;
  if (e instanceof DeadlineError || e.name === 'DeadlineError') return { kind: 'deadline', message: msg };
  if (e.name === 'TimeoutError' || /HEADERS_TIMEOUT|BODY_TIMEOUT/.test(String(code)))
    return { kind: 'timeout', message: 'no answer within the request timeout' };
  if (code === 'ECONNREFUSED') return { kind: 'refused', message: 'connection refused' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME')
    return { kind: 'dns', message: `name does not resolve (${code})` };
  if (/CONNECT_TIMEOUT|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN/.test(code))
    return { kind: 'unreachable', message: text };
  if (/ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED/.test(code) || /other side closed|socket hang up/i.test(msg))
    return { kind: 'reset', message: `connection closed without an HTTP response (${code || 'reset'})` };
  if (/^HPE_|RES_CONTENT_LENGTH_MISMATCH|HEADERS_OVERFLOW/.test(code) || e.name === 'HTTPParserError')
    return { kind: 'malformed', message: `not a valid HTTP response: ${text}` };
  if (/CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO|ALTNAME/i.test(code)) return { kind: 'tls', message: `TLS: ${text}` };
  return { kind: 'other', message: text };
}

/** One target's connection pool. Requests are sequential; `fresh` ones open a new connection (load-balancer sampling). */
export class TargetClient {
  private readonly agent: Agent;

  /** The certificate of the first connection this client opened (the evidence; no extra handshake needed). */
  certificate?: TlsInfo;

  constructor(
    readonly target: ScanTarget,
    private readonly opts: ClientOptions,
    private readonly deadline: AbortSignal,
  ) {
    const servername = opts.hostHeader ?? (isIP(target.host) ? undefined : target.host);
    const connector = buildConnector({
      ...(opts.ca ? { secureContext: trustContext(opts.ca) } : {}),
      rejectUnauthorized: !opts.insecure,
      ...(servername ? { servername } : {}),
      timeout: opts.requestTimeoutMs,
    } as buildConnector.BuildOptions);
    this.agent = new Agent({
      connect: (o, cb) =>
        connector(o, (err, socket) => {
          if (!err && socket && !this.certificate)
            this.certificate = certificateInfo(socket as TLSSocket, !!opts.insecure);
          cb(err as Error, socket as never);
        }),
      connections: 2,
      pipelining: 1,
      keepAliveTimeout: 4_000,
    });
  }

  /** Request headers sent besides Host: the same on every passive request. */
  baseHeaders(): Record<string, string> {
    return { 'user-agent': USER_AGENT, accept: '*/*', ...(this.opts.hostHeader ? { host: this.opts.hostHeader } : {}) };
  }

  async get(
    path: string,
    o: { headers?: Record<string, string>; fresh?: boolean; retry?: boolean } = {},
  ): Promise<Reply> {
    const started = performance.now();
    let last: { kind: FailureKind; message: string } = { kind: 'other', message: 'not sent' };
    const tries = o.retry === false ? 1 : 2;
    let attempts = 0;
    for (let attempt = 1; attempt <= tries; attempt++) {
      attempts = attempt;
      if (this.deadline.aborted) return this.failed(path, started, attempt - 1, classify(this.deadline.reason));
      // The request's own timer and the target's deadline, held strongly for the whole request: Node 20's
      // AbortSignal.any() may let a pending AbortSignal.timeout() be garbage-collected, and then it never fires
      // (a trickling server then held a target until its deadline).
      const abort = new AbortController();
      const timer = setTimeout(
        () => abort.abort(new DOMException(`no answer within ${this.opts.requestTimeoutMs} ms`, 'TimeoutError')),
        this.opts.requestTimeoutMs,
      );
      const onDeadline = () => abort.abort(this.deadline.reason);
      this.deadline.addEventListener('abort', onDeadline, { once: true });
      try {
        const res = await request(this.target.base + path, {
          method: 'GET',
          dispatcher: this.agent,
          headers: { ...this.baseHeaders(), ...o.headers },
          headersTimeout: this.opts.requestTimeoutMs,
          bodyTimeout: this.opts.requestTimeoutMs,
          signal: abort.signal,
          ...(o.fresh ? { reset: true } : {}),
        });
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        for await (const chunk of res.body) {
          const c = chunk as Buffer;
          if (size + c.length > MAX_BODY) {
            chunks.push(c.subarray(0, MAX_BODY - size));
            truncated = true;
            res.body.destroy();
            break;
          }
          chunks.push(c);
          size += c.length;
        }
        return {
          method: 'GET',
          path,
          status: res.statusCode,
          headers: keptHeaders(res.headers),
          body: Buffer.concat(chunks).toString('utf8'),
          ...(truncated ? { truncated } : {}),
          durationMs: Math.round(performance.now() - started),
          attempts: attempt,
        };
      } catch (err) {
        last = classify(this.deadline.aborted ? this.deadline.reason : err);
        if (last.kind === 'timeout')
          last = {
            kind: 'timeout',
            message: `no answer within the request timeout of ${this.opts.requestTimeoutMs} ms`,
          };
        if (last.kind !== 'reset') break; // only a reset is retried, once
      } finally {
        clearTimeout(timer);
        this.deadline.removeEventListener('abort', onDeadline);
      }
    }
    return this.failed(path, started, attempts, last);
  }

  private failed(path: string, started: number, attempts: number, f: { kind: FailureKind; message: string }): Reply {
    return {
      method: 'GET',
      path,
      headers: {},
      body: '',
      error: f.message,
      kind: f.kind,
      durationMs: Math.round(performance.now() - started),
      attempts,
    };
  }

  /** Closes the pool gracefully (no error objects for idle keep-alive sockets); destroys it if that stalls. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<'stalled'>((resolve) => {
      timer = setTimeout(() => resolve('stalled'), 1000);
    });
    const outcome = await Promise.race([
      this.agent.close().then(
        () => 'closed' as const,
        () => 'stalled' as const,
      ),
      stalled,
    ]);
    clearTimeout(timer);
    if (outcome === 'stalled')
      await this.agent.destroy().catch(() => {
        /* already gone */
      });
  }
}
