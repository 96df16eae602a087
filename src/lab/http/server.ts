/**
 * Fake Exchange HTTPS servers on loopback for tests, `exaudit lab` and `demo`. Each answers like a real server
 * of its family and build (remote-detection.md §6): X-OWA-Version on the 401 of autodiscover/EWS from the July
 * 2021 SU on, the ECP export-tool manifest, the OWA logon page with its versioned resource path, and the
 * URL-rewrite mitigations (a matching request is aborted, as IIS AbortRequest does). Other kinds: Exchange
 * Online, a non-Exchange server, and misbehaving servers (hanging, slow, TLS-broken, malformed).
 */
import { createServer as createHttps, type Server as HttpsServer } from 'node:https';
import { createServer as createTcp, type Server as TcpServer, type Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

export type LabKind = 'exchange' | 'online' | 'nginx' | 'hang' | 'slow' | 'tls-broken' | 'malformed';

export interface LabServerSpec {
  name: string;
  kind?: LabKind;
  /** Exchange build (four-part) for kind exchange. */
  build?: string;
  /** Send X-OWA-Version on 401s (servers from the July 2021 SU on). Default: true. */
  owaVersionHeader?: boolean;
  /** Serve the ECP export-tool manifest. Default: true. */
  ecp?: boolean;
  /** IIS URL-rewrite mitigations in place. */
  mitigations?: { proxylogon?: boolean; proxynotshell?: boolean };
  /** Front-end server names answering in turn (a load-balanced pair); with builds per front end. */
  frontEnds?: { name: string; build: string }[];
  /** Delay in ms before each response (kind slow). */
  delayMs?: number;
}

export interface Tls { key: string; cert: string }

const PROXYLOGON_COOKIE = [/(.*)X-AnonResource-Backend(.*)/i, /(.*)X-BEResource=(.+)\/(.+)~(.+)/i];
const PROXYNOTSHELL_URI = /(?=.*autodiscover)(?=.*powershell)/i;

function cuPath(build: string): string {
  return build.split('.').slice(0, 3).join('.');
}

function manifest(build: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<asmv1:assembly xsi:schemaLocation="urn:schemas-microsoft-com:asm.v1 assembly.adaptive.xsd" manifestVersion="1.0" xmlns:asmv1="urn:schemas-microsoft-com:asm.v1" xmlns="urn:schemas-microsoft-com:asm.v2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <assemblyIdentity name="microsoft.exchange.ediscovery.exporttool.application" version="${build}" publicKeyToken="b1d1a6c45aa418ce" language="neutral" processorArchitecture="msil" xmlns="urn:schemas-microsoft-com:asm.v1" />
  <description asmv2:publisher="Microsoft Corporation" asmv2:product="Microsoft Exchange eDiscovery Export Tool" xmlns="urn:schemas-microsoft-com:asm.v1" xmlns:asmv2="urn:schemas-microsoft-com:asm.v2" />
  <dependency>
    <dependentAssembly dependencyType="install" codebase="microsoft.exchange.ediscovery.exporttool.exe.manifest" size="28041">
      <assemblyIdentity name="microsoft.exchange.ediscovery.exporttool" version="${build}" publicKeyToken="b1d1a6c45aa418ce" language="neutral" processorArchitecture="msil" type="win32" />
    </dependentAssembly>
  </dependency>
</asmv1:assembly>
`;
}

function logonPage(build: string): string {
  const v = cuPath(build);
  return `<!DOCTYPE html>
<!-- Copyright (c) Microsoft Corporation.  All rights reserved. -->
<!-- OwaPage = ASP.auth_logon_aspx -->
<html><head><meta http-equiv="X-UA-Compatible" content="IE=10" /><title>Outlook</title>
<link rel="shortcut icon" href="/owa/auth/${v}/themes/resources/favicon.ico" type="image/x-icon">
<link type="text/css" rel="stylesheet" href="/owa/auth/${v}/themes/resources/logon.css">
</head><body><noscript>To use Outlook, browser settings must allow scripts to run.</noscript>
<form action="/owa/auth.owa" method="POST" name="logonForm"><input id="username" name="username" type="text"></form>
</body></html>
`;
}

/** Handles one request on a fake on-premises Exchange server. */
function exchangeHandler(spec: LabServerSpec) {
  let turn = 0;
  return (req: IncomingMessage, res: ServerResponse) => {
    const fe = spec.frontEnds?.length ? spec.frontEnds[turn++ % spec.frontEnds.length]! : { name: spec.name.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 15), build: spec.build! };
    const url = req.url ?? '/';
    const cookie = String(req.headers.cookie ?? '');
    const decoded = (() => { try { return decodeURIComponent(url); } catch { return url; } })();
    // IIS URL Rewrite AbortRequest: the connection is dropped without a response.
    if (spec.mitigations?.proxynotshell && PROXYNOTSHELL_URI.test(decoded)) { req.socket.destroy(); return; }
    if (spec.mitigations?.proxylogon && PROXYLOGON_COOKIE.some((re) => re.test(cookie))) { req.socket.destroy(); return; }
    const common = { 'Server': 'Microsoft-IIS/10.0', 'X-Powered-By': 'ASP.NET', 'X-FEServer': fe.name, 'request-id': randomUUID() };
    const withVersion = spec.owaVersionHeader !== false ? { 'X-OWA-Version': fe.build } : {};
    const path = url.split('?')[0]!.toLowerCase();
    const unauthorized = () => {
      res.writeHead(401, { ...common, ...withVersion, 'WWW-Authenticate': 'Negotiate', 'Content-Length': '0' });
      res.end();
    };
    if (path === '/autodiscover/autodiscover.xml' || path === '/ews/exchange.asmx' || path.startsWith('/mapi/') || path === '/microsoft-server-activesync') return unauthorized();
    if (path === '/autodiscover/autodiscover.json') {
      res.writeHead(404, { ...common, 'Content-Type': 'text/html' });
      return res.end('<html><body>IIS Web Core</body></html>');
    }
    if (path === '/ecp/current/exporttool/microsoft.exchange.ediscovery.exporttool.application') {
      if (spec.ecp === false) { res.writeHead(404, common); return res.end(); }
      res.writeHead(200, { ...common, 'Content-Type': 'application/x-ms-application' });
      return res.end(manifest(fe.build));
    }
    if (path === '/owa/auth/logon.aspx') {
      res.writeHead(200, { ...common, 'Content-Type': 'text/html; charset=utf-8', 'X-Frame-Options': 'SAMEORIGIN', 'X-AspNet-Version': '4.0.30319' });
      return res.end(logonPage(fe.build));
    }
    if (path.startsWith('/owa/auth/')) { res.writeHead(200, { ...common, 'Content-Type': 'text/css' }); return res.end('/* static */'); }
    if (path === '/owa' || path === '/owa/' || path === '/') {
      res.writeHead(302, { ...common, Location: `https://${req.headers.host}/owa/auth/logon.aspx?url=https%3a%2f%2f${req.headers.host}%2fowa%2f&reason=0` });
      return res.end();
    }
    res.writeHead(404, common);
    res.end();
  };
}

function onlineHandler(req: IncomingMessage, res: ServerResponse): void {
  const h = { 'X-OWA-Version': '15.20.8606.20', 'X-FEServer': 'AM0PR02CA0123', 'X-CalculatedBETarget': 'AM6PR01MB1234.eurprd01.prod.outlook.com', 'X-BeSku': 'WCS7', 'WWW-Authenticate': 'Bearer client_id="00000002-0000-0ff1-ce00-000000000000"' };
  if ((req.url ?? '').toLowerCase().startsWith('/owa/auth/logon.aspx')) { res.writeHead(302, { ...h, Location: 'https://login.microsoftonline.com/' }); return void res.end(); }
  res.writeHead(401, { ...h, 'Content-Length': '0' });
  res.end();
}

function nginxHandler(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(404, { Server: 'nginx/1.24.0', 'Content-Type': 'text/html' });
  res.end('<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx/1.24.0</center></body></html>');
}

export interface RunningLabServer { spec: LabServerSpec; host: string; port: number; url: string; close(): Promise<void> }

/** Starts one fake server on 127.0.0.1 with an ephemeral port. */
export async function startLabServer(spec: LabServerSpec, tls: Tls): Promise<RunningLabServer> {
  const kind = spec.kind ?? 'exchange';
  const sockets = new Set<Socket>();
  let server: HttpsServer | TcpServer;
  if (kind === 'tls-broken') {
    // Accepts TCP and answers with plain text: the TLS handshake fails.
    server = createTcp((s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); s.end('HTTP/1.1 400 Bad Request\r\n\r\nnot tls'); });
  } else {
    const handler = kind === 'exchange' ? exchangeHandler(spec)
      : kind === 'online' ? onlineHandler
      : kind === 'nginx' ? nginxHandler
      : kind === 'hang' ? (() => { /* never answers */ })
      : kind === 'slow' ? ((req: IncomingMessage, res: ServerResponse) => { setTimeout(() => exchangeHandler(spec)(req, res), spec.delayMs ?? 1500).unref(); })
      : ((req: IncomingMessage) => { req.socket.end('HTTP/1.1 200 OK\r\nX-OWA-Version: banana\r\nContent-Length: 5\r\n\r\nhello garbage that is longer than promised'); });
    server = createHttps({ key: tls.key, cert: tls.cert }, handler as never);
    server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    server.on('tlsClientError', () => {});
  }
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const port = (server.address() as { port: number }).port;
  return {
    spec, host: '127.0.0.1', port, url: `https://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
