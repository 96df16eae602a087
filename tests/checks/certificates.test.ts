import { describe, expect, it } from 'vitest';
import check from '../../checks/certificates.js';
import { facts, run, AS_OF } from './_facts.js';

const cert = (thumbprint: string, notAfter: string, extra: object = {}) => ({
  thumbprint,
  friendlyName: `cert ${thumbprint}`,
  notAfter,
  keySize: 2048,
  keyAlgorithmOid: '1.2.840.113549.1.1.1',
  signatureAlgorithmOid: '1.2.840.113549.1.1.11',
  signatureAlgorithm: 'sha256RSA',
  ...extra,
});
const certs = (list: object[], auth?: string) => ({
  certificates: {
    source: 'Get-ExchangeCertificate; Get-AuthConfig',
    list,
    ...(auth ? { authCurrentThumbprint: auth } : {}),
  },
});

describe('certificates', () => {
  it(`passes valid, strong certificates with a valid Auth certificate (as of ${AS_OF})`, () => {
    expect(run(check, facts('15.2.1748.49', certs([cert('AA', '2028-01-01T00:00:00Z')], 'AA')))).toMatchObject([
      { status: 'pass', code: 'certificates-ok' },
    ]);
  });
  it('fails expired, expiring, weak-key and SHA-1 certificates, and a missing or expired Auth certificate', () => {
    const r = run(
      check,
      facts(
        '15.2.1748.49',
        certs(
          [
            cert('AA', '2026-01-01T00:00:00Z'),
            cert('BB', '2026-12-10T00:00:00Z', { keySize: 1024 }),
            cert('CC', '2027-12-01T00:00:00Z', {
              signatureAlgorithmOid: '1.2.840.113549.1.1.5',
              signatureAlgorithm: 'sha1RSA',
            }),
          ],
          'AA',
        ),
      ),
    );
    expect(r.map((x) => [x.code, x.severity])).toEqual([
      ['certificate-expired', 'high'],
      ['certificate-expiring', 'medium'],
      ['certificate-weak-key', undefined],
      ['certificate-weak-signature', 'low'],
      ['auth-certificate-expired', 'high'],
    ]);
    expect(run(check, facts('15.2.1748.49', certs([cert('AA', '2028-01-01T00:00:00Z')], 'ZZ')))[0]).toMatchObject({
      status: 'fail',
      code: 'auth-certificate-missing',
    });
    // an ECC key is not judged by RSA size
    expect(
      run(
        check,
        facts(
          '15.2.1748.49',
          certs([cert('AA', '2028-01-01T00:00:00Z', { keySize: 384, keyAlgorithmOid: '1.2.840.10045.2.1' })], 'AA'),
        ),
      )[0],
    ).toMatchObject({ status: 'pass' });
  });
  it('is indeterminate when not collected; the Auth certificate needs Get-AuthConfig (not on Edge)', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'certificates-unknown',
    });
    expect(run(check, facts('15.2.1748.49', certs([cert('AA', '2028-01-01T00:00:00Z')])))).toMatchObject([
      { status: 'pass' },
      { status: 'indeterminate', code: 'auth-certificate-unknown' },
    ]);
    const edge = facts('15.2.1748.49', certs([cert('AA', '2028-01-01T00:00:00Z')]));
    edge.exchange!.edge = true;
    expect(run(check, edge)).toMatchObject([{ status: 'pass' }]);
  });
});
