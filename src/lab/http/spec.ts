/**
 * What a lab server is: its kind, build and behaviour switches, and the per-family facts the fake servers
 * follow (remote-detection.md §6). Kept free of I/O so tests and `demo` can reason about a fleet.
 */

export type LabKind =
  /** On-premises Exchange 2013, 2016, 2019 or SE by `build`; 14.x builds behave like Exchange 2010. */
  | 'exchange'
  /** Exchange Online (autodiscover.<domain> CNAMEd to Microsoft): X-OWA-Version 15.20.x and EXO headers. */
  | 'online'
  /** A web server that is not Exchange (`flavor` nginx or a plain IIS). */
  | 'not-exchange'
  /** A pre-authenticating reverse proxy (KEMP ESP style) in front of Exchange: no version evidence at all. */
  | 'proxy'
  /** Fake Exchange fingerprints (`flavor` c2-office365: a C2 malleable profile; honeypot: an OWA honeypot). */
  | 'spoof'
  /** Accepts TLS, never answers HTTP. */
  | 'hang'
  /** Accepts TCP, never completes the TLS handshake. */
  | 'tls-hang'
  /** Speaks plain text on the TLS port: the handshake fails. */
  | 'tls-broken'
  /** Answers like `exchange`, each response after `delayMs`. */
  | 'slow'
  /** Sends headers, then the body one byte at a time, forever. */
  | 'trickle'
  /** `flavor` protocol: a response that is not HTTP; values: valid HTTP with nonsense versions. */
  | 'malformed'
  /** Accepts TLS and drops every request without an answer. */
  | 'reset'
  /** Answers like `exchange`, but drops every other request (the first, third, …): a retry always gets through. */
  | 'flaky';

/** How a URL-rewrite mitigation answers a matching request: AbortRequest drops the connection; custom-403 answers 403. */
export type MitigationMode = 'abort' | 'custom-403';

export interface FrontEnd {
  name: string;
  build: string;
  /** This front end's URL-rewrite rules, instead of the spec's (a rule rolled out to some servers only). */
  mitigations?: LabServerSpec['mitigations'];
}

export interface LabServerSpec {
  name: string;
  kind?: LabKind;
  /** Four-part build (exchange kinds); for `online`, the X-OWA-Version it sends. */
  build?: string;
  /** Send X-OWA-Version on the 401s. Default: whether the build is at or after the July 2021 SU for its CU. */
  owaVersionHeader?: boolean;
  /** OWA resource folder the logon page links (default: the build's first three parts). A stale cache or a spoof. */
  owaPathBuild?: string;
  /** `blocked`: /ecp answers 403 and the export-tool manifest 404, as when ECP is not published. */
  ecp?: 'open' | 'blocked';
  /** IIS version in the Server header (default by family: 2010 7.5, 2013 8.5, 2016+ 10.0). */
  iis?: string;
  /** IIS URL-rewrite mitigations in place (true = abort). */
  mitigations?: { proxylogon?: MitigationMode | boolean; proxynotshell?: MitigationMode | boolean };
  /** A load-balanced name: each new connection lands on the next front end, which answers with its build. */
  frontEnds?: FrontEnd[];
  /** Which certificate: signed by the lab CA for 127.0.0.1 (default), for mail.lab.test only, expired, or foreign. */
  cert?: 'lab' | 'name-only' | 'expired' | 'foreign';
  /** `slow`: delay before each response. */
  delayMs?: number;
  /** not-exchange: nginx | iis; spoof: c2-office365 | honeypot; malformed: protocol | values. */
  flavor?: string;
  /** Extra listening ports on the same loopback address with the same behaviour (many targets, few servers). */
  aliases?: number;
  /** Loopback address to listen on (default 127.0.0.1); ::1 for IPv6 targets. */
  listen?: '127.0.0.1' | '::1';
}

/** The July 2021 SU build per CU (first SU with X-OWA-Version on 401s; certat/msxfaq). Later CUs all send it. */
export const JUL21_SU: Record<string, number> = {
  '15.0.1497': 23, // 2013 CU23
  '15.1.2242': 12, // 2016 CU20
  '15.1.2308': 14, // 2016 CU21
  '15.2.858': 15, // 2019 CU9
  '15.2.922': 13, // 2019 CU10
};
/** Last CU per family that received the July 2021 SU; any later CU shipped with the header. */
const JUL21_LAST_CU: Record<string, number> = { '15.0': 1497, '15.1': 2308, '15.2': 922 };

export function sendsOwaVersion(build: string): boolean {
  const [maj, min, cu, su] = build.split('.').map(Number);
  if (maj !== 15) return false;
  const last = JUL21_LAST_CU[`${maj}.${min}`];
  if (last === undefined || cu === undefined) return false;
  if (cu > last) return true;
  const fixed = JUL21_SU[`${maj}.${min}.${cu}`];
  return fixed !== undefined && (su ?? 0) >= fixed;
}

export function iisFor(build: string): string {
  const [maj, min] = build.split('.').map(Number);
  if (maj !== 15) return '7.5';
  return min === 0 ? '8.5' : '10.0';
}

export const cuOf = (build: string): string => build.split('.').slice(0, 3).join('.');

/** Front-end NetBIOS-style name from a server name (X-FEServer). */
export const netbiosName = (name: string): string =>
  name
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 15) || 'EXCH01';
