/**
 * HTTPS requests to one target with undici: TLS verified (system roots plus --ca), optional Host/SNI override,
 * per-request timeout, the target's deadline, one retry after a reset, no redirects followed, bodies capped.
 * Every reply, good or failed, comes back as data (status, kept headers, body, or a classified error), so
 * collectors never throw on a bad server.
 */
import { connect as tlsConnect, createSecureContext, rootCertificates, TLSSocket, type SecureContext } from 'node:tls';
import { isIP, type Socket } from 'node:net';
import { Client, type buildConnector } from 'undici';
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
  /** Shared by every target of a scan: `--rate`. */
  pacer?: RequestPacer;
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

/** What one target cost on the wire, as this client saw it (the bench prints it per target). */
export interface TargetCost {
  /** TCP connections opened. */
  connections: number;
  /** TLS handshakes completed, and how many resumed the target's earlier session (no certificate sent). */
  handshakes: number;
  resumed: number;
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Milliseconds spent on TCP connects, on TLS handshakes, and from sending a request to its response headers. */
  connectMs: number;
  tlsMs: number;
  waitMs: number;
}

export const noCost = (): TargetCost => ({
  connections: 0,
  handshakes: 0,
  resumed: 0,
  requests: 0,
  connectMs: 0,
  tlsMs: 0,
  waitMs: 0,
});

/** Spaces requests out (a fleet-wide `--rate`): resolves when this request may start. */
export interface RequestPacer {
  take(signal?: AbortSignal): Promise<void>;
}

/**
 * TLSSocket#setSession (undocumented, in Node since 0.11): tls.connect({ session }) decodes the session twice (in
 * the socket's constructor and again in connect), about 0.3 ms of CPU per resumed connection on the bench machine.
 */
const SET_SESSION = typeof (TLSSocket.prototype as { setSession?: unknown }).setSession === 'function';

function connectTimeout(ms: number): Error {
  return Object.assign(new Error(`connect timeout (${ms} ms)`), { code: 'UND_ERR_CONNECT_TIMEOUT' });
}

/**
 * One target's HTTP client: a single keep-alive connection at a time (one undici Client, no pool: the requests
 * are sequential), resuming the TLS session of its first connection, so the sampling connections cost no
 * certificate. `fresh` requests close their connection after the answer (load-balancer sampling: the next
 * request lands on a new connection). Everything that does not depend on the target (the trust store, the pacer)
 * is built once per scan and passed in.
 *
 * Not undici's Agent: once a connection closes after a response (our `reset`, or a server's Connection: close), its
 * per-origin bookkeeping lets that connection's events close the next client too, so every later request of the
 * target paid a new connection and handshake (6.3 instead of 3 per target on the bench fleet; the same symptom as
 * nodejs/undici#5022, open as of undici 7.30).
 */
export class TargetClient {
  private readonly client: Client;
  private session?: Buffer;

  /** The certificate of the first connection this client opened (the evidence; no extra handshake needed). */
  certificate?: TlsInfo;
  readonly cost: TargetCost = noCost();

  constructor(
    readonly target: ScanTarget,
    private readonly opts: ClientOptions,
    private readonly deadline: AbortSignal,
  ) {
    const servername = opts.hostHeader ?? (isIP(target.host) ? undefined : target.host);
    const secureContext = opts.ca ? trustContext(opts.ca) : undefined;
    const connect = (_o: unknown, cb: (err: Error | null, socket: Socket | null) => void): Socket => {
      const started = performance.now();
      let tcpAt = started;
      let settled = false;
      const session = this.session;
      const socket = tlsConnect({
        host: target.host,
        port: target.port,
        ...(servername ? { servername } : {}),
        ...(secureContext ? { secureContext } : {}),
        rejectUnauthorized: !opts.insecure,
        ALPNProtocols: ['http/1.1'],
        ...(session && !SET_SESSION ? { session } : {}),
      }) as TLSSocket & { setSession?(s: Buffer): void };
      if (session && SET_SESSION) socket.setSession!(session);
      socket.setNoDelay(true);
      this.cost.connections++;
      const settle = (err: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        cb(err, err ? null : socket);
      };
      const timer = setTimeout(() => socket.destroy(connectTimeout(opts.requestTimeoutMs)), opts.requestTimeoutMs);
      socket.once('connect', () => {
        tcpAt = performance.now();
        this.cost.connectMs += tcpAt - started;
      });
      // The first ticket serves every later connection of this target: serializing each new one costs CPU.
      if (!session)
        socket.on('session', (s: Buffer) => {
          this.session ??= s;
        });
      socket.once('secureConnect', () => {
        this.cost.handshakes++;
        if (socket.isSessionReused()) this.cost.resumed++;
        this.cost.tlsMs += performance.now() - tcpAt;
        this.certificate ??= certificateInfo(socket, !!opts.insecure);
        settle(null);
      });
      socket.once('error', (err) => settle(err));
      return socket;
    };
    this.client = new Client(target.base, {
      connect: connect as unknown as buildConnector.connector,
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
      if (this.opts.pacer) {
        await this.opts.pacer.take(this.deadline);
        if (this.deadline.aborted) return this.failed(path, started, attempt - 1, classify(this.deadline.reason));
      }
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
      const sent = performance.now();
      const connecting = this.cost.connectMs + this.cost.tlsMs;
      this.cost.requests++;
      try {
        const res = await this.client.request({
          path,
          method: 'GET',
          headers: { ...this.baseHeaders(), ...o.headers },
          headersTimeout: this.opts.requestTimeoutMs,
          bodyTimeout: this.opts.requestTimeoutMs,
          signal: abort.signal,
          ...(o.fresh ? { reset: true } : {}),
        });
        this.cost.waitMs += performance.now() - sent - (this.cost.connectMs + this.cost.tlsMs - connecting);
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

  /** Closes the connection gracefully (no error objects for an idle keep-alive socket); destroys it if that stalls. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<'stalled'>((resolve) => {
      timer = setTimeout(() => resolve('stalled'), 1000);
    });
    const outcome = await Promise.race([
      this.client.close().then(
        () => 'closed' as const,
        () => 'stalled' as const,
      ),
      stalled,
    ]);
    clearTimeout(timer);
    if (outcome === 'stalled')
      await this.client.destroy().catch(() => {
        /* already gone */
      });
  }
}
