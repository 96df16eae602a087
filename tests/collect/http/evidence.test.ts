/** Each technique's parser on its own: what counts as a build, at which precision, and what never does. */
import { describe, expect, it } from 'vitest';
import {
  headerVersion,
  isOnlineBuild,
  manifestVersion,
  markersOf,
  onlineHeaders,
  owaPathVersion,
} from '../../../src/collect/http/evidence.js';
import { classify, DeadlineError } from '../../../src/collect/http/client.js';
import { opensslReason, untrustedReason } from '../../../src/collect/http/tls.js';

describe('X-OWA-Version (T1/T5)', () => {
  it('reads four parts as exact, zero padding removed', () => {
    expect(headerVersion('15.2.1544.14')).toEqual({
      build: '15.2.1544.14',
      precision: 'exact',
      evidence: 'X-OWA-Version: 15.2.1544.14',
    });
    expect(headerVersion(' 15.02.1748.036 ')).toMatchObject({ build: '15.2.1748.36', precision: 'exact' });
  });
  it('keeps 2007/2010 values at update-rollup level', () => {
    expect(headerVersion('14.3.513.0')).toMatchObject({ build: '14.3.513.0', precision: 'cu' });
  });
  it('rejects anything that is not a four-part build', () => {
    for (const v of ['banana', '15.2.1544', '15.2.1544.14.1', '', 'IE=EmulateIE7'])
      expect(headerVersion(v)).toEqual({ invalid: v });
    expect(headerVersion(undefined)).toBeUndefined();
  });
  it('knows Exchange Online numbers', () => {
    expect(isOnlineBuild('15.20.8606.20')).toBe(true);
    expect(isOnlineBuild('15.2.1544.14')).toBe(false);
  });
});

describe('ECP export-tool manifest (T2)', () => {
  const identity = (name: string, v: string) =>
    `<assemblyIdentity name="${name}" version="${v}" publicKeyToken="b1d1a6c45aa418ce" language="neutral" />`;
  it('prefers the exporttool assembly, else the deployment identity', () => {
    expect(
      manifestVersion(
        identity('microsoft.exchange.ediscovery.exporttool.application', '15.1.2375.6') +
          identity('microsoft.exchange.ediscovery.exporttool', '15.1.2375.7'),
      )?.build,
    ).toBe('15.1.2375.7');
    expect(
      manifestVersion(identity('microsoft.exchange.ediscovery.exporttool.application', '15.2.858.5')),
    ).toMatchObject({ build: '15.2.858.5', precision: 'exact' });
  });
  it('accepts attributes in any order and records the element as evidence', () => {
    const r = manifestVersion(
      '<assemblyIdentity version="15.0.1497.48" name="Microsoft.Exchange.eDiscovery.ExportTool" />',
    );
    expect(r?.build).toBe('15.0.1497.48');
    expect(r?.evidence).toContain('version="15.0.1497.48"');
  });
  it('never reads other assemblies or partial versions', () => {
    expect(manifestVersion(identity('microsoft.exchange.something.else', '15.2.1544.14'))).toBeUndefined();
    expect(manifestVersion(identity('microsoft.exchange.ediscovery.exporttool', '15.2'))).toBeUndefined();
    expect(manifestVersion('<html>404</html>')).toBeUndefined();
  });
});

describe('OWA resource folder (T4)', () => {
  it('is CU level on 2013+, never exact, even when the page has four-part numbers elsewhere', () => {
    const r = owaPathVersion(
      '<script>var v="15.2.1544.14";</script><link rel="shortcut icon" href="/owa/auth/15.2.1544/themes/resources/favicon.ico">',
    );
    expect(r).toMatchObject({ build: '15.2.1544', precision: 'cu' });
    expect(r?.evidence).toBe('/owa/auth/15.2.1544/themes/resources/favicon.ico');
  });
  it('reads 2007/2010 four-part folders at update-rollup level', () => {
    expect(owaPathVersion('<link href="/owa/14.3.513.0/themes/resources/favicon.ico">')).toMatchObject({
      build: '14.3.513.0',
      precision: 'cu',
    });
  });
  it('ignores text that only looks like a folder', () => {
    expect(owaPathVersion('see /owa/auth/logon.aspx for 15.2.1544')).toBeUndefined();
    expect(owaPathVersion('<link href="/owa/auth/15.two.x/themes/a.css">')).toBeUndefined();
  });
});

describe('markers (T7) and Exchange Online headers', () => {
  it('finds OWA, proxy and EXO markers', () => {
    expect(markersOf(200, {}, '<!-- OwaPage = ASP.auth_logon_aspx --><title>Outlook</title>')).toEqual([
      'owa-logon-page',
      'owa-title',
    ]);
    expect(markersOf(302, { location: '/lm_auth_proxy?LMLogon' }, '')).toContain('proxy-kemp-esp');
    expect(markersOf(302, { location: 'https://outlook.office365.com/owa/' }, '')).toContain('exo-redirect');
    expect(markersOf(401, { 'www-authenticate': 'Negotiate, NTLM' }, '')).toEqual(['windows-auth-401']);
    expect(markersOf(404, { server: 'nginx' }, '<h1>404 Not Found</h1>')).toEqual([]);
  });
  it('recognises EXO routing headers, not on-premises ones', () => {
    expect(onlineHeaders({ 'x-calculatedbetarget': 'AM6PR01MB1234.EURPRD01.PROD.OUTLOOK.COM' })).toMatch(
      /X-CalculatedBETarget/,
    );
    expect(onlineHeaders({ 'x-besku': 'WCS7' })).toMatch(/X-BeSku/);
    expect(onlineHeaders({ 'x-calculatedbetarget': 'exch01.contoso.local' })).toBeUndefined();
  });
});

describe('error classification', () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });
  it.each([
    [err('ECONNREFUSED'), 'refused'],
    [err('ENOTFOUND'), 'dns'],
    [err('UND_ERR_CONNECT_TIMEOUT'), 'unreachable'],
    [err('UND_ERR_HEADERS_TIMEOUT'), 'timeout'],
    [err('UND_ERR_SOCKET', 'other side closed'), 'reset'],
    [err('ECONNRESET'), 'reset'],
    [err('HPE_INVALID_STATUS'), 'malformed'],
    [err('CERT_HAS_EXPIRED'), 'tls'],
    [new DeadlineError(5), 'deadline'],
    [new DOMException('t', 'TimeoutError'), 'timeout'],
  ])('%s → %s', (e, kind) => {
    expect(classify(e).kind).toBe(kind);
  });
  it('turns OpenSSL noise into a reason and says what to do about untrusted certificates', () => {
    expect(
      opensslReason(
        '80EC709DB07F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:',
      ),
    ).toBe('wrong version number (the port does not speak TLS)');
    expect(
      untrustedReason(
        { verified: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID', altNames: ['mail.lab.test'] },
        '127.0.0.1',
      ),
    ).toMatch(/does not name 127\.0\.0\.1.*--host-header/);
    expect(untrustedReason({ verified: false, error: 'DEPTH_ZERO_SELF_SIGNED_CERT', issuer: 'CN=x' }, 'h')).toMatch(
      /--ca FILE.*--insecure/,
    );
    expect(
      untrustedReason({ verified: false, error: 'CERT_HAS_EXPIRED', validTo: '2021-01-01T00:00:00.000Z' }, 'h'),
    ).toMatch(/expired 2021-01-01/);
  });
});
