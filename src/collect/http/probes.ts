/**
 * `--probe mitigations`: two opt-in requests whose only property is that an IIS URL-rewrite mitigation
 * matches them, so the answer shows whether the rule is in place (remote-detection.md §1 T8/T10, §4
 * "mitigation-probe" tier). Neither can act on an unprotected server:
 *
 * proxynotshell-uri-rule: GET /autodiscover/autodiscover.json?exaudit-probe=powershell
 *   The EOMTv2 / EEMS M1.1 rule aborts any request whose URL-decoded URI contains "autodiscover" and
 *   "powershell". The ProxyNotShell SSRF needs an "@" or Email= path confusion to reach the PowerShell back
 *   end; this URI has neither, names no mailbox and no back-end path, so an unmitigated server treats it as an
 *   anonymous autodiscover request and answers normally.
 *
 * proxylogon-cookie-rule: GET /owa/auth/logon.aspx with `Cookie: X-AnonResource-Backend=`
 *   EOMT / ExchangeMitigations.ps1 add two rules: `(.*)X-AnonResource-Backend(.*)` on the cookie header, which
 *   matches the cookie *name* alone, and `(.*)X-BEResource=(.+)/(.+)~(.+)`. The probe exercises only the first
 *   one, with an empty value, because anything matching the second pattern is by construction a
 *   host/path~version routing value, i.e. the SSRF shape itself. An empty value names no back end; there is no
 *   X-AnonResource=true cookie (the anonymous resource handler also needs it); and logon.aspx is a page the
 *   front end serves itself, not a static resource (.js/.css/.flt…) that the resource proxy handlers consider.
 *   EOMT installs both rules together, so a block is read as the cookie rules being in place; a server with
 *   only the X-BEResource rule would read as not-blocked.
 *
 * Outcome: blocked = the connection was dropped without an HTTP response, twice, or once per front end seen behind
 * a load balancer (IIS AbortRequest);
 * not-blocked = an ordinary Exchange answer (Exchange headers, or the same status as the passive request to
 * that page); indeterminate = anything else (a 403 without Exchange headers may be a CustomResponse rule or a
 * WAF; a timeout or TLS failure says nothing).
 */
import type { MitigationProbe } from '../../facts/schema.js';
import { USER_AGENT, type Reply, type TargetClient } from './client.js';
import { exchangeSignals, markersOf } from './evidence.js';

export interface ProbeSpec {
  id: 'proxynotshell-uri-rule' | 'proxylogon-cookie-rule';
  path: string;
  /** Headers sent besides Host, User-Agent and Accept. */
  headers: Record<string, string>;
  /** The passive request whose answer a not-blocked reply should resemble. */
  baselinePath?: string;
}

export const MITIGATION_PROBES: readonly ProbeSpec[] = [
  { id: 'proxynotshell-uri-rule', path: '/autodiscover/autodiscover.json?exaudit-probe=powershell', headers: {} },
  {
    id: 'proxylogon-cookie-rule',
    path: '/owa/auth/logon.aspx',
    headers: { cookie: 'X-AnonResource-Backend=' },
    baselinePath: '/owa/auth/logon.aspx',
  },
];

/** Exactly what goes on the wire for a probe (recorded in facts and shown in the README). */
export function describeProbe(p: ProbeSpec, hostHeader?: string, sends = 2): string {
  const extra = Object.entries(p.headers).map(([k, v]) => `${k === 'cookie' ? 'Cookie' : k}: ${v}`);
  return (
    [
      `GET ${p.path} HTTP/1.1`,
      `Host: ${hostHeader ?? '<target>'}`,
      `User-Agent: ${USER_AGENT}`,
      'Accept: */*',
      ...extra,
    ].join(' | ') +
    (sends <= 2
      ? '; no body, no credentials; sent at most twice (once more only after a dropped connection)'
      : `; no body, no credentials; sent at most ${sends} times, once per front end seen (again only after a dropped connection)`)
  );
}

export function probeOutcome(r: Reply, baseline?: Reply): Pick<MitigationProbe, 'outcome' | 'detail'> {
  if (r.status === undefined) {
    if (r.kind === 'reset')
      return {
        outcome: 'blocked',
        detail: `connection dropped without an HTTP response on ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}, as IIS URL Rewrite AbortRequest does`,
      };
    return {
      outcome: 'indeterminate',
      detail: `no answer (${r.error ?? 'unknown error'}); a dropped connection was not observed`,
    };
  }
  const signals = exchangeSignals({
    technique: 'probe',
    method: 'GET',
    path: r.path,
    headers: r.headers,
    markers: markersOf(r.status, r.headers, r.body),
  });
  const fe = r.headers['x-feserver'] ? ` from ${r.headers['x-feserver']}` : '';
  if (
    signals.length ||
    (baseline?.status !== undefined &&
      baseline.status === r.status &&
      exchangeSignals({ technique: 'b', method: 'GET', path: baseline.path, headers: baseline.headers }).length)
  ) {
    return {
      outcome: 'not-blocked',
      detail: `HTTP ${r.status}${fe}: an ordinary Exchange answer (${signals.slice(0, 2).join(', ') || `same status as the passive request`}), so no rule aborted it`,
    };
  }
  return {
    outcome: 'indeterminate',
    detail: `HTTP ${r.status} without Exchange headers: a CustomResponse rule, a WAF or another server may have answered`,
  };
}

/** Most sends of one probe: one per front end seen behind a load balancer, never more than this. */
export const MAX_PROBE_SENDS = 10;

/**
 * Sends each probe on a new connection until it gets an HTTP answer: twice at most for one server, or once per
 * front end seen behind a balancer. A dropped connection carries no X-FEServer, so "blocked" needs as many drops
 * as front ends (with round-robin balancing each new connection reaches the next one); one ordinary answer after
 * drops means the rule is not on every front end.
 */
export async function runMitigationProbes(
  client: TargetClient,
  baselines: Map<string, Reply>,
  hostHeader?: string,
  frontEnds = 1,
): Promise<MitigationProbe[]> {
  const out: MitigationProbe[] = [];
  const sends = Math.max(2, Math.min(frontEnds, MAX_PROBE_SENDS));
  for (const p of MITIGATION_PROBES) {
    let r!: Reply;
    let drops = 0;
    for (let i = 0; i < sends; i++) {
      r = await client.get(p.path, { headers: p.headers, fresh: true, retry: false });
      if (r.status !== undefined || r.kind !== 'reset') break;
      drops++;
    }
    const outcome = probeOutcome(
      r.status === undefined ? { ...r, attempts: drops } : r,
      p.baselinePath ? baselines.get(p.baselinePath) : undefined,
    );
    if (drops && r.status !== undefined)
      outcome.detail += `; ${drops} earlier send${drops === 1 ? ' was' : 's were'} dropped, so the rule is not on every front end behind this name`;
    out.push({
      id: p.id,
      method: 'GET',
      path: p.path,
      sent: describeProbe(p, hostHeader ?? new URL(client.target.base).host, sends),
      ...outcome,
    });
  }
  return out;
}
