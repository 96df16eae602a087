/**
 * Lab servers that are not a healthy on-premises Exchange: Exchange Online, plain web servers, a
 * pre-authenticating proxy, spoofed fingerprints, and HTTP-level faults (slow, trickling, nonsense values).
 * Transport-level faults (hang, reset, not TLS) live in server.ts.
 */
import { randomUUID } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { exchangeHandler, type Handler } from './exchange.js';
import { IIS_404, IIS_START, KEMP_LOGON, NGINX_404, NGINX_WELCOME } from './pages.js';
import { netbiosName, type LabServerSpec } from './spec.js';

function sender(res: Parameters<Handler>[1]) {
  return (status: number, headers: OutgoingHttpHeaders, body = '') => {
    res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
}

/** Exchange Online as autodiscover.<domain> shows it (msxfaq exchange_http_header.htm; remote-detection.md §3). */
export function onlineHandler(spec: LabServerSpec): Handler {
  const version = spec.build ?? '15.20.8606.20';
  return (req, res) => {
    const send = sender(res);
    const path = (req.url ?? '/').split('?')[0]!.toLowerCase();
    const exo: OutgoingHttpHeaders = {
      'X-OWA-Version': version,
      'X-FEServer': 'AM0PR02CA0123',
      'X-BeSku': 'WCS7',
      'X-BackEndHttpStatus': '401',
      'X-CalculatedBETarget': 'AM6PR01MB1234.EURPRD01.PROD.OUTLOOK.COM',
      'X-CalculatedFETarget': 'AM0PR02CU001.internal.outlook.com',
      'request-id': randomUUID(),
      'X-Proxy-RoutingCorrectness': '1',
    };
    if (path === '/owa' || path === '/owa/' || path === '/owa/auth/logon.aspx' || path === '/') {
      return send(302, { ...exo, Location: 'https://outlook.office365.com/owa/' });
    }
    if (
      ['/autodiscover/autodiscover.xml', '/ews/exchange.asmx', '/microsoft-server-activesync', '/mapi/nspi/'].includes(
        path,
      )
    ) {
      return send(401, {
        ...exo,
        'WWW-Authenticate': [
          'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
          'Basic Realm=""',
        ],
      });
    }
    return send(404, { ...exo, 'Content-Type': 'text/html' }, 'Not Found');
  };
}

/** A web server that is not Exchange: nginx, or a Windows IIS with only the default site. */
export function notExchangeHandler(spec: LabServerSpec): Handler {
  const iis = spec.flavor === 'iis';
  return (req, res) => {
    const send = sender(res);
    const path = (req.url ?? '/').split('?')[0]!;
    if (iis) {
      const h = { Server: 'Microsoft-IIS/10.0', 'X-Powered-By': 'ASP.NET', 'Content-Type': 'text/html' };
      return path === '/' ? send(200, h, IIS_START) : send(404, h, IIS_404);
    }
    const h = { Server: 'nginx/1.24.0', 'Content-Type': 'text/html' };
    return path === '/' ? send(200, h, NGINX_WELCOME) : send(404, h, NGINX_404);
  };
}

/** KEMP ESP-style pre-authentication: every Exchange path redirects to its own form; Exchange headers never show. */
export function proxyHandler(): Handler {
  return (req, res) => {
    const send = sender(res);
    const url = req.url ?? '/';
    if (url.toLowerCase().startsWith('/lm_auth_proxy'))
      return send(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-cache' }, KEMP_LOGON);
    return send(
      302,
      { Location: '/lm_auth_proxy?LMLogon', 'Content-Type': 'text/html', 'Cache-Control': 'no-cache' },
      '',
    );
  };
}

/**
 * Spoofed fingerprints (remote-detection.md §3):
 * - c2-office365: the Havoc / Cobalt Strike "office365" profile replays EXO headers on /owa/ and nothing else;
 * - honeypot: an OWA honeypot serving /owa/auth/15.1.1466/ (2016) with Server: Microsoft-IIS/7.5 (2008 R2).
 */
export function spoofHandler(spec: LabServerSpec): Handler {
  if (spec.flavor === 'honeypot') {
    return exchangeHandler({
      ...spec,
      kind: 'exchange',
      build: spec.build ?? '15.1.1466.3',
      iis: '7.5',
      owaVersionHeader: false,
      ecp: 'blocked',
    });
  }
  return (req, res) => {
    const send = sender(res);
    const path = (req.url ?? '/').split('?')[0]!.toLowerCase();
    if (path === '/owa' || path === '/owa/') {
      return send(
        200,
        {
          'Content-Type': 'text/html; charset=utf-8',
          Server: 'Microsoft-IIS/10.0',
          'X-OWA-Version': '15.1.1240.20',
          'X-CalculatedBETarget': 'BY2PR06MB549.namprd06.prod.outlook.com',
          'X-FEServer': 'CY4PR02CA0010',
        },
        '<html><body></body></html>',
      );
    }
    return send(404, { 'Content-Type': 'text/html' }, '');
  };
}

/** `slow`: an Exchange that answers every request after `delayMs`. */
export function slowHandler(spec: LabServerSpec): Handler {
  const inner = exchangeHandler(spec);
  return (req, res) => {
    setTimeout(() => {
      if (!req.socket.destroyed) inner(req, res);
    }, spec.delayMs ?? 1500).unref();
  };
}

/** `trickle`: headers at once, then one byte of body every 200 ms until the client gives up or the lab closes. */
export function trickleHandler(): Handler {
  return (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html', 'X-FEServer': 'TRICKLE01', Server: 'Microsoft-IIS/10.0' });
    const timer = setInterval(() => {
      if (res.destroyed) clearInterval(timer);
      else res.write('.');
    }, 200);
    timer.unref();
    req.socket.once('close', () => clearInterval(timer));
  };
}

/** `malformed` values: well-formed HTTP whose versions are nonsense (X-OWA-Version: banana, broken manifest and paths). */
export function nonsenseHandler(spec: LabServerSpec): Handler {
  return (req, res) => {
    const send = sender(res);
    const path = (req.url ?? '/').split('?')[0]!.toLowerCase();
    const h = { Server: 'Microsoft-IIS/10.0', 'X-FEServer': netbiosName(spec.name), 'X-OWA-Version': 'banana' };
    if (path === '/owa/auth/logon.aspx')
      return send(
        200,
        { ...h, 'Content-Type': 'text/html' },
        '<!-- OwaPage = ASP.auth_logon_aspx --><link href="/owa/auth/15.two.x/themes/resources/favicon.ico"><title>Outlook</title>',
      );
    if (path.endsWith('exporttool.application'))
      return send(
        200,
        { ...h, 'Content-Type': 'application/x-ms-application' },
        '<assemblyIdentity name="microsoft.exchange.ediscovery.exporttool" version="15.2" <<<',
      );
    if (path === '/autodiscover/autodiscover.xml' || path === '/ews/exchange.asmx')
      return send(401, { ...h, 'WWW-Authenticate': 'Negotiate' });
    return send(404, h, '');
  };
}

/** `flaky`: drops the first, third, fifth… request without an answer; the others get an ordinary answer. */
export function flakyHandler(spec: LabServerSpec): Handler {
  const inner = exchangeHandler(spec);
  let n = 0;
  return (req, res) => {
    if (n++ % 2 === 0) req.socket.destroy();
    else inner(req, res);
  };
}
