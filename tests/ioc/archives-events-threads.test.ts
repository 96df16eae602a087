import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep, type SweepResult } from '../../src/ioc/sweep.js';

const EXTRA = join(import.meta.dirname, '../../fixtures/ioc-extra');
const LOGS = join(import.meta.dirname, '../../fixtures/logs');
let r: SweepResult;
beforeAll(async () => {
  r = await sweep([EXTRA], { jobs: 1 });
});
const rel = (f: string) => f.slice(EXTRA.length + 1);

describe('zip archives of triage folders', () => {
  it('sweeps deflated, stored, gzip-inside and zip64 entries, citing archive!/entry', () => {
    const inZip = r.hits.filter((h) => h.file.includes('.zip!/')).map((h) => `${h.indicator} ${rel(h.file)}:${h.line}`);
    expect(inZip).toEqual([
      'proxylogon-ecp-static-post triage-ex01.zip!/Logging/HttpProxy/Ecp/HttpProxy_2021030100-1.LOG:6',
      'proxylogon-serverinfo-anchor triage-ex01.zip!/Logging/HttpProxy/Ecp/HttpProxy_2021030100-1.LOG:7',
      'proxylogon-ecp-static-post triage-ex01.zip!/Logging/HttpProxy/Ecp/HttpProxy_2021030100-1.LOG:7',
      'proxylogon-serverinfo-anchor triage-ex01.zip!/Logging/HttpProxy/Ecp/HttpProxy_2021030100-1.LOG:8',
      'proxylogon-ecp-reset-vdir triage-ex01.zip!/Logging/HttpProxy/Ecp/HttpProxy_2021030100-1.LOG:8',
      'proxylogon-oab-write triage-ex01.zip!/Logging/OABGeneratorLog/OABGen20210301.LOG:1',
      'proxyshell-autodiscover triage-ex01.zip!/Logging/HttpProxy/Autodiscover/HttpProxy_2022092910-1.LOG:3',
      'proxyshell-autodiscover triage-ex01.zip!/Logging/HttpProxy/Autodiscover/HttpProxy_2022092910-1.LOG:4',
      'proxynotshell-autodiscover-powershell triage-ex01.zip!/Logging/HttpProxy/Autodiscover/HttpProxy_2022092910-1.LOG:4',
      // The page's place (owa/auth, not a page Exchange ships) and its code are each a finding.
      'page-in-owa-auth triage-zip64.zip!/webroot/owa/auth/errorEE.aspx:0',
      'webshell-jscript-eval triage-zip64.zip!/webroot/owa/auth/errorEE.aspx:1',
      'webshell-eval-request triage-zip64.zip!/webroot/owa/auth/errorEE.aspx:1',
    ]);
  });
  it('finds in an archive exactly what it finds in the folder it was made from', async () => {
    const folder = await sweep([join(LOGS, 'HttpProxy', 'Ecp'), join(LOGS, 'OABGeneratorLog')], { jobs: 1 });
    const key = (h: { indicator: string; line: number; file: string }) =>
      `${h.indicator}:${h.line}:${h.file.split(/[\\/]/).pop()}`;
    expect(r.hits.filter((h) => /Ecp|OABGen/.test(h.file)).map(key)).toEqual(folder.hits.map(key));
  });
  it('reports an unsupported entry, a file that is not a zip and a truncated archive, and goes on', () => {
    expect(r.summary.unreadable.map((u) => `${rel(u.file)}: ${u.error}`)).toEqual([
      expect.stringMatching(/^not-a-zip\.zip: not swept: End of central directory record signature not found/),
      'triage-ex01.zip!/listing/files-listing.txt: unsupported compression method: 12',
      expect.stringMatching(/^truncated\.zip: not swept: End of central directory record signature not found/),
    ]);
  });
});

describe('exported Application event logs in XML', () => {
  it("Event Viewer's UTF-16 export and wevtutil's one-per-line output: only the UM error with InvalidCastException", () => {
    const um = r.hits
      .filter((h) => h.indicator === 'proxylogon-um-invalidcast')
      .map((h) => `${rel(h.file)}:${h.line} ${h.timestamp}`);
    expect(um).toEqual([
      'Application-eventviewer.xml:1 2021-03-02T04:12:33.0000000Z',
      'Application-wevtutil.xml:1 2021-03-03T01:00:00.0000000Z',
    ]);
  });
  it('counts a cut-off event as malformed', () => {
    expect(r.summary.malformedLines).toBe(1);
    expect(r.summary.lines).toBeGreaterThanOrEqual(7); // every event is a record
  });
});

describe('worker threads', () => {
  it('give the same result as one thread, in the same order', async () => {
    const one = await sweep([LOGS, EXTRA], { jobs: 1 });
    const many = await sweep([LOGS, EXTRA], { jobs: 3 });
    expect(many).toEqual(one);
    expect(one.hits.length).toBeGreaterThan(10);
  });
});

describe('constant memory on hostile input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exaudit-ioc-big-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('a 64 MiB line without a newline is one malformed line, and the record after it is still judged', async () => {
    const file = join(dir, 'files-listing.txt');
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(file);
      out.on('error', reject);
      const block = 'A'.repeat(1024 * 1024);
      for (let i = 0; i < 64; i++) out.write(block);
      out.end('\nC:\\root\\lsass.dmp\n', () => resolve());
    });
    const before = process.memoryUsage().rss;
    const res = await sweep([file], { jobs: 1 });
    expect(res.summary.malformedLines).toBe(1);
    expect(res.hits.map((h) => `${h.indicator}:${h.line}`)).toEqual(['lsass-dump:2']);
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024); // far below the line's 64 MiB (x2 as UTF-16)
  });
  it('a binary file and an empty one are read without a hit or an error', async () => {
    writeFileSync(join(dir, 'HttpProxy_bin.LOG'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)));
    writeFileSync(join(dir, 'empty.LOG'), '');
    const res = await sweep([join(dir, 'HttpProxy_bin.LOG'), join(dir, 'empty.LOG')], { jobs: 1 });
    expect(res.hits).toEqual([]);
    expect(res.summary.unreadable).toEqual([]);
  });
});
