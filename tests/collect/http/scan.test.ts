import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultHttpFleet, startHttpLab, type HttpLab } from '../../../src/lab/index.js';
import { runCliAsync } from '../../helpers/cli.js';
import { ResultDocument, type TargetResult } from '../../../src/engine/result.js';
import { expandTargets, parseTarget } from '../../../src/collect/http/targets.js';
import { judge, manifestVersion, owaPathVersion } from '../../../src/collect/http/scan.js';
import { InputError } from '../../../src/util/errors.js';

let lab: HttpLab;
let doc: ReturnType<typeof ResultDocument.parse>;
const byName = new Map<string, TargetResult>();

beforeAll(async () => {
  lab = await startHttpLab([
    ...defaultHttpFleet(),
    { name: 'hang', kind: 'hang' },
    { name: 'ex2016-cu22-ecp-blocked', build: '15.1.2375.7', owaVersionHeader: false, ecp: false },
  ]);
  const targets = lab.servers.map((s) => `127.0.0.1:${s.port}`);
  const r = await runCliAsync(['scan', ...targets, '--ca', lab.caFile, '--probe', 'mitigations', '--format', 'json', '--fail-on', 'none', '--timeout', '4000', '--request-timeout', '1500', '--as-of', '2026-11-25', '--quiet']);
  expect(r.stderr).toBe('');
  doc = ResultDocument.parse(JSON.parse(r.stdout));
  lab.servers.forEach((s, i) => byName.set(s.spec.name, doc.targets[i]!));
}, 60_000);
afterAll(async () => { await lab?.close(); });

const ex = (name: string) => byName.get(name)!.facts!.exchange!;
const finding = (name: string, code: string, key?: string) => byName.get(name)!.findings.filter((f) => f.code === code && (!key || f.cves.includes(key)));

describe('exaudit scan against the lab', () => {
  it('reads the exact build from X-OWA-Version after the July 2021 SU', () => {
    expect(ex('ex2019-cu14-nov24')).toMatchObject({ build: '15.2.1544.14', precision: 'exact', product: '2019' });
    expect(ex('ex2019-cu14-nov24').source).toMatch(/X-OWA-Version/);
    expect(ex('exse-aug26')).toMatchObject({ build: '15.2.2562.46', product: 'SE' });
  });

  it('falls back to the ECP manifest (exact) before July 2021, and to the OWA path (CU level) when ECP is blocked', () => {
    expect(ex('ex2016-cu19-mar21su')).toMatchObject({ build: '15.1.2176.9', precision: 'exact' });
    expect(ex('ex2016-cu19-mar21su').source).toMatch(/export-tool manifest/);
    expect(ex('ex2016-cu22-ecp-blocked')).toMatchObject({ build: '15.1.2375', precision: 'cu' });
  });

  it('judges the builds: ProxyShell open on 2016 CU19 Mar21SU, nothing passed at CU precision', () => {
    expect(finding('ex2016-cu19-mar21su', 'cve-open', 'CVE-2021-34473')).toHaveLength(1);
    expect(finding('ex2016-cu19-mar21su', 'cve-open', 'CVE-2021-26855')).toHaveLength(0);
    const cu = byName.get('ex2016-cu22-ecp-blocked')!.findings;
    expect(cu.some((f) => f.code === 'cve-su-unknown' && f.cves.includes('CVE-2022-41040'))).toBe(true);
    expect(cu.some((f) => f.code === 'no-open-cves' || f.code === 'updates-current')).toBe(false);
  });

  it('reports every front end behind a load balancer and judges the lowest', () => {
    const lb = ex('ex2019-lb-pair');
    expect(new Set(lb.observations!.map((o) => o.frontEnd))).toEqual(new Set(['EXLB01', 'EXLB02']));
    expect(lb.build).toBe('15.2.1748.36');
  });

  it('recognises Exchange Online and non-Exchange servers as not applicable', () => {
    expect(ex('exo-autodiscover').online).toBe(true);
    expect(byName.get('exo-autodiscover')!.findings.every((f) => f.status === 'not_applicable' || f.checkId === 'cve-exposure' && f.status === 'not_applicable')).toBe(true);
    expect(ex('intranet-nginx').notExchange).toMatch(/no Exchange response/);
  });

  it('mitigation probes: blocked where the rewrite rule is in place, not blocked elsewhere', () => {
    const probes = (n: string) => Object.fromEntries(byName.get(n)!.facts!.http!.mitigationProbes!.map((p) => [p.id, p.outcome]));
    expect(probes('ex2019-cu12-oct22')).toMatchObject({ 'proxynotshell-uri-rule': 'blocked', 'proxylogon-cookie-rule': 'not-blocked' });
    expect(probes('ex2013-mitigated')).toMatchObject({ 'proxylogon-cookie-rule': 'blocked', 'proxynotshell-uri-rule': 'not-blocked' });
    expect(probes('ex2019-cu14-nov24')).toMatchObject({ 'proxynotshell-uri-rule': 'not-blocked' });
  });

  it('bad servers become per-target errors and never stop the scan', () => {
    expect(byName.get('broken-tls')).toMatchObject({ status: expect.stringMatching(/unreachable|error/) });
    expect(byName.get('broken-tls')!.error).toMatch(/TLS/);
    expect(byName.get('hang')!.status).toMatch(/unreachable|error/);
    expect(doc.targets.filter((t) => t.status === 'assessed').length).toBeGreaterThanOrEqual(10);
  });
});

describe('TLS verification', () => {
  it('refuses an untrusted certificate unless --ca or --insecure, and records --insecure', async () => {
    const target = `127.0.0.1:${lab.servers[5]!.port}`;
    const strict = ResultDocument.parse(JSON.parse((await runCliAsync(['scan', target, '--format', 'json', '--fail-on', 'none', '--quiet'])).stdout));
    expect(strict.targets[0]!.error).toMatch(/not trusted.*--ca/);
    const insecure = ResultDocument.parse(JSON.parse((await runCliAsync(['scan', target, '--insecure', '--format', 'json', '--fail-on', 'none', '--quiet'])).stdout));
    expect(insecure.targets[0]!.facts!.http!.tls).toMatchObject({ insecure: true });
    expect(insecure.options).toMatchObject({ insecure: true });
  });
});

describe('targets and parsing', () => {
  it('parses hosts, ports, URLs, IPv6 and CIDR ranges', () => {
    expect(parseTarget('mail.contoso.com')[0]).toMatchObject({ host: 'mail.contoso.com', port: 443, base: 'https://mail.contoso.com:443' });
    expect(parseTarget('https://mail.contoso.com:8443/')[0]).toMatchObject({ port: 8443 });
    expect(parseTarget('[::1]:8443')[0]).toMatchObject({ host: '::1', base: 'https://[::1]:8443' });
    expect(parseTarget('127.0.0.0/30').map((t) => t.host)).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(expandTargets(['127.0.0.1', 'https://127.0.0.1'])).toHaveLength(1);
    expect(() => parseTarget('10.0.0.0/8')).toThrow(InputError);
    expect(() => parseTarget('http://x')).toThrow(/only https/);
  });

  it('reads versions from manifests and OWA paths, and flags inconsistent fingerprints', () => {
    expect(manifestVersion('<assemblyIdentity name="microsoft.exchange.ediscovery.exporttool" version="15.1.2375.7" />')).toBe('15.1.2375.7');
    expect(owaPathVersion('<link href="/owa/auth/15.2.858/themes/resources/favicon.ico">')).toBe('15.2.858');
    const j = judge([{ build: '15.1.1240.20', precision: 'exact', source: 'X-OWA-Version' }, { build: '15.1.1466', precision: 'cu', source: 'OWA path' }], false, true);
    expect(j).toMatchObject({ precision: 'cu' });
    expect(j.source).toMatch(/inconsistent fingerprint/);
  });
});
