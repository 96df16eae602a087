/**
 * HTTPS requests to one target with Node's own HTTP client: TLS verified (system roots plus --ca), optional
 * Host/SNI override, per-request timeout, the target's deadline, one retry after a reset, no redirects followed,
 * bodies capped. Every reply, good or failed, comes back as data (status, kept headers, body, or a classified
 * error), so collectors never throw on a bad server.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, rootCertificates, TLSSocket, type SecureContext } from 'node:tls';
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
  /** Shared by every target of a scan: the connections (one scan agent; a target alone gets its own). */
  agent?: ScanAgent;
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
    ctx = createSecureContext();
    // The default context holds Node's root store, parsed once per process in C++; adding the CA to it (the native
    // context copies the store first) costs about 1 ms, where passing every root's PEM again costs 15 to 25 ms.
    const native = (ctx as SecureContext & { context?: { addCACert?(pem: string): void } }).context;
    if (typeof native?.addCACert === 'function') native.addCACert(ca);
    else ctx = createSecureContext({ ca: [...rootCertificates, ca] });
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

const failure = (message: string, props: { code?: string; name?: string }): Error =>
  Object.assign(new Error(message), props);

/** How one target's connections are made, and what they cost: its TLS session, certificate and counters. */
interface TargetLink {
  target: ScanTarget;
  servername?: string;
  session?: Buffer;
  certificate?: TlsInfo;
  cost: TargetCost;
  sockets: Set<TLSSocket>;
}

/**
 * The connections of a whole scan: Node's HTTPS agent, keep-alive, at most one connection per target (its
 * requests are sequential), shared by every target. It opens each connection itself: the trust store is built
 * once per scan, the first connection's certificate is kept as evidence and its TLS session resumed by the later
 * ones (the load-balancer samples then cost no certificate), and each connection is timed and counted.
 *
 * Node's client rather than undici: in a short-lived scan process its native parser costs about a fifth less CPU
 * (bench/scan), and undici's Agent, once a connection closed after a response (a load-balancer sample), closed
 * the target's next connection too, so every request paid a new handshake (the symptom of nodejs/undici#5022).
 */
export class ScanAgent extends HttpsAgent {
  private readonly links = new Map<string, TargetLink>();
  private readonly secureContext?: SecureContext;

  constructor(private readonly o: Pick<ClientOptions, 'ca' | 'insecure' | 'hostHeader' | 'requestTimeoutMs'>) {
    super({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, scheduling: 'lifo' } satisfies AgentOptions);
    if (o.ca) this.secureContext = trustContext(o.ca);
  }

  /** Starts serving a target; `release` ends its connections. */
  link(target: ScanTarget): TargetLink {
    const link: TargetLink = {
      target,
      servername: this.o.hostHeader ?? (isIP(target.host) ? undefined : target.host),
      cost: noCost(),
      sockets: new Set(),
    };
    this.links.set(`${target.host}|${target.port}`, link);
    return link;
  }

  /** Closes the target's connections politely (TLS close_notify, FIN), then forgets it. */
  release(link: TargetLink): void {
    this.links.delete(`${link.target.host}|${link.target.port}`);
    for (const s of link.sockets) {
      s.end();
      setTimeout(() => s.destroy(), 1000).unref();
    }
    link.sockets.clear();
  }

  override createConnection(options: { host?: string; port?: number | string }): Socket {
    const link = this.links.get(`${options.host}|${options.port}`);
    if (!link) throw failure(`no scan target ${options.host}:${options.port}`, { code: 'ERR_SCAN_AGENT' });
    const { cost } = link;
    const started = performance.now();
    let tcpAt = started;
    const session = link.session;
    const socket = tlsConnect({
      host: link.target.host,
      port: link.target.port,
      ...(link.servername ? { servername: link.servername } : {}),
      ...(this.secureContext ? { secureContext: this.secureContext } : {}),
      rejectUnauthorized: !this.o.insecure,
      ALPNProtocols: ['http/1.1'],
      ...(session && !SET_SESSION ? { session } : {}),
    }) as TLSSocket & { setSession?(s: Buffer): void };
    if (session && SET_SESSION) socket.setSession!(session);
    socket.setNoDelay(true);
    cost.connections++;
    link.sockets.add(socket);
    const ms = this.o.requestTimeoutMs;
    const timer = setTimeout(
      () => socket.destroy(failure(`connect timeout (${ms} ms)`, { code: 'CONNECT_TIMEOUT' })),
      ms,
    );
    socket.once('connect', () => {
      tcpAt = performance.now();
      cost.connectMs += tcpAt - started;
    });
    // The first ticket serves every later connection of this target: serializing each new one costs CPU.
    if (!session)
      socket.on('session', (s: Buffer) => {
        link.session ??= s;
      });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      cost.handshakes++;
      if (socket.isSessionReused()) cost.resumed++;
      cost.tlsMs += performance.now() - tcpAt;
      link.certificate ??= certificateInfo(socket, !!this.o.insecure);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      link.sockets.delete(socket);
    });
    return socket;
  }
}

interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  truncated: boolean;
}

/**
 * One target's HTTP client: its requests go one after another over one keep-alive connection of the scan's agent.
 * `fresh` requests ask the server to close the connection after the answer (load-balancer sampling: the next
 * request lands on a new connection).
 */
export class TargetClient {
  private readonly agent: ScanAgent;
  private readonly ownAgent: boolean;
  private readonly link: TargetLink;

  constructor(
    readonly target: ScanTarget,
    private readonly opts: ClientOptions,
    private readonly deadline: AbortSignal,
  ) {
    this.ownAgent = !opts.agent;
    this.agent = opts.agent ?? new ScanAgent(opts);
    this.link = this.agent.link(target);
  }

  /** The certificate of the first connection this client opened (the evidence; no extra handshake needed). */
  get certificate(): TlsInfo | undefined {
    return this.link.certificate;
  }

  /** What this target cost so far. */
  get cost(): TargetCost {
    return this.link.cost;
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
      try {
        const r = await this.send(path, {
          ...this.baseHeaders(),
          ...o.headers,
          ...(o.fresh ? { connection: 'close' } : {}),
        });
        return {
          method: 'GET',
          path,
          status: r.status,
          headers: keptHeaders(r.headers),
          body: r.body,
          ...(r.truncated ? { truncated: true } : {}),
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
      }
    }
    return this.failed(path, started, attempts, last);
  }

  /**
   * One request: resolves with the answer (the body capped at MAX_BODY), rejects with what went wrong. Its own
   * timer covers connecting, waiting and a body that trickles forever; the target's deadline ends it too.
   */
  private send(path: string, headers: Record<string, string>): Promise<RawReply> {
    const { cost } = this.link;
    const sent = performance.now();
    const connecting = cost.connectMs + cost.tlsMs;
    cost.requests++;
    return new Promise<RawReply>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | undefined, reply?: RawReply) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.deadline.removeEventListener('abort', onDeadline);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(reply!);
      };
      const ms = this.opts.requestTimeoutMs;
      const timer = setTimeout(() => finish(failure(`no answer within ${ms} ms`, { name: 'TimeoutError' })), ms);
      const onDeadline = () => finish(this.deadline.reason as Error);
      this.deadline.addEventListener('abort', onDeadline, { once: true });
      const req = httpsRequest(
        { agent: this.agent, host: this.target.host, port: this.target.port, method: 'GET', path, headers },
        (res: IncomingMessage) => {
          cost.waitMs += performance.now() - sent - (cost.connectMs + cost.tlsMs - connecting);
          const chunks: Buffer[] = [];
          let size = 0;
          const done = (truncated: boolean) =>
            finish(undefined, {
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: chunks.length ? Buffer.concat(chunks).toString('utf8') : '',
              truncated,
            });
          res.on('data', (c: Buffer) => {
            if (settled) return;
            if (size + c.length > MAX_BODY) {
              chunks.push(c.subarray(0, MAX_BODY - size));
              done(true);
              res.destroy(); // the rest is not read: this connection is not reused
              return;
            }
            chunks.push(c);
            size += c.length;
          });
          res.once('end', () => done(false));
          res.once('error', (err) => finish(err));
          res.once('close', () => {
            if (!res.complete) finish(failure('other side closed before the response ended', { code: 'ECONNRESET' }));
          });
        },
      );
      req.once('error', (err) => finish(err));
      req.end();
    });
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

  /** Ends this target's connections (and the agent, when it was the target's own). */
  async close(): Promise<void> {
    this.agent.release(this.link);
    if (this.ownAgent) this.agent.destroy();
  }
}
