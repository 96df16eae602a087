/**
 * Starts one fake server on 127.0.0.1 or ::1 (ephemeral port, never another address) with the behaviour its spec
 * names, plus optional alias ports that feed the same server. Every socket is tracked so close() leaves
 * nothing behind, including hanging and trickling connections.
 */
import { createServer as createHttps, type Server as HttpsServer } from 'node:https';
import { createServer as createTcp, type Server as TcpServer, type Socket } from 'node:net';
import { exchangeHandler, type Handler } from './exchange.js';
import {
  flakyHandler,
  nonsenseHandler,
  notExchangeHandler,
  onlineHandler,
  proxyHandler,
  slowHandler,
  spoofHandler,
  trickleHandler,
} from './others.js';
import type { LabPki } from './cert.js';
import type { LabServerSpec } from './spec.js';

/** A request as the lab server received it (what exaudit actually sent). */
export interface ReceivedRequest {
  method: string;
  url: string;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
  /** The listening port it arrived on (the main port or an alias: one target each). */
  port: number;
  /** When it arrived, in milliseconds since the epoch (performance.timeOrigin + now(), so threads agree). */
  at: number;
}

/** What one listening port (one scan target) cost the server: for measuring what a scan sends. */
export interface PortCost {
  /** TCP connections accepted. */
  connections: number;
  /** TLS handshakes completed, and how many of them resumed an earlier session (no certificate, no signature). */
  handshakes: number;
  resumed: number;
  /** HTTP requests received. */
  requests: number;
}

export interface RunningLabServer {
  name: string;
  spec: LabServerSpec;
  /** 127.0.0.1, or ::1 for a spec with `listen: '::1'`. */
  host: '127.0.0.1' | '::1';
  /** Main port. */
  port: number;
  /** Main port first, then the alias ports. */
  ports: number[];
  url: string;
  /** The last requests received (at most 2,000), for tests that check exactly what a scan sent. */
  requests: ReceivedRequest[];
  /** Connections, handshakes and requests per listening port since start (or the last resetCost()). */
  cost: Map<number, PortCost>;
  resetCost(): void;
  close(): Promise<void>;
}

const MAX_LOGGED = 2000;

function handlerFor(spec: LabServerSpec): Handler | undefined {
  switch (spec.kind ?? 'exchange') {
    case 'exchange':
      return exchangeHandler(spec);
    case 'online':
      return onlineHandler(spec);
    case 'not-exchange':
      return notExchangeHandler(spec);
    case 'proxy':
      return proxyHandler();
    case 'spoof':
      return spoofHandler(spec);
    case 'slow':
      return slowHandler(spec);
    case 'trickle':
      return trickleHandler();
    case 'flaky':
      return flakyHandler(spec);
    case 'malformed':
      return spec.flavor === 'values' ? nonsenseHandler(spec) : undefined;
    default:
      return undefined;
  }
}

/** Raw-socket behaviour for kinds below HTTP: not TLS at all, or TLS then nothing / a reset / a non-HTTP reply. */
function rawBehaviour(spec: LabServerSpec): ((s: Socket) => void) | undefined {
  switch (spec.kind) {
    case 'tls-broken':
      return (s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 7\r\n\r\nnot tls');
    case 'tls-hang':
      return () => {
        /* accept TCP, never start the handshake */
      };
    default:
      return undefined;
  }
}

function certFor(spec: LabServerSpec, pki: LabPki) {
  switch (spec.cert ?? 'lab') {
    case 'name-only':
      return pki.nameOnly;
    case 'expired':
      return pki.expired;
    case 'foreign':
      return pki.foreign;
    default:
      return pki.leaf;
  }
}

function listen(server: TcpServer | HttpsServer, host: '127.0.0.1' | '::1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

export async function startLabServer(spec: LabServerSpec, pki: LabPki): Promise<RunningLabServer> {
  const host = spec.listen ?? '127.0.0.1'; // loopback only, never another address
  const sockets = new Set<Socket>();
  const cost = new Map<number, PortCost>();
  const costOf = (port: number | undefined): PortCost => {
    let c = cost.get(port ?? 0);
    if (!c) cost.set(port ?? 0, (c = { connections: 0, handshakes: 0, resumed: 0, requests: 0 }));
    return c;
  };
  const track = (s: Socket) => {
    costOf(s.localPort).connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {
      /* clients may reset */
    });
  };
  const raw = rawBehaviour(spec);
  const requests: ReceivedRequest[] = [];
  let main: TcpServer | HttpsServer;
  if (raw) {
    main = createTcp((s) => {
      track(s);
      raw(s);
    });
  } else {
    const { key, cert } = certFor(spec, pki);
    const handler = handlerFor(spec);
    const https = createHttps({ key, cert, keepAliveTimeout: 5000 }, (req, res) => {
      if (requests.length >= MAX_LOGGED) requests.shift();
      const port = req.socket.localPort ?? 0;
      costOf(port).requests++;
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        httpVersion: req.httpVersion,
        headers: { ...req.headers },
        port,
        at: performance.timeOrigin + performance.now(),
      });
      if (handler) return handler(req, res);
      if (spec.kind === 'reset') return void req.socket.destroy();
      if (spec.kind === 'malformed')
        return void req.socket.end('HTTP/1.1 2OO OK\r\nX-OWA-Version 15.2.1544.14\r\n\r\n'); // not HTTP
      /* hang: never answer */
    });
    https.on('connection', track);
    https.on('secureConnection', (tls) => {
      const c = costOf(tls.localPort);
      c.handshakes++;
      if (tls.isSessionReused()) c.resumed++;
    });
    https.on('tlsClientError', () => {
      /* scanners probing TLS settings */
    });
    main = https;
  }
  const port = await listen(main, host);
  // Alias ports: extra listeners handing their sockets to the main server (one behaviour, many targets).
  const aliases: TcpServer[] = [];
  const ports = [port];
  try {
    for (let i = 0; i < (spec.aliases ?? 0); i++) {
      const alias = createTcp((s) => {
        main.emit('connection', s);
      });
      ports.push(await listen(alias, host));
      aliases.push(alias);
    }
  } catch (err) {
    await Promise.all([...aliases, main].map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
    throw err;
  }
  return {
    name: spec.name,
    spec,
    host,
    port,
    ports,
    url: `https://${host === '::1' ? '[::1]' : host}:${port}`,
    requests,
    cost,
    resetCost: () => {
      cost.clear();
      requests.length = 0;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([main, ...aliases].map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
    },
  };
}
