/**
 * The fake servers answer as remote-detection.md §6 says: X-OWA-Version on the 401s only from the July 2021 SU
 * on, the versioned OWA folder, the manifest, the mitigations' abort, load-balanced front ends per connection,
 * and every server closes cleanly with connections still open.
 */
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { defaultHttpFleet, labFleet, startHttpLab, type HttpLab } from '../../src/lab/index.js';
import { iisFor, sendsOwaVersion } from '../../src/lab/http/spec.js';

let lab: HttpLab;
let agent: Agent;
const url = (name: string) => lab.servers.find((s) => s.name === name)!.url;

async function get(name: string, path: string, headers: Record<string, string> = {}, reset = false) {
  try {
    const r = await request(url(name) + path, {
      dispatcher: agent,
      headers,
      reset,
      headersTimeout: 2000,
      bodyTimeout: 2000,
    });
    const got = Object.fromEntries(
      Object.entries(r.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
    );
    return { status: r.statusCode, headers: got, body: await r.body.text() };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? String(err) };
  }
}

beforeAll(async () => {
  lab = await startHttpLab([
    { name: 'pre', build: '15.2.858.12' },
    { name: 'post', build: '15.2.858.15' },
    { name: 'later-cu', build: '15.1.2375.7' },
    { name: 'e13', build: '15.0.1497.48' },
    { name: 'blocked', build: '15.2.1544.4', ecp: 'blocked' },
    { name: 'abort', build: '15.2.1118.7', mitigations: { proxynotshell: 'abort', proxylogon: 'abort' } },
    { name: 'custom', build: '15.2.1118.7', mitigations: { proxynotshell: 'custom-403' } },
    {
      name: 'lb',
      frontEnds: [
        { name: 'FE1', build: '15.2.1748.10' },
        { name: 'FE2', build: '15.2.1748.24' },
      ],
    },
    { name: 'e10', build: '14.3.513.0' },
    { name: 'exo', kind: 'online' },
    { name: 'aliased', build: '15.2.1258.12', aliases: 3 },
    { name: 'hang', kind: 'hang' },
  ]);
  agent = new Agent({ connect: { ca: lab.ca }, connections: 4 });
});
afterAll(async () => {
  await agent?.close();
  await lab?.close();
});

describe('the July 2021 SU rule', () => {
  it.each([
    ['15.0.1497.18', false],
    ['15.0.1497.23', true],
    ['15.1.2242.10', false],
    ['15.1.2242.12', true],
    ['15.1.2308.14', true],
    ['15.1.2176.9', false],
    ['15.1.2375.7', true],
    ['15.2.858.12', false],
    ['15.2.858.15', true],
    ['15.2.922.13', true],
    ['15.2.792.15', false],
    ['15.2.986.5', true],
    ['15.2.2562.17', true],
    ['14.3.513.0', false],
  ])('%s sends X-OWA-Version: %s', (b, v) => {
    expect(sendsOwaVersion(b)).toBe(v);
  });
  it('picks IIS by family', () => {
    expect([iisFor('14.3.513.0'), iisFor('15.0.1497.48'), iisFor('15.1.2507.61'), iisFor('15.2.2562.17')]).toEqual([
      '7.5',
      '8.5',
      '10.0',
      '10.0',
    ]);
  });
});

describe('an on-premises Exchange', () => {
  it('answers the 401 endpoints with X-OWA-Version only after the July 2021 SU', async () => {
    const pre = await get('pre', '/autodiscover/autodiscover.xml');
    const post = await get('post', '/EWS/Exchange.asmx');
    expect(pre).toMatchObject({ status: 401 });
    expect(pre.headers!['x-owa-version']).toBeUndefined();
    expect(pre.headers!['x-feserver']).toBe('PRE');
    expect(pre.headers!['www-authenticate']).toMatch(/Negotiate.*NTLM.*Basic realm=/);
    expect(post.headers!['x-owa-version']).toBe('15.2.858.15');
    expect((await get('later-cu', '/Microsoft-Server-ActiveSync')).headers!['x-owa-version']).toBe('15.1.2375.7');
  });
  it('serves the logon page with the CU folder, the favicon only for that folder, and /owa/ as a redirect without the header', async () => {
    const logon = await get('e13', '/owa/auth/logon.aspx');
    expect(logon.body).toContain('<!-- OwaPage = ASP.auth_logon_aspx -->');
    expect(logon.body).toContain('href="/owa/auth/15.0.1497/themes/resources/favicon.ico"');
    expect(logon.headers!['server']).toBe('Microsoft-IIS/8.5');
    expect((await get('e13', '/owa/auth/15.0.1497/themes/resources/favicon.ico')).status).toBe(200);
    expect((await get('e13', '/owa/auth/15.0.1496/themes/resources/favicon.ico')).status).toBe(404);
    const owa = await get('post', '/owa/');
    expect(owa.status).toBe(302);
    expect(owa.headers!['location']).toMatch(
      /\/owa\/auth\/logon\.aspx\?url=https%3a%2f%2f127\.0\.0\.1%3a?\d*|\/owa\/auth\/logon\.aspx\?url=/,
    );
    expect(owa.headers!['x-owa-version']).toBeUndefined();
    expect((await get('e13', '/owa/auth/logon.aspx?replaceCurrent=1&url=https%3a%2f%2fx%2fecp')).body).toContain(
      'Exchange Admin Center',
    );
  });
  it('serves the export-tool manifest for Current and the exact build, 404 otherwise, and nothing when ECP is blocked', async () => {
    const m = await get('e13', '/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application');
    expect(m.status).toBe(200);
    expect(m.body).toContain(
      'name="microsoft.exchange.ediscovery.exporttool" version="15.0.1497.48" publicKeyToken="b1d1a6c45aa418ce"',
    );
    expect(
      (await get('e13', '/ecp/15.0.1497.48/exporttool/microsoft.exchange.ediscovery.exporttool.application')).status,
    ).toBe(200);
    expect(
      (await get('e13', '/ecp/15.0.1497.47/exporttool/microsoft.exchange.ediscovery.exporttool.application')).status,
    ).toBe(404);
    const blocked = await get(
      'blocked',
      '/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application',
    );
    expect(blocked.status).toBe(404);
    expect(blocked.headers!['x-feserver']).toBeUndefined();
    expect((await get('blocked', '/ecp/')).status).toBe(403);
  });
  it('answers like 2010 for 14.x: X-OWA-Version on OWA, a four-part folder, no export tool', async () => {
    const logon = await get('e10', '/owa/auth/logon.aspx');
    expect(logon.headers!['x-owa-version']).toBe('14.3.513.0');
    expect(logon.headers!['server']).toBe('Microsoft-IIS/7.5');
    expect(logon.body).toContain('/owa/14.3.513.0/themes/resources/favicon.ico');
    expect(
      (await get('e10', '/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application')).status,
    ).toBe(404);
  });
  it('redirects an HTTP/1.0 request without Host to an internal address', async () => {
    const s = lab.servers.find((x) => x.name === 'post')!;
    const text = await new Promise<string>((resolve, reject) => {
      const sock = tlsConnect({ host: '127.0.0.1', port: s.port, ca: lab.ca }, () =>
        sock.end('GET / HTTP/1.0\r\n\r\n'),
      );
      let data = '';
      sock.on('data', (d) => {
        data += String(d);
      });
      sock.on('end', () => resolve(data));
      sock.on('error', reject);
    });
    expect(text).toMatch(/^HTTP\/1\.1 302/);
    expect(text).toMatch(/Location: https:\/\/10\.0\.5\.21\/owa\//i);
  });
});

describe('URL-rewrite mitigations', () => {
  it('abort matching requests without a response, like IIS AbortRequest', async () => {
    expect(await get('abort', '/autodiscover/autodiscover.json?a=PowerShell')).toEqual({ error: 'UND_ERR_SOCKET' });
    expect(await get('abort', '/autodiscover/autodiscover.json?a=%50owershell')).toEqual({ error: 'UND_ERR_SOCKET' }); // the rule reads the decoded URI
    expect(await get('abort', '/owa/auth/logon.aspx', { cookie: 'a=1; X-AnonResource-Backend=' })).toEqual({
      error: 'UND_ERR_SOCKET',
    });
    expect(await get('abort', '/owa/auth/logon.aspx', { cookie: 'X-BEResource=a/b~1' })).toEqual({
      error: 'UND_ERR_SOCKET',
    });
  });
  it('let everything else through', async () => {
    expect((await get('abort', '/autodiscover/autodiscover.json')).status).toBe(404);
    expect((await get('abort', '/owa/auth/logon.aspx', { cookie: 'X-BEResource=nothing' })).status).toBe(200);
    expect((await get('post', '/autodiscover/autodiscover.json?a=powershell')).status).toBe(404);
  });
  it('answer 403 without Exchange headers for a CustomResponse rule', async () => {
    const r = await get('custom', '/autodiscover/autodiscover.json?x=powershell');
    expect(r.status).toBe(403);
    expect(r.headers!['x-feserver']).toBeUndefined();
  });
});

describe('other servers', () => {
  it('a load-balanced name moves to the next front end on every new connection', async () => {
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const r = await get('lb', '/autodiscover/autodiscover.xml', {}, true);
      seen.push(`${r.headers!['x-feserver']} ${r.headers!['x-owa-version']}`);
    }
    expect(new Set(seen)).toEqual(new Set(['FE1 15.2.1748.10', 'FE2 15.2.1748.24']));
  });
  it('Exchange Online answers with 15.20.x, EXO routing headers and a Bearer challenge', async () => {
    const r = await get('exo', '/autodiscover/autodiscover.xml');
    expect(r.status).toBe(401);
    expect(r.headers!['x-owa-version']).toMatch(/^15\.20\./);
    expect(r.headers!['x-calculatedbetarget']).toMatch(/PROD\.OUTLOOK\.COM$/);
    expect(r.headers!['www-authenticate']).toMatch(/Bearer client_id="00000002-0000-0ff1-ce00-000000000000"/);
  });
  it('alias ports reach the same server', async () => {
    const s = lab.servers.find((x) => x.name === 'aliased')!;
    expect(s.ports).toHaveLength(4);
    const a = new Agent({ connect: { ca: lab.ca } });
    try {
      for (const port of s.ports) {
        const r = await request(`https://127.0.0.1:${port}/EWS/Exchange.asmx`, { dispatcher: a });
        await r.body.dump();
        expect(r.headers['x-owa-version']).toBe('15.2.1258.12');
      }
    } finally {
      await a.close();
    }
  });
  it('logs what it received', async () => {
    await get('e13', '/EWS/Exchange.asmx', { 'x-test': 'yes' });
    const s = lab.servers.find((x) => x.name === 'e13')!;
    expect(s.requests.at(-1)).toMatchObject({ method: 'GET', url: '/EWS/Exchange.asmx', headers: { 'x-test': 'yes' } });
  });
});

describe('the fleets', () => {
  it('the default fleet covers every family and every kind the demo needs, and nothing that hangs', () => {
    const fleet = defaultHttpFleet();
    const builds = fleet
      .flatMap((s) => [s.build, ...(s.frontEnds ?? []).map((f) => f.build)])
      .filter(Boolean) as string[];
    for (const prefix of ['15.0.', '15.1.', '15.2.']) expect(builds.some((b) => b.startsWith(prefix))).toBe(true);
    expect(builds.some((b) => Number(b.split('.')[2]) >= 2562)).toBe(true);
    expect(builds.some((b) => !sendsOwaVersion(b)) && builds.some((b) => sendsOwaVersion(b))).toBe(true);
    expect(new Set(fleet.map((s) => s.kind ?? 'exchange'))).toEqual(
      new Set(['exchange', 'online', 'not-exchange', 'proxy', 'tls-broken']),
    );
    expect(new Set(fleet.map((s) => s.name)).size).toBe(fleet.length);
  });
  it('labFleet(n) cycles the default fleet with unique names', () => {
    const f = labFleet(30);
    expect(f).toHaveLength(30);
    expect(new Set(f.map((s) => s.name)).size).toBe(30);
  });
  it('close() returns while clients still hold hanging connections, and the ports stop accepting', async () => {
    const extra = await startHttpLab([
      { name: 'hang', kind: 'hang' },
      { name: 'tls-hang', kind: 'tls-hang' },
    ]);
    const sockets = extra.servers.map((s) => tcpConnect({ host: '127.0.0.1', port: s.port }));
    await Promise.all(sockets.map((s) => new Promise((r) => s.once('connect', r))));
    await extra.close();
    await Promise.all(
      sockets.map(
        (s) =>
          new Promise((r) => {
            if (s.destroyed) r(null);
            else s.once('close', r);
          }),
      ),
    );
    const refused = await new Promise<string>((resolve) => {
      const s = tcpConnect({ host: '127.0.0.1', port: extra.servers[0]!.port });
      s.once('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
