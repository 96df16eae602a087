/**
 * Exchange certificates as HealthChecker judges them (Invoke-AnalyzerSecurityExchangeCertificates.ps1, thresholds in
 * rules/healthchecker/exchange.yaml): expired or expiring (under 30 days Red, under 60 Yellow), an RSA key under 2048
 * bits, a SHA-1/MD5-family signature, and on a server that is not Edge a current Auth certificate that has not
 * expired. Lifetimes are counted to --as-of, so a saved facts file gives the same answer on the same date.
 */
import { defineCheck, type CheckResult } from '../src/contract/check.js';
import { isEdge, notCollected, withSettingRules } from './_shared.js';

const DAY = 86_400_000;

export default defineCheck({
  meta: {
    id: 'certificates',
    title: 'Certificates valid and strong',
    severity: 'medium',
    requires: ['exchange'],
    references: ['https://aka.ms/HC-SSLBP', 'https://aka.ms/HC-OAuthExpired'],
  },
  evaluate(facts, catalog, ctx) {
    return withSettingRules(facts, catalog, 'certificates', null, (spec) => {
      const certs = facts.certificates;
      if (!certs) return [notCollected(facts, 'certificates', 'the Exchange certificates', 'certificates-unknown')];
      const now = Date.parse(`${ctx.asOf}T00:00:00Z`);
      const out: CheckResult[] = [];
      const daysLeft = (notAfter: string) => Math.floor((Date.parse(notAfter) - now) / DAY);
      for (const c of certs.list) {
        const name = `${c.friendlyName || c.subject || 'certificate'} (${c.thumbprint})`;
        const ev = (observed: unknown, expected: unknown) => [
          { fact: `certificates.list[${c.thumbprint}]`, observed, expected, source: certs.source },
        ];
        const days = daysLeft(c.notAfter);
        if (days < 0 || days < spec.expiryWarnDays)
          out.push({
            status: 'fail',
            code: days < 0 ? 'certificate-expired' : 'certificate-expiring',
            key: `expiry:${c.thumbprint}`,
            severity: days < 0 ? 'high' : days < spec.expiryFailDays ? 'medium' : 'low',
            message:
              days < 0
                ? `${name} expired on ${c.notAfter.slice(0, 10)}.`
                : `${name} expires in ${days} days (${c.notAfter.slice(0, 10)}).`,
            evidence: ev(c.notAfter, `more than ${spec.expiryWarnDays} days after ${ctx.asOf}`),
            remediation: 'Renew the certificate and assign it to the same services.',
          });
        const ecc = c.keyAlgorithmOid === spec.eccKeyOid;
        if (!ecc && c.keySize !== undefined && c.keySize < spec.minRsaKeySize)
          out.push({
            status: 'fail',
            code: 'certificate-weak-key',
            key: `key:${c.thumbprint}`,
            message: `${name} has a ${c.keySize}-bit key; at least ${spec.minRsaKeySize} bits are recommended.`,
            evidence: ev(c.keySize, `≥ ${spec.minRsaKeySize}`),
            remediation: `Replace it with a certificate with a ${spec.minRsaKeySize}-bit (or larger) key.`,
          });
        // By OID; without one (a HealthChecker export shows the hash's name), by the weak hashes' names.
        const weakNames = new Set(Object.values(spec.weakSignatureOids));
        const byName = c.signatureAlgorithm?.toLowerCase().match(/^(sha1|md5|md4|md2)/)?.[1];
        const weakHash = c.signatureAlgorithmOid
          ? spec.weakSignatureOids[c.signatureAlgorithmOid]
          : byName && weakNames.has(byName)
            ? byName
            : undefined;
        if (weakHash)
          out.push({
            status: 'fail',
            code: 'certificate-weak-signature',
            key: `signature:${c.thumbprint}`,
            severity: 'low',
            message: `${name} is signed with ${c.signatureAlgorithm ?? weakHash} (${weakHash}); use a SHA-2 family hash.`,
            evidence: ev(c.signatureAlgorithmOid, 'a SHA-2 family signature'),
            remediation: 'Replace it with a certificate signed with SHA-256 or stronger (https://aka.ms/HC-SSLBP).',
          });
      }
      // The OAuth (Auth) certificate: not on Edge, where HealthChecker cannot check it either.
      if (isEdge(facts) !== true) {
        if (!certs.authCurrentThumbprint)
          out.push(
            notCollected(
              facts,
              'certificates.auth',
              'the current Auth certificate (Get-AuthConfig)',
              'auth-certificate-unknown',
            ),
          );
        else {
          const auth = certs.list.find(
            (c) => c.thumbprint.toUpperCase() === certs.authCurrentThumbprint!.toUpperCase(),
          );
          const ev = [
            { fact: 'certificates.authCurrentThumbprint', observed: certs.authCurrentThumbprint, source: certs.source },
          ];
          if (!auth || daysLeft(auth.notAfter) <= 0)
            out.push({
              status: 'fail',
              code: auth ? 'auth-certificate-expired' : 'auth-certificate-missing',
              key: 'auth',
              severity: 'high',
              message: auth
                ? `The Auth certificate ${certs.authCurrentThumbprint} expired on ${auth.notAfter.slice(0, 10)}: OAuth (hybrid, Teams, …) fails.`
                : `The Auth certificate ${certs.authCurrentThumbprint} named by Get-AuthConfig is not on this server.`,
              evidence: ev,
              remediation: 'Renew the Auth certificate (https://aka.ms/HC-OAuthExpired).',
            });
        }
      }
      if (out.some((r) => r.status === 'fail')) return out;
      const authKnown = !out.length && isEdge(facts) !== true;
      return [
        {
          status: 'pass',
          code: 'certificates-ok',
          message: `${certs.list.length} certificate(s): none expired or expiring within ${spec.expiryWarnDays} days, no weak key or signature${authKnown ? '; the Auth certificate is valid' : ''}.`,
          evidence: [
            { fact: 'certificates.list', observed: certs.list.map((c) => c.thumbprint), source: certs.source },
          ],
        },
        ...out,
      ];
    });
  },
});
