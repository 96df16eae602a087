/**
 * A separate TLS handshake that explains why a target gave no HTTP answer: refused, no TLS on the port, a silent
 * handshake, or a certificate that does not verify (with the certificate as evidence and what to pass: --ca,
 * --host-header or --insecure). Successful scans read the certificate from their own first connection instead.
 */
import { connect } from 'node:tls';
import { isIP } from 'node:net';
import { classify, trustContext } from './client.js';
import { certificateInfo, type TlsInfo } from './certinfo.js';

export type { TlsInfo } from './certinfo.js';
import type { ScanTarget } from './targets.js';

export interface TlsOutcome {
  info?: TlsInfo;
  failure?: { status: 'unreachable' | 'error'; error: string };
}

/** The one-line reason an unverified certificate stops the scan, with what to do about it. */
export function untrustedReason(info: TlsInfo, name: string): string {
  const code = info.error ?? '';
  if (/ALTNAME/i.test(code))
    return `TLS certificate does not name ${name} (it names ${info.altNames?.join(', ') || info.subject || 'nothing'}); scan it by that name or pass --host-header NAME`;
  if (/EXPIRED/i.test(code))
    return `TLS certificate expired ${info.validTo ?? ''} (${code}); renew it, or pass --insecure to scan anyway (recorded in the result)`;
  if (/NOT_YET_VALID/i.test(code))
    return `TLS certificate not valid before ${info.validFrom ?? ''} (${code}); check the server clock, or pass --insecure`;
  return `TLS certificate not trusted (${code}; issuer ${info.issuer || 'unknown'}); pass --ca FILE with its CA, or --insecure to skip verification (recorded in the result)`;
}

/** "80EC…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/…" → "wrong version number (…)". */
export function opensslReason(message: string): string {
  const m = /SSL routines:[^:]*:([^:]+)/.exec(message);
  const reason = m ? m[1]!.trim() : message.split('\n')[0]!;
  return /wrong version number|packet length too long|unknown protocol|record layer failure/i.test(reason)
    ? `${reason} (the port does not speak TLS)`
    : reason;
}

export function inspectTls(
  t: ScanTarget,
  o: { ca?: string; insecure?: boolean; hostHeader?: string; timeoutMs: number },
  deadline: AbortSignal,
): Promise<TlsOutcome> {
  const servername = o.hostHeader ?? (isIP(t.host) ? undefined : t.host);
  return new Promise((resolve) => {
    let tcp = false;
    let settled = false;
    const sock = connect({
      host: t.host,
      port: t.port,
      rejectUnauthorized: false,
      ...(servername ? { servername } : {}),
      ...(o.ca ? { secureContext: trustContext(o.ca) } : {}),
    });
    const finish = (r: TlsOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      deadline.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(r);
    };
    const timeout = () =>
      finish({
        failure: tcp
          ? { status: 'error', error: `TLS handshake did not complete within ${o.timeoutMs} ms` }
          : { status: 'unreachable', error: `no TCP connection within ${o.timeoutMs} ms` },
      });
    const onAbort = () => timeout();
    const timer = setTimeout(timeout, o.timeoutMs);
    deadline.addEventListener('abort', onAbort);
    if (deadline.aborted) return timeout();
    sock.once('connect', () => {
      tcp = true;
    });
    sock.once('secureConnect', () => {
      const info = certificateInfo(sock, !!o.insecure);
      if (!info.verified && !o.insecure)
        return finish({ info, failure: { status: 'error', error: untrustedReason(info, servername ?? t.host) } });
      finish({ info });
    });
    sock.once('close', () =>
      finish({
        failure: {
          status: tcp ? 'error' : 'unreachable',
          error: tcp ? 'connection closed during the TLS handshake' : 'connection closed before it was established',
        },
      }),
    );
    sock.once('error', (err) => {
      const c = classify(err);
      if (!tcp) return finish({ failure: { status: 'unreachable', error: c.message } });
      finish({ failure: { status: 'error', error: `TLS handshake failed: ${opensslReason(err.message)}` } });
    });
  });
}
