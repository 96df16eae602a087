/**
 * The passive collector against real loopback servers of the lab: every technique and precision level, load
 * balancers, Exchange Online, non-Exchange hosts, spoofs, TLS options, the mitigation probes (and exactly what
 * they and the passive requests put on the wire), and every bad server as a clear per-target result.
 */
import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpLab, type HttpLab, type LabServerSpec } from '../../../src/lab/index.js';
import { createLabPki } from '../../../src/lab/http/cert.js';
import { PATHS, scanTarget, scanTargets, type ScanOptions } from '../../../src/collect/http/scan.js';
import { MITIGATION_PROBES, describeProbe } from '../../../src/collect/http/probes.js';
import { parseTarget } from '../../../src/collect/http/targets.js';
import { Facts } from '../../../src/facts/schema.js';
import type { CollectedTarget } from '../../../src/contract.js';

const SPECS: LabServerSpec[] = [
  // techniques and precision
  { name: 't1-exact', build: '15.2.1258.16' },
  { name: 't2-manifest', build: '15.1.2242.4' },
  { name: 't4-cu', build: '15.1.2308.8', ecp: 'blocked' },
  { name: 'se', build: '15.2.2562.27' },
  { name: 'stale-folder', build: '15.2.1748.24', owaPathBuild: '15.2.1544' },
  { name: 'no-version', build: '15.1.2507.6', owaVersionHeader: false, owaPathBuild: 'custom', ecp: 'blocked' },
  { name: 'e2010', build: '14.3.513.0' },
  {
    name: 'lb',
    frontEnds: [
      { name: 'EXA', build: '15.2.1544.25' },
      { name: 'EXB', build: '15.2.1544.27' },
    ],
  },
  // rolling SU upgrades: the first connection lands on the front end still before the July 2021 SU (no header)
  {
    name: 'lb-rolling',
    frontEnds: [
      { name: 'EXOLD', build: '15.1.2242.10' },
      { name: 'EXNEW', build: '15.1.2308.20' },
    ],
  },
  {
    name: 'lb-rolling-cu',
    ecp: 'blocked',
    frontEnds: [
      { name: 'EXOLD', build: '15.2.858.12' },
      { name: 'EXNEW', build: '15.2.858.15' },
    ],
  },
  // not on-premises Exchange
  { name: 'exo', kind: 'online' },
  { name: 'nginx', kind: 'not-exchange', flavor: 'nginx' },
  { name: 'iis', kind: 'not-exchange', flavor: 'iis' },
  { name: 'kemp', kind: 'proxy' },
  { name: 'c2', kind: 'spoof', flavor: 'c2-office365' },
  { name: 'honeypot', kind: 'spoof', flavor: 'honeypot' },
  // mitigations
  { name: 'pns-abort', build: '15.2.986.26', mitigations: { proxynotshell: 'abort' } },
  { name: 'pl-abort', build: '15.1.2176.4', mitigations: { proxylogon: 'abort' } },
  { name: 'pns-403', build: '15.2.986.26', mitigations: { proxynotshell: 'custom-403' } },
  {
    name: 'lb-rule-all',
    build: '15.2.1118.15',
    mitigations: { proxynotshell: 'abort' },
    frontEnds: [
      { name: 'FEA', build: '15.2.1118.15' },
      { name: 'FEB', build: '15.2.1118.15' },
      { name: 'FEC', build: '15.2.1118.15' },
    ],
  },
  {
    name: 'lb-rule-partial',
    frontEnds: [
      { name: 'FEA', build: '15.2.1118.15', mitigations: { proxynotshell: 'abort' } },
      { name: 'FEB', build: '15.2.1118.15' },
      { name: 'FEC', build: '15.2.1118.15', mitigations: { proxynotshell: 'abort' } },
    ],
  },
  // bad servers
  { name: 'hang', kind: 'hang' },
  { name: 'tls-hang', kind: 'tls-hang' },
  { name: 'tls-broken', kind: 'tls-broken' },
  { name: 'slow-ok', kind: 'slow', build: '15.2.1118.9', delayMs: 150 },
  { name: 'slow-timeout', kind: 'slow', build: '15.2.1118.9', delayMs: 3000 },
  { name: 'trickle', kind: 'trickle' },
  { name: 'malformed', kind: 'malformed' },
  { name: 'nonsense', kind: 'malformed', flavor: 'values' },
  { name: 'reset', kind: 'reset' },
  { name: 'flaky', kind: 'flaky', build: '15.0.1497.26' },
  { name: 'expired', build: '15.2.1258.16', cert: 'expired' },
  { name: 'foreign', build: '15.2.1258.16', cert: 'foreign' },
  { name: 'name-only', build: '15.2.1258.16', cert: 'name-only' },
];

let lab: HttpLab;
let refusedPort: number;
const results = new Map<string, CollectedTarget>();
const server = (name: string) => lab.servers.find((s) => s.name === name)!;
const target = (name: string) => parseTarget(`127.0.0.1:${server(name).port}`)[0]!;
const facts = (name: string) => {
  const c = results.get(name)!;
  expect(c.failure, `${name}: ${c.failure?.error}`).toBeUndefined();
  return c.facts!;
};
const ex = (name: string) => facts(name).exchange!;
// The per-target deadline is far above the request timeout: these cases assert which request-level failure each
// bad server gives, and the deadline has its own test below.
const opts = (): ScanOptions => ({
  ca: lab.ca,
  requestTimeoutMs: 1000,
  targetTimeoutMs: 30_000,
  probeMitigations: true,
});

beforeAll(async () => {
  lab = await startHttpLab(SPECS);
  // A port with nothing listening: bind, note it, close.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  refusedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const targets = lab.servers.filter((s) => s.name !== 'name-only').map((s) => parseTarget(`127.0.0.1:${s.port}`)[0]!);
  const names = new Map(lab.servers.map((s) => [`127.0.0.1:${s.port}`, s.name]));
  await scanTargets(targets, { ...opts(), concurrency: 8 }, (c) => {
    results.set(names.get(c.target)!, c);
  });
}, 60_000);
afterAll(async () => {
  await lab?.close();
});

describe('every result', () => {
  it('is facts that validate, or a one-line failure', () => {
    expect(results.size).toBe(SPECS.length - 1);
    for (const [name, c] of results) {
      if (c.failure) {
        expect(c.failure.error, name).not.toMatch(/\n|\s{3,}|at .*\.js:\d+/);
        expect(['unreachable', 'error']).toContain(c.failure.status);
      } else {
        expect(() => Facts.parse(c.facts), name).not.toThrow();
        expect(c.facts!.target).toMatchObject({ name: c.target, transport: 'http', address: '127.0.0.1' });
      }
    }
  });
});

describe('techniques, in precision order', () => {
  it('T1: X-OWA-Version on the 401 gives the exact build, sampled on fresh connections', () => {
    expect(ex('t1-exact')).toMatchObject({
      build: '15.2.1258.16',
      precision: 'exact',
      product: '2019',
      source: 'X-OWA-Version header on 401 /autodiscover/autodiscover.xml',
    });
    const t1 = facts('t1-exact').http!.observations.filter((o) => o.technique === 'x-owa-version-401');
    expect(t1.map((o) => o.path)).toEqual([PATHS.autodiscover, PATHS.autodiscover, PATHS.autodiscover]);
    expect(t1[0]).toMatchObject({
      status: 401,
      frontEnd: 'T1EXACT',
      build: '15.2.1258.16',
      precision: 'exact',
      evidence: 'X-OWA-Version: 15.2.1258.16',
    });
    expect(t1[0]!.headers!['www-authenticate']).toMatch(/Negotiate/);
    // Once every sample gave the exact build, only the logon page is asked (its folder must agree with the header):
    // no EWS, no /owa/ redirect, no export tool.
    expect(facts('t1-exact').http!.observations.map((o) => o.path)).toEqual([
      PATHS.autodiscover,
      PATHS.autodiscover,
      PATHS.autodiscover,
      PATHS.logon,
    ]);
  });
  it('T2: before the July 2021 SU the export-tool manifest gives the exact build', () => {
    expect(ex('t2-manifest')).toMatchObject({ build: '15.1.2242.4', precision: 'exact', product: '2016' });
    expect(ex('t2-manifest').source).toMatch(/ECP export-tool manifest/);
    expect(facts('t2-manifest').http!.observations.every((o) => !o.headers?.['x-owa-version'])).toBe(true);
  });
  it('T4: with ECP blocked only the OWA folder is left: CU level, three parts, never exact', () => {
    expect(ex('t4-cu')).toMatchObject({
      build: '15.1.2308',
      precision: 'cu',
      product: '2016',
      source: 'OWA logon page resource path /owa/auth/15.1.2308/',
    });
    expect(ex('t4-cu').observations).toEqual([expect.objectContaining({ build: '15.1.2308', precision: 'cu' })]);
  });
  it('product level only when the header and the folder disagree on the CU (reported as inconsistent)', () => {
    expect(ex('stale-folder')).toMatchObject({ product: '2019', precision: 'product' });
    expect(ex('stale-folder').build).toBeUndefined();
    expect(ex('stale-folder').inconsistent).toMatch(/15\.2\.1748\.24 .* CU 15\.2\.1544/);
  });
  it('T7: Exchange markers without any version: Exchange, version unknown', () => {
    expect(ex('no-version')).toMatchObject({ precision: 'none' });
    expect(ex('no-version').notExchange).toBeUndefined();
    expect(ex('no-version').source).toMatch(/Exchange answered .*x-feserver.* but disclosed no version/);
  });
  it('SE is told from 2019 by its build number', () => {
    expect(ex('se')).toMatchObject({ build: '15.2.2562.27', product: 'SE', precision: 'exact' });
  });
  it('Exchange 2010: a version is recorded, never exact, no product the catalog knows', () => {
    expect(ex('e2010')).toMatchObject({ build: '14.3.513.0', precision: 'cu' });
    expect(ex('e2010').product).toBeUndefined();
  });
});

describe('load balancers', () => {
  it('records every front end with its build and judges the lowest', () => {
    const e = ex('lb');
    expect(e).toMatchObject({ build: '15.2.1544.25', precision: 'exact' });
    expect(
      e
        .observations!.filter((o) => o.precision === 'exact')
        .map((o) => `${o.frontEnd} ${o.build}`)
        .sort(),
    ).toEqual(['EXA 15.2.1544.25', 'EXB 15.2.1544.27']);
    expect(e.source).toMatch(/from EXA: the lowest of 2 builds/);
  });
  it('a front end without X-OWA-Version (before the July 2021 SU) is still sampled, read and judged', () => {
    const e = ex('lb-rolling');
    expect(e).toMatchObject({ build: '15.1.2242.10', precision: 'exact', product: '2016' });
    expect(e.source).toMatch(/ECP export-tool manifest .* from EXOLD: the lowest of 2 builds/);
    expect(
      e
        .observations!.filter((o) => o.precision === 'exact')
        .map((o) => `${o.frontEnd} ${o.build}`)
        .sort(),
    ).toEqual(['EXNEW 15.1.2308.20', 'EXOLD 15.1.2242.10']);
  });
  it("another front end's exact build of the same CU never stands in for one known only to the CU", () => {
    const e = ex('lb-rolling-cu');
    expect(e).toMatchObject({ build: '15.2.858', precision: 'cu', product: '2019' });
    expect(e.source).toMatch(/from EXOLD: the lowest of 2 builds seen behind this name \(15\.2\.858\.15, 15\.2\.858\)/);
    // Bounded: the extra rounds on new connections stop at --samples.
    expect(server('lb-rolling-cu').requests.length).toBeLessThanOrEqual(3 + 1 + 1 + 1 + 1 + 3 * 2 + 2 * 2);
  });
});

describe('not on-premises Exchange', () => {
  it('Exchange Online is classified, never mapped to a build', () => {
    expect(ex('exo')).toMatchObject({ online: true, precision: 'none' });
    expect(ex('exo').build).toBeUndefined();
    expect(ex('exo').source).toMatch(/Exchange Online: X-OWA-Version 15\.20\./);
    expect(facts('exo').http!.mitigationProbes).toBeUndefined();
  });
  it('ActiveSync is asked only when neither autodiscover nor EWS answered 401', () => {
    expect(server('nginx').requests.map((r) => r.url)).toContain(PATHS.activesync);
    expect(server('t1-exact').requests.map((r) => r.url)).not.toContain(PATHS.activesync);
  });
  it('nginx and a bare IIS are not Exchange, with the reason', () => {
    expect(ex('nginx').notExchange).toMatch(/no Exchange response .*\/EWS\/Exchange\.asmx 404.*Server: nginx/);
    expect(ex('iis').notExchange).toMatch(/Server: Microsoft-IIS\/10\.0/);
  });
  it('a pre-authenticating proxy is Exchange behind a proxy, not "not Exchange"', () => {
    expect(ex('kemp')).toMatchObject({ precision: 'none' });
    expect(ex('kemp').notExchange).toBeUndefined();
    expect(facts('kemp').http!.behindProxy).toBe(true);
    expect(ex('kemp').source).toMatch(/KEMP/);
  });
  it('spoofed fingerprints claim nothing: a C2 profile and an OWA honeypot', () => {
    for (const n of ['c2', 'honeypot']) {
      expect(ex(n), n).toMatchObject({ precision: 'none' });
      expect(ex(n).build).toBeUndefined();
      expect(ex(n).product).toBeUndefined();
      expect(ex(n).online).toBeUndefined();
    }
    expect(ex('c2').inconsistent).toMatch(/appear on \/owa\/ but autodiscover and EWS answer 404/);
    expect(ex('honeypot').inconsistent).toMatch(/Exchange 2016 .* cannot run on Microsoft-IIS\/7\.5/);
  });
});

describe('mitigation probes', () => {
  const probes = (n: string) => Object.fromEntries(facts(n).http!.mitigationProbes!.map((p) => [p.id, p.outcome]));
  it('blocked where the rule aborts, not blocked where it is absent, indeterminate for a 403 without Exchange headers', () => {
    expect(probes('pns-abort')).toEqual({
      'proxynotshell-uri-rule': 'blocked',
      'proxylogon-cookie-rule': 'not-blocked',
    });
    expect(probes('pl-abort')).toEqual({
      'proxynotshell-uri-rule': 'not-blocked',
      'proxylogon-cookie-rule': 'blocked',
    });
    expect(probes('t1-exact')).toEqual({
      'proxynotshell-uri-rule': 'not-blocked',
      'proxylogon-cookie-rule': 'not-blocked',
    });
    expect(probes('pns-403')['proxynotshell-uri-rule']).toBe('indeterminate');
    expect(probes('c2')).toEqual({
      'proxynotshell-uri-rule': 'indeterminate',
      'proxylogon-cookie-rule': 'indeterminate',
    });
  });
  it('a blocked probe was dropped twice (one retry) and says so', () => {
    const p = facts('pns-abort').http!.mitigationProbes!.find((x) => x.id === 'proxynotshell-uri-rule')!;
    expect(p.detail).toMatch(/dropped without an HTTP response on 2 attempts/);
    const got = server('pns-abort').requests.filter((r) => r.url.includes('exaudit-probe'));
    expect(got).toHaveLength(2);
  });
  it('behind a balancer, blocked means dropped by every front end seen; one ordinary answer means not blocked', () => {
    const all = facts('lb-rule-all').http!.mitigationProbes!.find((x) => x.id === 'proxynotshell-uri-rule')!;
    expect(all).toMatchObject({
      outcome: 'blocked',
      detail: expect.stringMatching(/on 3 attempts/),
      sent: expect.stringMatching(/sent at most 3 times, once per front end/),
    });
    expect(server('lb-rule-all').requests.filter((r) => r.url.includes('exaudit-probe'))).toHaveLength(3);
    const partial = facts('lb-rule-partial').http!.mitigationProbes!.find((x) => x.id === 'proxynotshell-uri-rule')!;
    expect(partial.outcome).toBe('not-blocked');
    const sent = server('lb-rule-partial').requests.filter((r) => r.url.includes('exaudit-probe')).length;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(3);
    if (sent > 1) expect(partial.detail).toMatch(/dropped, so the rule is not on every front end/);
  });
  it('records exactly what was sent, and the server received exactly that', () => {
    const s = server('t1-exact');
    const host = `127.0.0.1:${s.port}`;
    for (const p of facts('t1-exact').http!.mitigationProbes!) {
      const spec = MITIGATION_PROBES.find((x) => x.id === p.id)!;
      expect(p.sent).toBe(describeProbe(spec, host));
      expect(p).toMatchObject({ method: 'GET', path: spec.path });
    }
    const pns = s.requests.filter((r) => r.url.includes('powershell'));
    expect(pns).toEqual([
      expect.objectContaining({ method: 'GET', url: '/autodiscover/autodiscover.json?exaudit-probe=powershell' }),
    ]);
    expect(pns[0]!.headers.cookie).toBeUndefined();
    const withCookie = s.requests.filter((r) => r.headers.cookie !== undefined);
    expect(withCookie).toEqual([expect.objectContaining({ method: 'GET', url: '/owa/auth/logon.aspx' })]);
    expect(withCookie[0]!.headers.cookie).toBe('X-AnonResource-Backend=');
    // Nothing else rides along: the headers the README lists, and the cookie on the ProxyLogon probe only.
    expect(Object.keys(pns[0]!.headers).sort()).toEqual(['accept', 'connection', 'host', 'user-agent']);
    expect(Object.keys(withCookie[0]!.headers).sort()).toEqual([
      'accept',
      'connection',
      'cookie',
      'host',
      'user-agent',
    ]);
    expect(withCookie[0]!.headers.accept).toBe('*/*');
  });
  it('nothing sent to any server is SSRF-shaped, credentialed or has a body', () => {
    for (const s of lab.servers) {
      for (const r of s.requests) {
        expect(r.method, `${s.name} ${r.url}`).toBe('GET');
        expect(r.url).not.toMatch(/@|Email=|%40|X-Rps-CAT|\/mapi\/nspi|~/i);
        expect(r.headers.authorization).toBeUndefined();
        expect(r.headers['content-length'] ?? '0').toBe('0');
        expect(String(r.headers.cookie ?? '')).not.toMatch(/X-BEResource|X-AnonResource=|X-AnonResource-Backend=./i);
        expect(r.headers['user-agent']).toMatch(/^exaudit\//);
      }
    }
  });
  it('the passive requests alone touch only the documented paths', () => {
    const passive = new Set<string>([...Object.values(PATHS), ...MITIGATION_PROBES.map((p) => p.path)]);
    for (const s of lab.servers) for (const r of s.requests) expect(passive, `${s.name}: ${r.url}`).toContain(r.url);
  });
});

describe('TLS', () => {
  it('records the certificate: subject, issuer, SANs, validity and SHA-256 fingerprint', () => {
    const tls = facts('t1-exact').http!.tls!;
    expect(tls).toMatchObject({
      verified: true,
      subject: 'O=exaudit lab, CN=mail.lab.test',
      issuer: 'O=exaudit lab, CN=exaudit lab CA',
    });
    expect(tls.altNames).toEqual(['127.0.0.1', '0:0:0:0:0:0:0:1', 'localhost', 'mail.lab.test']);
    expect(Date.parse(tls.validFrom!)).toBeLessThan(Date.now());
    expect(Date.parse(tls.validTo!)).toBeGreaterThan(Date.now());
    expect(tls.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(tls.insecure).toBeUndefined();
  });
  it('refuses untrusted, expired and wrongly named certificates with what to do, and sends no HTTP to them', () => {
    expect(results.get('foreign')!.failure).toEqual({
      status: 'error',
      error: expect.stringMatching(/not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT.*--ca FILE.*--insecure/),
    });
    expect(results.get('expired')!.failure!.error).toMatch(/expired 2021-01-01/);
    expect(server('foreign').requests).toHaveLength(0);
    expect(server('expired').requests).toHaveLength(0);
  });
  it('a wrongly named certificate is fixed by --host-header (SNI and Host), which is recorded', async () => {
    const bare = await scanTarget(target('name-only'), { ...opts(), probeMitigations: false });
    expect(bare.failure!.error).toMatch(/does not name 127\.0\.0\.1 \(it names mail\.lab\.test\).*--host-header/);
    const named = await scanTarget(target('name-only'), {
      ...opts(),
      probeMitigations: false,
      hostHeader: 'mail.lab.test',
    });
    expect(named.facts!.exchange).toMatchObject({ build: '15.2.1258.16', precision: 'exact' });
    expect(named.facts!.http).toMatchObject({ hostHeader: 'mail.lab.test', tls: { verified: true } });
    expect(server('name-only').requests.every((r) => r.headers.host === 'mail.lab.test')).toBe(true);
  });
  it('--insecure scans anyway and records that verification was skipped', async () => {
    const c = await scanTarget(target('foreign'), { ...opts(), insecure: true, probeMitigations: false });
    expect(c.facts!.http!.tls).toMatchObject({
      verified: false,
      insecure: true,
      error: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      subject: 'O=exaudit lab, CN=foreign.lab.test',
    });
    expect(c.facts!.exchange).toMatchObject({ build: '15.2.1258.16', precision: 'exact' });
  });
  it('--ca adds to the system roots: without it the lab CA is not trusted', async () => {
    const c = await scanTarget(target('t1-exact'), { requestTimeoutMs: 1000, targetTimeoutMs: 4000 });
    expect(c.failure!.error).toMatch(/not trusted/);
    const other = createLabPki().ca.cert; // a CA that did not sign the lab
    expect(
      (await scanTarget(target('t1-exact'), { ca: other, requestTimeoutMs: 1000, targetTimeoutMs: 4000 })).failure!
        .error,
    ).toMatch(/not trusted/);
    const leaf = new X509Certificate(lab.ca);
    expect(leaf.ca).toBe(true);
  });
});

describe('bad servers: per-target results, never a stopped scan', () => {
  const failure = (n: string) => results.get(n)!.failure!;
  it('unreachable: nothing listening', async () => {
    const c = await scanTarget(parseTarget(`127.0.0.1:${refusedPort}`)[0]!, opts());
    expect(c.failure).toEqual({ status: 'unreachable', error: 'connection refused' });
  });
  it('TLS: a plain-text port, a handshake that never completes', () => {
    expect(failure('tls-broken')).toEqual({
      status: 'error',
      error: 'TLS handshake failed: wrong version number (the port does not speak TLS)',
    });
    expect(failure('tls-hang')).toEqual({ status: 'error', error: 'TLS handshake did not complete within 1000 ms' });
  });
  it('HTTP: hanging, trickling, resetting and non-HTTP answers', () => {
    expect(failure('hang')).toEqual({
      status: 'error',
      error: 'no HTTP answer: /autodiscover/autodiscover.xml: no answer within the request timeout of 1000 ms',
    });
    expect(failure('trickle').error).toMatch(/no answer within the request timeout of 1000 ms/);
    expect(failure('reset').error).toMatch(/connection closed without an HTTP response/);
    expect(failure('malformed').error).toMatch(/not a valid HTTP response/);
    // Two silent requests in a row end the target early instead of waiting out every timeout.
    expect(server('hang').requests).toHaveLength(2);
  });
  it('the request timeout fires even when garbage collection runs meanwhile (Node 20 AbortSignal.any lost timers)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const timer = setInterval(gc, 50);
    try {
      const c = await scanTarget(target('trickle'), { ca: lab.ca, requestTimeoutMs: 1000, targetTimeoutMs: 20_000 });
      expect(c.failure!.error).toMatch(/no answer within the request timeout of 1000 ms/);
    } finally {
      clearInterval(timer);
    }
  });
  it('slow: within the request timeout it is assessed, beyond it it is an error', () => {
    expect(ex('slow-ok')).toMatchObject({ build: '15.2.1118.9', precision: 'exact' });
    expect(failure('slow-timeout')).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/request timeout of 1000 ms/),
    });
  });
  it('the per-target timeout bounds a slow server and says which limit hit', async () => {
    const none = await scanTarget(target('slow-timeout'), { ca: lab.ca, requestTimeoutMs: 5000, targetTimeoutMs: 500 });
    expect(none.failure).toEqual({
      status: 'error',
      error: 'no HTTP answer within the per-target timeout of 500 ms (raise --timeout)',
    });
    // Cut off half way: what was seen is kept, and the collector says what it could not finish (a partial result).
    // Four requests of 150 ms each at the least: 500 ms always cuts it after the first answer.
    const some = await scanTarget(target('slow-ok'), { ca: lab.ca, requestTimeoutMs: 1000, targetTimeoutMs: 500 });
    expect(some.facts!.exchange).toMatchObject({ build: '15.2.1118.9', precision: 'exact' });
    expect(some.facts!.collectors![0]!.errors![0]!.message).toMatch(/per-target timeout of 500 ms reached/);
  });
  it('nonsense versions never become a build', () => {
    expect(ex('nonsense')).toMatchObject({
      precision: 'none',
      inconsistent: expect.stringMatching(/"banana" is not a build number/),
    });
    expect(ex('nonsense').build).toBeUndefined();
  });
  it('a reset is retried once: a server that drops every other request is fully assessed', () => {
    expect(ex('flaky')).toMatchObject({ build: '15.0.1497.26', precision: 'exact', product: '2013' });
    expect(facts('flaky').collectors![0]!.errors).toBeUndefined();
    expect(facts('flaky').http!.mitigationProbes!.map((p) => p.outcome)).toEqual(['not-blocked', 'not-blocked']);
  });
});
