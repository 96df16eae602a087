/** The lab PKI made with node:crypto alone: a CA, leaves that chain to it, and the deliberately bad certificates. */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLabPki, issueCertificate, signedBy } from '../../src/lab/http/cert.js';

describe('lab certificates', () => {
  const pki = createLabPki();
  it('issues a CA and a leaf for the loopback names that chains to it', () => {
    const ca = new X509Certificate(pki.ca.cert);
    const leaf = new X509Certificate(pki.leaf.cert);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(signedBy(pki.leaf.cert, pki.ca.cert)).toBe(true);
    expect(leaf.subjectAltName).toBe(
      'IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost, DNS:mail.lab.test',
    );
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('mail.lab.test')).toBe('mail.lab.test');
    expect(Date.parse(leaf.validTo)).toBeGreaterThan(Date.now());
  });
  it('makes the bad ones bad in exactly one way', () => {
    expect(new X509Certificate(pki.nameOnly.cert).checkIP('127.0.0.1')).toBeUndefined();
    expect(signedBy(pki.nameOnly.cert, pki.ca.cert)).toBe(true);
    expect(Date.parse(new X509Certificate(pki.expired.cert).validTo)).toBe(Date.parse('2021-01-01T00:00:00Z'));
    expect(signedBy(pki.expired.cert, pki.ca.cert)).toBe(true);
    expect(signedBy(pki.foreign.cert, pki.ca.cert)).toBe(false);
  });
  it('uses GeneralizedTime after 2049 (RFC 5280) and a fresh key and serial per certificate', () => {
    const far = issueCertificate({ commonName: 'far.lab.test', notAfter: new Date('2051-06-01T00:00:00Z') });
    expect(new X509Certificate(far.cert).validTo).toMatch(/2051/);
    const again = createLabPki();
    expect(again.ca.cert).not.toBe(pki.ca.cert);
    expect(new X509Certificate(again.leaf.cert).serialNumber).not.toBe(new X509Certificate(pki.leaf.cert).serialNumber);
  });
});
