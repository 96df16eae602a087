/**
 * `exaudit scan` as a user runs it: the result document (schema-valid, options recorded), ndjson streaming with a
 * summary that equals the document's, exit codes, waivers, and one-line input errors. Servers run in this
 * process on 127.0.0.1; the CLI is the compiled one (npm test builds it first).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpLab, type HttpLab } from '../../../src/lab/index.js';
import { runCliAsync } from '../../helpers/cli.js';
import { ResultDocument, Summary, TargetResult } from '../../../src/contract.js';
import { PATHS } from '../../../src/collect/http/scan.js';

let lab: HttpLab;
let dir: string;
let doc: ResultDocument;
let targets: string[];
const AS_OF = ['--as-of', '2026-11-25'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exaudit-scan-cli-'));
  lab = await startHttpLab([
    { name: 'ex2016-cu21-nov21su', build: '15.1.2308.20' },
    { name: 'ex2013-cu23-jan22su-eomt', build: '15.0.1497.28', mitigations: { proxylogon: 'abort' } },
    { name: 'exo', kind: 'online' },
    { name: 'web', kind: 'not-exchange' },
    { name: 'broken', kind: 'tls-broken' },
  ]);
  targets = lab.targets();
  const r = await runCliAsync([
    'scan',
    ...targets,
    '--ca',
    lab.caFile,
    '--probe',
    'mitigations',
    '--format',
    'json',
    '--fail-on',
    'none',
    '--quiet',
    ...AS_OF,
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(3); // nothing at --fail-on none, but one target was not assessed
  doc = ResultDocument.parse(JSON.parse(r.stdout));
}, 90_000);
afterAll(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('exaudit scan --format json', () => {
  it('keeps input order, judges each target, and records the options that change what was observed', () => {
    expect(doc.command).toBe('scan');
    expect(doc.targets.map((t) => t.target)).toEqual(targets);
    expect(doc.targets.map((t) => t.status)).toEqual(['assessed', 'assessed', 'assessed', 'assessed', 'error']);
    expect(doc.options).toMatchObject({
      insecure: false,
      probes: ['mitigations'],
      ca: lab.caFile,
      concurrency: 64,
      samples: 3,
      timeoutMs: 30_000,
      requestTimeoutMs: 10_000,
    });
    expect(doc.targets[4]!.error).toMatch(/TLS handshake failed/);
  });
  it('runs the checks on the scanned facts', () => {
    const e16 = doc.targets[0]!;
    expect(e16.facts!.exchange).toMatchObject({ build: '15.1.2308.20', precision: 'exact', product: '2016' });
    expect(e16.findings.find((f) => f.checkId === 'exchange-build')).toMatchObject({
      status: 'pass',
      code: 'build-identified',
    });
    const exo = doc.targets[2]!;
    expect(exo.findings.length).toBeGreaterThan(0);
    expect(exo.findings.every((f) => f.status === 'not_applicable')).toBe(true);
    // The reason travels with the verdict: Exchange Online by what answered (evidence), not-Exchange likewise.
    expect(exo.findings.every((f) => /answered as Exchange Online/.test(f.message))).toBe(true);
    expect(
      exo.findings.every((f) =>
        f.evidence.some(
          (e) => e.fact === 'exchange.source' && /^Exchange Online: .+ on 401 \//.test(String(e.observed)),
        ),
      ),
    ).toBe(true);
    const web = doc.targets[3]!;
    expect(web.findings.length).toBeGreaterThan(0);
    expect(
      web.findings.every(
        (f) => f.status === 'not_applicable' && /no Exchange response on autodiscover, EWS or OWA/.test(f.message),
      ),
    ).toBe(true);
    expect(web.findings.find((f) => f.checkId === 'exchange-build')).toMatchObject({
      status: 'not_applicable',
      code: 'not-exchange',
    });
  });
  it('--insecure is recorded in the options and in the facts', async () => {
    const r = await runCliAsync(['scan', targets[0]!, '--insecure', '--format', 'json', '--fail-on', 'none', ...AS_OF]);
    expect(r.stderr).toMatch(/--insecure: TLS certificates are not verified/);
    const d = ResultDocument.parse(JSON.parse(r.stdout));
    expect(d.options).toMatchObject({ insecure: true });
    expect(d.targets[0]!.facts!.http!.tls).toMatchObject({ insecure: true, verified: false });
  });
  it('exits 1 when findings reach --fail-on, 0 when none do', async () => {
    expect(
      (await runCliAsync(['scan', targets[0]!, '--ca', lab.caFile, '--format', 'json', '--quiet', ...AS_OF])).code,
    ).toBe(1);
    expect(
      (await runCliAsync(['scan', targets[2]!, '--ca', lab.caFile, '--format', 'json', '--quiet', ...AS_OF])).code,
    ).toBe(0);
  });
});

describe('every target form, scanned for real, passive by default', () => {
  let forms: HttpLab;
  let r: Awaited<ReturnType<typeof runCliAsync>>;
  let got: ResultDocument;
  let v4: number[];
  let v6: number;
  beforeAll(async () => {
    forms = await startHttpLab([
      { name: 'v4', build: '15.1.2507.39', aliases: 2 },
      { name: 'v6', build: '15.2.1748.24', listen: '::1' },
    ]);
    v4 = forms.servers[0]!.ports;
    v6 = forms.servers[1]!.port;
    const file = join(dir, 'targets.txt');
    writeFileSync(file, `# estate\nhttps://127.0.0.1:${v4[1]}/\n\n[::1]:${v6}   # the IPv6 one\n`);
    r = await runCliAsync([
      'scan',
      `localhost:${v4[0]}`,
      `127.0.0.1/32:${v4[2]}`,
      '--targets-file',
      file,
      '--ca',
      forms.caFile,
      '--format',
      'json',
      '--fail-on',
      'none',
      '--quiet',
      ...AS_OF,
    ]);
    got = ResultDocument.parse(JSON.parse(r.stdout));
  }, 60_000);
  afterAll(async () => {
    await forms?.close();
  });

  it('host:port, a CIDR range, https://host:port/ and [IPv6]:port from a targets file: each one scanned and judged', () => {
    expect(r.code).toBe(0);
    expect(got.targets.map((t) => t.target)).toEqual([
      `localhost:${v4[0]}`,
      `127.0.0.1:${v4[2]}`,
      `127.0.0.1:${v4[1]}`,
      `[::1]:${v6}`,
    ]);
    expect(got.targets.map((t) => [t.status, t.facts!.exchange!.build, t.facts!.exchange!.precision])).toEqual([
      ['assessed', '15.1.2507.39', 'exact'],
      ['assessed', '15.1.2507.39', 'exact'],
      ['assessed', '15.1.2507.39', 'exact'],
      ['assessed', '15.2.1748.24', 'exact'],
    ]);
    expect(got.targets[3]!.facts!.target).toMatchObject({ address: '::1', port: v6 });
    expect(got.targets[3]!.facts!.http!.tls).toMatchObject({ verified: true });
  });
  it('without --probe only the passive GETs are sent: the documented paths, no cookie, no credentials, no body', () => {
    const passive = new Set<string>(Object.values(PATHS));
    const sent = forms.servers.flatMap((s) => s.requests);
    expect(sent.length).toBeGreaterThan(0);
    for (const q of sent) {
      expect(passive, q.url).toContain(q.url);
      expect(q.method).toBe('GET');
      expect(Object.keys(q.headers).sort()).toEqual(['accept', 'connection', 'host', 'user-agent']);
      expect(q.headers['user-agent']).toMatch(/^exaudit\/\S+ \(passive Exchange scan; /);
    }
    expect(got.options).toMatchObject({ probes: [], insecure: false });
    expect(got.targets.every((t) => t.facts!.http!.mitigationProbes === undefined)).toBe(true);
  });
});

describe('exaudit scan --format ndjson', () => {
  it("streams one schema-valid target per line, then a summary equal to the document's", async () => {
    const out = join(dir, 'scan.ndjson');
    const r = await runCliAsync([
      'scan',
      ...targets,
      '--ca',
      lab.caFile,
      '--probe',
      'mitigations',
      '--format',
      'ndjson',
      '-o',
      out,
      '--fail-on',
      'none',
      ...AS_OF,
    ]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`exaudit: wrote ${out}\n`);
    const lines = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(targets.length + 1);
    const results = lines.slice(0, -1).map((l) => TargetResult.parse(l));
    expect(results.map((t) => t.target).sort()).toEqual([...targets].sort());
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ command: 'scan', options: { probes: ['mitigations'] }, tool: { name: 'exaudit' } });
    expect(Summary.parse(last['summary'])).toEqual(doc.summary);
  });
  it('exits 1 on findings like the document form, and --ndjson is the same as --format ndjson', async () => {
    const r = await runCliAsync(['scan', targets[0]!, '--ca', lab.caFile, '--ndjson', '--quiet', ...AS_OF]);
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
  });
  it('applies waivers line by line and reports them in the summary line', async () => {
    const w = join(dir, 'waivers.yaml');
    writeFileSync(
      w,
      `- check: lifecycle\n  target: ${targets[0]}\n  reason: replacement planned for Q1\n  owner: mail-team\n`,
    );
    const r = await runCliAsync([
      'scan',
      targets[0]!,
      '--ca',
      lab.caFile,
      '--format',
      'ndjson',
      '--waivers',
      w,
      '--fail-on',
      'none',
      '--quiet',
      ...AS_OF,
    ]);
    const [line, summary] = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(
      line.findings.filter((f: { waived?: unknown }) => f.waived).map((f: { checkId: string }) => f.checkId),
    ).toEqual(['lifecycle']);
    expect(summary.summary.waived).toBe(1);
    expect(summary.waivers).toEqual([expect.objectContaining({ check: 'lifecycle', state: 'applied' })]);
  });
});

describe('input errors: one line, exit 2, nothing scanned', () => {
  it.each([
    [['scan'], /no targets/],
    [['scan', '10.0.0.0/8'], /expands to 16777214 addresses.*split it/],
    [['scan', 'http://mail.contoso.test'], /only https/],
    [['scan', '127.0.0.1:1', '--probe', 'exploit'], /unknown probe "exploit": the only probe is "mitigations"/],
    [['scan', '127.0.0.1:1', '--format', 'ndjson,json'], /cannot be combined/],
    [['scan', '127.0.0.1:1', '--ca', '/nonexistent/ca.pem'], /--ca \/nonexistent\/ca\.pem: no such file/],
    [['scan', '127.0.0.1:1', '--timeout', 'soon'], /expected a duration/],
    [['scan', '127.0.0.1:1', '--concurrency', '5000'], /at most 1024/],
    [['scan', '--targets-file', '/nonexistent/hosts.txt'], /--targets-file .*: no such file/],
    [['scan', '127.0.0.1:1', '--host-header', 'bad host'], /is not a host name/],
    [['scan', '127.0.0.1:1', '--rate', '0'], /--rate.*expected requests per second, above 0/],
    [['scan', '127.0.0.1:1', '--rate', 'fast'], /--rate.*expected requests per second/],
    [['scan', '127.0.0.1:1', '--workers', '99'], /--workers.*expected 1 to 16 threads/],
  ])('%j', async (args, re) => {
    const r = await runCliAsync(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
  it('a --ca file that is not a certificate', async () => {
    const f = join(dir, 'notcert.pem');
    writeFileSync(f, 'hello');
    const r = await runCliAsync(['scan', '127.0.0.1:1', '--ca', f]);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(/not a PEM certificate/) });
  });
  it('an unreachable target is reported, and the run exits 3', async () => {
    const r = await runCliAsync(['scan', '127.0.0.1:1', '--format', 'json', '--quiet', ...AS_OF]);
    expect(r.code).toBe(3);
    expect(ResultDocument.parse(JSON.parse(r.stdout)).targets[0]).toMatchObject({
      status: 'unreachable',
      error: 'connection refused',
    });
  });
  it('--help explains the passive requests, what they cost each target, the probes and gives examples', async () => {
    const r = await runCliAsync(['scan', '--help']);
    expect(r.code).toBe(0);
    for (const s of [
      // The counts cost.test.ts measures on the lab servers.
      'a server that sends X-OWA-Version          4 requests on 3 connections',
      'older, or the header hidden                7 requests on 3 connections',
      '3 × --samples + 5 requests (14)',
      '--probe mitigations adds 2 requests',
      '--rate <n>',
      '/autodiscover/autodiscover.xml',
      'X-AnonResource-Backend=',
      'exaudit-probe=powershell',
      '--format ndjson',
      'Examples:',
      '--host-header',
    ])
      expect(r.stdout).toContain(s);
  });
});
