/** The peer certificate of a TLS socket as evidence: subject, issuer, SANs, validity, SHA-256 fingerprint, verdict. */
import type { TLSSocket } from 'node:tls';
import type { Facts } from '../../facts/schema.js';

export type TlsInfo = NonNullable<NonNullable<Facts['http']>['tls']>;

const dnLine = (dn: string | undefined): string => (dn ?? '').split('\n').filter(Boolean).join(', ');
const iso = (d: string): string => {
  const t = Date.parse(d);
  return Number.isNaN(t) ? d : new Date(t).toISOString();
};

export function certificateInfo(sock: TLSSocket, insecure: boolean): TlsInfo {
  const x = sock.getPeerX509Certificate();
  return {
    verified: sock.authorized,
    ...(insecure ? { insecure: true } : {}),
    ...(x
      ? {
          subject: dnLine(x.subject),
          issuer: dnLine(x.issuer),
          altNames: (x.subjectAltName ?? '')
            .split(', ')
            .filter(Boolean)
            .map((n) => n.replace(/^(DNS|IP Address):/, '')),
          validFrom: iso(x.validFrom),
          validTo: iso(x.validTo),
          fingerprint256: x.fingerprint256,
        }
      : {}),
    ...(sock.authorized ? {} : { error: String(sock.authorizationError ?? 'not verified') }),
  };
}
