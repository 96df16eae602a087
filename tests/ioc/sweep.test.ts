import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sweep, splitCsv, loadIndicators, type SweepResult } from '../../src/ioc/sweep.js';
import { runCli } from '../helpers/cli.js';

const LOGS = join(import.meta.dirname, '../../fixtures/logs');
let r: SweepResult;
beforeAll(async () => {
  r = await sweep([LOGS]);
});
const hitsOf = (id: string) => r.hits.filter((h) => h.indicator === id);

describe('ioc indicators, each both ways', () => {
  it('CVE-2021-26855: ServerInfo anchors, not autodiscover or localhost; empty AuthenticatedUser is the stronger signal', () => {
    const h = hitsOf('proxylogon-serverinfo-anchor');
    expect(h.map((x) => x.line)).toEqual([7, 8]);
    expect(h[0]!.advisory).toMatch(/stronger/);
    expect(h[1]!.advisory).not.toMatch(/stronger/);
    expect(h[0]).toMatchObject({ clientIp: '203.0.113.7', timestamp: '2021-02-28T21:13:04.101Z' });
  });
  it('CVE-2021-27065: Reset*VirtualDirectory with 200, and Set-*VirtualDirectory with script in ECP logs', () => {
    expect(hitsOf('proxylogon-ecp-reset-vdir').map((x) => x.line)).toEqual([8]);
    expect(hitsOf('proxylogon-ecp-set-vdir-script').map((x) => x.line)).toEqual([1]);
  });
  it('CVE-2021-26858 only outside ClientAccess\\OAB; CVE-2021-26857 only for UM errors with InvalidCastException', () => {
    expect(hitsOf('proxylogon-oab-write').map((x) => x.line)).toEqual([1]);
    expect(hitsOf('proxylogon-um-invalidcast').map((x) => x.line)).toEqual([2]);
  });
  it('ProxyShell and ProxyNotShell autodiscover.json shapes, also inside a .gz file; a normal autodiscover.json is not a hit', () => {
    // Line 4 is ProxyNotShell, which reuses ProxyShell's autodiscover.json path confusion: both rules see it.
    expect(hitsOf('proxyshell-autodiscover').map((h) => h.line)).toEqual([3, 4, 3, 4]);
    expect(hitsOf('proxynotshell-autodiscover-powershell')).toHaveLength(2);
    expect(r.hits.some((h) => h.file.endsWith('HttpProxy_2022092911-1.LOG'))).toBe(true);
    expect(r.hits.some((h) => h.line === 5 && /Autodiscover/.test(h.file))).toBe(false);
  });
  it('web shells, LSASS dumps and ProgramData archives, with decoys left alone', () => {
    expect(hitsOf('webshell-eval-request').map((h) => h.file)).toEqual([expect.stringMatching(/discover\.aspx$/)]);
    expect(hitsOf('lsass-dump')).toHaveLength(2);
    expect(hitsOf('programdata-archive').map((h) => h.line)).toEqual([3]);
  });
});

describe('robustness', () => {
  it('reads empty and binary files; lines no rule can match are counted, not parsed', () => {
    // Only lines holding a rule's needle are parsed (and their shape checked): the truncated HttpProxy line holds
    // none, so it is one of the lines counted and nothing more.
    expect(r.summary.malformedLines).toBe(0);
    expect(r.summary.lines).toBeGreaterThan(40);
    expect(r.summary.files).toBe(11);
    expect(r.summary.unreadable).toEqual([]);
  });
  it('reports an unreadable file and goes on; survives a huge line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exaudit-ioc-'));
    try {
      const locked = join(dir, 'HttpProxy_locked.LOG');
      writeFileSync(locked, 'x');
      chmodSync(locked, 0o000);
      writeFileSync(join(dir, 'files-listing.txt'), `${'A'.repeat(2_000_000)}\nC:\\root\\lsass.dmp\n`);
      const res = await sweep([dir, join(dir, 'missing')]);
      expect(res.summary.unreadable.some((u) => u.file.endsWith('missing'))).toBe(true);
      expect(res.hits.map((h) => h.indicator)).toEqual(['lsass-dump']);
      expect(res.summary.malformedLines).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('splits quoted CSV and rejects an unterminated quote', () => {
    expect(splitCsv('a,"b,c","d""e"')).toEqual(['a', 'b,c', 'd"e']);
    expect(splitCsv('a,"b')).toBeUndefined();
  });
  it('every indicator cites a source', () => {
    for (const i of loadIndicators()) expect(i.sources.length).toBeGreaterThan(0);
  });
});

describe('exaudit ioc', () => {
  it('prints hits and exits 1 when hits reach --fail-on', () => {
    const c = runCli(['ioc', LOGS]);
    expect(c.code).toBe(1);
    expect(c.stdout).toMatch(/Compromise sweep {2}11 files/);
    expect(c.stdout).toMatch(/proxylogon-serverinfo-anchor/);
    const j = runCli(['ioc', LOGS, '--format', 'json', '--fail-on', 'none']);
    expect(j.code).toBe(0);
    // Test-ProxyLogon's 14, the ProxyLogon POSTs to /ecp/y.js, the web shell's JScript eval and its YARA rule.
    expect(JSON.parse(j.stdout).ioc.summary.hits).toBe(20);
  });
});
