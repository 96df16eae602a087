/**
 * Every indicator family of issue 14, each with a true sample and a near-miss decoy, in our own fixtures made from
 * public samples (fixtures/ioc-webshells/README.md and fixtures/ioc-families/README.md cite the originals).
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIndicators, sweep, type SweepResult } from '../../src/ioc/sweep.js';
import { evtxFile, type TestEvent } from '../helpers/evtx.js';

const FIX = join(import.meta.dirname, '../../fixtures');
const SHELLS = join(FIX, 'ioc-webshells');
const FAM = join(FIX, 'ioc-families');
const rel = (base: string) => (f: string) => f.slice(base.length + 1);
const ids = (r: SweepResult, file: string) => r.hits.filter((h) => h.file.endsWith(file)).map((h) => h.indicator);

describe('web shells: every family found, every decoy page left alone', () => {
  let r: SweepResult;
  beforeAll(async () => {
    r = await sweep([SHELLS], { jobs: 1 });
  });
  const expected: Record<string, string[]> = {
    'chopper-oneline.aspx': ['webshell-jscript-eval', 'webshell-eval-request'],
    'chopper-split.aspx': ['webshell-jscript-eval', 'webshell-eval-request-variable'],
    'chopper-variable.aspx': ['webshell-jscript-eval', 'webshell-eval-request-variable'],
    'chopper-base64.aspx': ['webshell-jscript-eval'],
    'chopper-oab-externalurl.aspx': ['webshell-jscript-eval', 'webshell-eval-request'],
    'godzilla.aspx': ['webshell-assembly-load'],
    'godzilla.ashx': ['webshell-assembly-load'],
    'godzilla.asmx': ['webshell-assembly-load'],
    'behinder.aspx': ['webshell-assembly-load'],
    'aspxspy-like.aspx': ['webshell-process-start'],
    'antak-like.aspx': ['webshell-process-start'],
    'cmd-exec.aspx': ['webshell-process-start'],
    'global.asax': ['webshell-process-start'],
    'web.config': ['webshell-process-start', 'webshell-config-code'],
    'regeorg-tunnel.aspx': ['webshell-socket-tunnel'],
    'regeorg-tunnel.ashx': ['webshell-socket-tunnel'],
    'uploader.aspx': ['webshell-file-write-from-request'],
    'writer.aspx': ['webshell-file-write-from-request'],
    'file-browser.aspx': ['webshell-file-browser-variable'],
    'file-browser-direct.aspx': ['webshell-file-browser'],
    'sql-console.aspx': ['webshell-sql-console'],
  };
  it('finds each malicious page by what its code does', () => {
    const files = readdirSync(join(SHELLS, 'malicious')).sort();
    expect(files).toEqual(Object.keys(expected).sort());
    for (const f of files) expect(ids(r, `malicious/${f}`), f).toEqual(expected[f]);
  });
  it('reports nothing on the legitimate near misses (client-side eval, uploads, loaders, monitors, Exchange pages)', () => {
    // The decoy set is at least as large as the malicious one, by pages and by bytes.
    const size = (d: string) => readdirSync(d).reduce((n, f) => n + statSync(join(d, f)).size, 0);
    const [decoys, bad] = [join(SHELLS, 'decoys'), join(SHELLS, 'malicious')];
    expect(readdirSync(decoys).length).toBeGreaterThanOrEqual(readdirSync(bad).length);
    expect(size(decoys)).toBeGreaterThanOrEqual(size(bad));
    expect(r.hits.filter((h) => h.file.includes('/decoys/')).map((h) => `${h.indicator} ${h.file}`)).toEqual([]);
  });
});

describe('logs, events, listings, triage folders and Test-ProxyLogon exports', () => {
  let r: SweepResult;
  const hitsIn = (part: string) => r.hits.filter((h) => h.file.includes(part)).map((h) => `${h.indicator}:${h.line}`);
  beforeAll(async () => {
    r = await sweep([FAM], { jobs: 1 });
  });
  it('IIS W3C logs: every attack request, none of the 132 normal ones; a second #Fields header is followed', () => {
    expect(hitsIn('u_ex210813.log')).toEqual([
      'proxyshell-autodiscover:65', // the first stage: autodiscover.xml?=&Email=autodiscover/…
      'proxyshell-autodiscover:66', // /mapi/nspi
      'proxyshell-autodiscover:67', // /powershell with X-Rps-CAT
      'proxynotshell-autodiscover-powershell:67',
      'proxyshell-autodiscover:68', // ProxyNotShell, its PowerShell name percent-escaped
      'proxynotshell-autodiscover-powershell:68',
      'owassrf-owa-powershell:69',
      'proxytoken-inbox-rule:70',
      'proxylogon-ecp-static-post:135', // after IIS restarted with one more column
      'webshell-post-aspnet-client:136',
      'webshell-post-owa-auth:137',
      'webshell-post-aspnet-client:138',
      'webshell-tunnel-request:138',
      'webshell-command-in-url:139',
    ]);
    expect(r.hits.find((h) => h.file.includes('u_ex') && h.line === 65)).toMatchObject({
      clientIp: '203.0.113.66',
      timestamp: '2021-08-13T01:10:01',
    });
  });
  it("HttpProxy: OWASSRF's /owa/<mailbox>/powershell, not Exchange's own probe of the same path", () => {
    expect(hitsIn('HttpProxy_2022120109-1.LOG')).toEqual(['owassrf-owa-powershell:26']);
  });
  it('management events in Get-WinEvent CSV, Get-EventLog CSV (UTF-16) and wevtutil XML; routine administration left alone', () => {
    const five = [
      'mailbox-import-export-role',
      'mailbox-export-to-web-path',
      'mailbox-export-removed',
      'oab-vdir-script',
      'certificate-request-to-web-path',
    ];
    for (const f of ['getwinevent.csv', 'geteventlog.csv', 'wevtutil.xml'])
      expect(ids(r, `MSExchange-Management-${f}`), f).toEqual(five);
  });
  it('listings: Get-ChildItem tables (UTF-16, folder from "Directory:") and dir /s, by path', () => {
    expect(hitsIn('gci-table.txt')).toEqual(['lsass-dump:8', 'programdata-archive:17', 'page-in-aspnet-client:27']);
    expect(hitsIn('dir-s.txt')).toEqual(['page-in-owa-auth:9']); // errorEE.aspx; errorFE, logon and signout ship there
  });
  it('triage folders: files judged by where they are, and by their contents', () => {
    expect(hitsIn('triage/EX01').sort()).toEqual([
      'lsass-dump:0',
      'page-in-aspnet-client:0',
      'programdata-archive:0',
      'webshell-eval-request:1',
      'webshell-jscript-eval:1',
    ]);
    expect(hitsIn('triage/EX02')).toEqual([]); // Defender's log under ProgramData, signout.aspx in owa/auth
  });
  it("Test-ProxyLogon's exports: each row is its CVE's finding; the log-age table is not", () => {
    expect(hitsIn('/tpl/')).toEqual([
      'tpl-export-26855:3',
      'tpl-export-26857:3', // a message over two lines is one record
      'tpl-export-26858:1',
      'tpl-export-27065:1',
      'tpl-export-suspicious-file:3',
    ]);
  });
});

describe('.evtx files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exaudit-evtx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ev = (data: string[], over: Partial<TestEvent> = {}): TestEvent => ({
    provider: 'MSExchange CmdletLogs',
    eventId: 1,
    level: 4,
    time: '2021-08-13T01:11:00Z',
    channel: 'MSExchange Management',
    data,
    ...over,
  });
  it('management and Unified Messaging events are judged from the file itself, templates shared between records', async () => {
    writeFileSync(
      join(dir, 'MSExchange Management.evtx'),
      evtxFile([
        ev(['Get-Mailbox', '-Identity "jdoe"']),
        ev([
          'New-MailboxExportRequest',
          '-Mailbox "jdoe" -FilePath "\\\\localhost\\c$\\inetpub\\wwwroot\\aspnet_client\\x.aspx"',
        ]),
        ev(['New-MailboxExportRequest', '-Mailbox "leaver" -FilePath "\\\\fs01\\pst$\\leaver.pst"']),
      ]),
    );
    writeFileSync(
      join(dir, 'Application.evtx'),
      evtxFile([
        ev(['UMWorkerProcess', 'System.InvalidCastException: Unable to cast object'], {
          provider: 'MSExchange Unified Messaging',
          level: 2,
          channel: 'Application',
        }),
        ev(['UMWorkerProcess', 'System.InvalidCastException seen in a warning'], {
          provider: 'MSExchange Unified Messaging',
          level: 3,
          channel: 'Application',
        }),
      ]),
    );
    const r = await sweep([dir], { jobs: 1 });
    expect(r.hits.map((h) => `${h.indicator} ${rel(dir)(h.file)}:${h.line} ${h.timestamp}`)).toEqual([
      'proxylogon-um-invalidcast Application.evtx:1 2021-08-13T01:11:00.000Z',
      'mailbox-export-to-web-path MSExchange Management.evtx:2 2021-08-13T01:11:00.000Z',
    ]);
    expect(r.summary).toMatchObject({ lines: 5, malformedLines: 0, unreadable: [] });
  });
});

describe('the rule set', () => {
  it('every shipped indicator is exercised by a fixture (each has a true sample)', async () => {
    const r = await sweep([join(FIX, 'logs'), join(FIX, 'ioc-extra'), FAM, join(SHELLS, 'malicious')], { jobs: 1 });
    const seen = new Set(r.hits.map((h) => h.indicator));
    const missing = loadIndicators()
      .map((i) => i.id)
      .filter((id) => !seen.has(id));
    expect(missing).toEqual([]);
  });
});
