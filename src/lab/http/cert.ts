/**
 * Certificates for the lab, made with node:crypto alone (no openssl, no dev dependency), so the lab runs from
 * any install: a small DER writer for X.509 v3 with ECDSA P-256 keys. The lab has one CA; each server gets a
 * leaf signed by it (or, for the TLS fault servers, an expired, wrongly named or foreign certificate).
 * Keys live in memory only and are never written to disk.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

// ---- DER primitives ---------------------------------------------------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), len(body.length), body]);
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, body: Buffer): Buffer => tlv(0xa0 + n, body);
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bits = (b: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const chunk: number[] = [];
    let v = n;
    do {
      chunk.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.concat(
    groups.map((g) => {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(parseInt(g || '0', 16));
      return b;
    }),
  );
}

// ---- X.509 ------------------------------------------------------------------------------------------------

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const name = (cn: string): Buffer =>
  seq(set(seq(oid('2.5.4.10'), utf8('exaudit lab'))), set(seq(oid('2.5.4.3'), utf8(cn))));
const ext = (id: string, critical: boolean, value: Buffer): Buffer =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
const keyId = (spki: Buffer): Buffer =>
  createHash('sha1')
    .update(spki.subarray(spki.length - 65))
    .digest();

export interface CertOptions {
  commonName: string;
  /** DNS names and IP addresses for subjectAltName (leaf certificates). */
  altNames?: string[];
  ca?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Signing CA; absent = self-signed. */
  issuer?: IssuedCert;
}

export interface IssuedCert {
  /** PEM certificate. */
  cert: string;
  /** PEM private key (PKCS#8). */
  key: string;
  commonName: string;
  keyIdentifier: Buffer;
  privateKey: KeyObject;
}

export function issueCertificate(o: CertOptions): IssuedCert {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const ski = keyId(spki);
  const notBefore = o.notBefore ?? new Date(Date.now() - 3600_000);
  const notAfter = o.notAfter ?? new Date(Date.now() + 30 * 86400_000);
  const extensions = [
    ext('2.5.29.19', true, o.ca ? seq(bool(true)) : seq()),
    // keyUsage: CA → keyCertSign + cRLSign; leaf → digitalSignature (ECDHE-ECDSA).
    ext('2.5.29.15', true, o.ca ? tlv(0x03, Buffer.from([1, 0x06])) : tlv(0x03, Buffer.from([7, 0x80]))),
    ext('2.5.29.14', false, octets(ski)),
  ];
  if (o.issuer) extensions.push(ext('2.5.29.35', false, seq(tlv(0x80, o.issuer.keyIdentifier))));
  if (!o.ca) {
    extensions.push(ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))));
    const names = (o.altNames ?? [o.commonName]).map((n) =>
      isIP(n) ? tlv(0x87, ipBytes(n)) : tlv(0x82, Buffer.from(n, 'ascii')),
    );
    extensions.push(ext('2.5.29.17', false, seq(...names)));
  }
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ECDSA_SHA256,
    name(o.issuer?.commonName ?? o.commonName),
    seq(time(notBefore), time(notAfter)),
    name(o.commonName),
    spki,
    explicit(3, seq(...extensions)),
  );
  const signer = o.issuer?.privateKey ?? privateKey;
  const der = seq(tbs, ECDSA_SHA256, bits(sign('sha256', tbs, { key: signer, dsaEncoding: 'der' })));
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
  return {
    cert,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    commonName: o.commonName,
    keyIdentifier: ski,
    privateKey,
  };
}

/** The lab's certificate material: the CA every lab client trusts, and the leaves the servers use. */
export interface LabPki {
  ca: IssuedCert;
  /** Names 127.0.0.1, ::1, localhost and mail.lab.test. */
  leaf: IssuedCert;
  /** Signed by the lab CA but names only mail.lab.test (reach it by address → hostname mismatch; --host-header fixes it). */
  nameOnly: IssuedCert;
  /** Signed by the lab CA, names 127.0.0.1, expired in 2021. */
  expired: IssuedCert;
  /** Self-signed, not from the lab CA. */
  foreign: IssuedCert;
}

export const LAB_HOSTNAME = 'mail.lab.test';

export function createLabPki(): LabPki {
  const ca = issueCertificate({
    commonName: 'exaudit lab CA',
    ca: true,
    notAfter: new Date(Date.now() + 365 * 86400_000),
  });
  const leaf = issueCertificate({
    commonName: LAB_HOSTNAME,
    altNames: ['127.0.0.1', '::1', 'localhost', LAB_HOSTNAME],
    issuer: ca,
  });
  const nameOnly = issueCertificate({ commonName: LAB_HOSTNAME, altNames: [LAB_HOSTNAME], issuer: ca });
  const expired = issueCertificate({
    commonName: 'expired.lab.test',
    altNames: ['127.0.0.1', 'localhost'],
    issuer: ca,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2021-01-01T00:00:00Z'),
  });
  const foreign = issueCertificate({ commonName: 'foreign.lab.test', altNames: ['127.0.0.1', 'localhost'], ca: false });
  return { ca, leaf, nameOnly, expired, foreign };
}

/** For tests: does `cert` chain to `ca`? */
export function signedBy(cert: string, ca: string): boolean {
  const c = new X509Certificate(cert);
  const a = new X509Certificate(ca);
  return c.checkIssued(a) && c.verify(a.publicKey);
}
