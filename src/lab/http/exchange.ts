/**
 * The fake on-premises Exchange front end (remote-detection.md §6): 401s on the authenticated virtual
 * directories (with X-OWA-Version from the July 2021 SU on), the OWA logon page with its versioned resource
 * folder, the ECP export-tool manifest, redirects, and the URL-rewrite mitigations, which drop a matching
 * request the way IIS AbortRequest does (or answer 403 for a CustomResponse rule). 14.x builds answer like
 * Exchange 2010: X-OWA-Version on OWA itself, a four-part /owa/<build>/ folder, no export tool.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { exportToolManifest, FAVICON, IIS_404, logonPage } from './pages.js';
import {
  cuOf,
  iisFor,
  netbiosName,
  sendsOwaVersion,
  type FrontEnd,
  type LabServerSpec,
  type MitigationMode,
} from './spec.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The EOMT cookie rules and the EOMTv2 / EEMS M1.1 URI rule, as IIS URL Rewrite evaluates them (ignoreCase). */
export const PROXYLOGON_COOKIE_PATTERNS = [/(.*)X-AnonResource-Backend(.*)/i, /(.*)X-BEResource=(.+)\/(.+)~(.+)/i];
export const PROXYNOTSHELL_URI_PATTERN = /(?=.*autodiscover)(?=.*powershell)/i;

const AUTH_401_PATHS = new Set([
  '/autodiscover/autodiscover.xml',
  '/ews/exchange.asmx',
  '/ews/',
  '/mapi/nspi/',
  '/mapi/emsmdb/',
  '/microsoft-server-activesync',
  '/powershell/',
  '/api/v2.0/',
  '/oab/',
  '/rpc/rpcproxy.dll',
]);
const MANIFEST = '/exporttool/microsoft.exchange.ediscovery.exporttool.application';
/** Address in the Location of an HTTP/1.0 request without Host (the internal-IP leak nuclei reports). */
const INTERNAL_IP = '10.0.5.21';

const mode = (m: MitigationMode | boolean | undefined): MitigationMode | undefined =>
  m === true ? 'abort' : m || undefined;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Returns how the rewrite rules treat the request: undefined (no rule matched) or the rule's action. */
export function mitigationAction(
  spec: Pick<LabServerSpec, 'mitigations'>,
  req: IncomingMessage,
): MitigationMode | undefined {
  const pns = mode(spec.mitigations?.proxynotshell);
  if (pns && PROXYNOTSHELL_URI_PATTERN.test(safeDecode(req.url ?? '/'))) return pns;
  const pl = mode(spec.mitigations?.proxylogon);
  const cookie = String(req.headers.cookie ?? '');
  if (pl && PROXYLOGON_COOKIE_PATTERNS.some((re) => re.test(cookie))) return pl;
  return undefined;
}

export function applyMitigation(action: MitigationMode, req: IncomingMessage, res: ServerResponse): void {
  if (action === 'abort') {
    req.socket.destroy();
    return;
  } // AbortRequest: no HTTP response at all
  res.writeHead(403, { 'Content-Type': 'text/html', 'Content-Length': '14' });
  res.end('403 Forbidden\n');
}

/** Which front end serves a connection: a load-balanced name moves to the next one for every new connection. */
function frontEndPicker(spec: LabServerSpec): (socket: Socket) => FrontEnd {
  const fixed: FrontEnd = { name: netbiosName(spec.name), build: spec.build ?? '15.2.1544.14' };
  const list = spec.frontEnds?.length ? spec.frontEnds : [fixed];
  const bySocket = new WeakMap<Socket, FrontEnd>();
  let next = 0;
  return (socket) => {
    let fe = bySocket.get(socket);
    if (!fe) {
      fe = list[next++ % list.length]!;
      bySocket.set(socket, fe);
    }
    return fe;
  };
}

export function exchangeHandler(spec: LabServerSpec): Handler {
  const pick = frontEndPicker(spec);
  return (req, res) => {
    const fe = pick(req.socket);
    const action = mitigationAction({ mitigations: fe.mitigations ?? spec.mitigations }, req);
    if (action) return applyMitigation(action, req, res);
    const legacy = fe.build.startsWith('14.') || fe.build.startsWith('8.');
    const host = req.headers.host ?? INTERNAL_IP;
    const [rawPath = '/', query = ''] = (req.url ?? '/').split('?');
    const path = rawPath.toLowerCase();
    const owaFolder = spec.owaPathBuild ?? (legacy ? fe.build : cuOf(fe.build));
    const version = spec.owaVersionHeader ?? sendsOwaVersion(fe.build);
    const base: OutgoingHttpHeaders = {
      Server: `Microsoft-IIS/${spec.iis ?? iisFor(fe.build)}`,
      'X-Powered-By': 'ASP.NET',
      'X-FEServer': fe.name,
      'request-id': randomUUID(),
    };
    const send = (status: number, headers: OutgoingHttpHeaders, body: string | Buffer = '') => {
      const buf = typeof body === 'string' ? Buffer.from(body) : body;
      res.writeHead(status, { ...base, ...headers, 'Content-Length': String(buf.length) });
      res.end(req.method === 'HEAD' ? undefined : buf);
    };
    const logonRedirect = (from: string) =>
      send(
        302,
        {
          Location: `https://${host}/owa/auth/logon.aspx?url=https%3a%2f%2f${host}%2f${from}%2f&reason=0`,
          'Content-Type': 'text/html; charset=utf-8',
          ...(legacy ? { 'X-OWA-Version': fe.build } : {}),
        },
        `<html><head><title>Object moved</title></head><body>\r\n<h2>Object moved to <a href="/owa/auth/logon.aspx">here</a>.</h2>\r\n</body></html>\r\n`,
      );

    if (AUTH_401_PATHS.has(path) || path.startsWith('/mapi/') || path.startsWith('/api/')) {
      if (
        legacy &&
        ![
          '/autodiscover/autodiscover.xml',
          '/ews/exchange.asmx',
          '/microsoft-server-activesync',
          '/rpc/rpcproxy.dll',
          '/oab/',
        ].includes(path)
      )
        return send(404, { 'Content-Type': 'text/html' }, IIS_404);
      return send(401, {
        'WWW-Authenticate': ['Negotiate', 'NTLM', `Basic realm="${host}"`],
        ...(version && !legacy ? { 'X-OWA-Version': fe.build } : {}),
      });
    }
    if (path === '/autodiscover/autodiscover.json' || path.startsWith('/autodiscover/autodiscover.json/')) {
      if (legacy) return send(404, { 'Content-Type': 'text/html' }, IIS_404);
      // Anonymous autodiscover v2 without a mailbox: an Exchange-answered 404 (assumption; see remote-detection.md §6).
      return send(
        404,
        { 'Content-Type': 'application/json; charset=utf-8' },
        '{"ErrorCode":"InvalidRequest","ErrorMessage":"No email address in the request."}',
      );
    }
    if (path === '/')
      return send(302, { Location: `https://${host}/owa/`, 'Content-Type': 'text/html; charset=UTF-8' }, '');
    if (path === '/owa' || path === '/owa/') return logonRedirect('owa');
    if (path === '/owa/auth/logon.aspx') {
      return send(
        200,
        {
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'no-cache, no-store',
          Expires: '-1',
          Pragma: 'no-cache',
          'X-Frame-Options': 'SAMEORIGIN',
          'X-AspNet-Version': '4.0.30319',
          ...(legacy ? { 'X-OWA-Version': fe.build } : {}),
        },
        logonPage(owaFolder, { ecp: /ecp/i.test(safeDecode(query)), legacy }),
      );
    }
    const resource = legacy ? /^\/owa\/([\d.]+)\//.exec(path) : /^\/owa\/auth\/([\d.]+)\//.exec(path);
    if (resource) {
      if (resource[1] !== owaFolder) return send(404, { 'Content-Type': 'text/html' }, IIS_404);
      if (path.endsWith('.ico'))
        return send(200, { 'Content-Type': 'image/x-icon', 'Cache-Control': 'public, max-age=31536000' }, FAVICON);
      return send(
        200,
        {
          'Content-Type': path.endsWith('.css') ? 'text/css' : 'application/javascript',
          'Cache-Control': 'public, max-age=31536000',
        },
        '/* static */\n',
      );
    }
    if (path === '/ecp' || path === '/ecp/' || path.startsWith('/ecp/')) {
      if (legacy) return send(404, { 'Content-Type': 'text/html' }, IIS_404);
      if (spec.ecp === 'blocked') {
        // ECP not published: the publishing rule answers without any Exchange header.
        res.writeHead(path.endsWith(MANIFEST) ? 404 : 403, {
          'Content-Type': 'text/html',
          Server: 'Microsoft-IIS/10.0',
        });
        return res.end(path.endsWith(MANIFEST) ? IIS_404 : '403 - Forbidden: Access is denied.');
      }
      if (path === '/ecp' || path === '/ecp/') return logonRedirect('ecp');
      const m = /^\/ecp\/([^/]+)(\/exporttool\/microsoft\.exchange\.ediscovery\.exporttool\.application)$/.exec(path);
      if (m && (m[1] === 'current' || m[1] === fe.build)) {
        return send(
          200,
          { 'Content-Type': 'application/x-ms-application', 'Cache-Control': 'private' },
          exportToolManifest(fe.build),
        );
      }
      return send(404, { 'Content-Type': 'text/html' }, IIS_404);
    }
    return send(404, { 'Content-Type': 'text/html' }, IIS_404);
  };
}
