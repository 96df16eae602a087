/**
 * Hostile input (a triage folder comes off a possibly compromised server): every shipped rule on a 1 MB crafted
 * line, walks with symlink loops, FIFOs and devices, archives that lie about their sizes, overlap or inflate without
 * end, damaged event logs. Each case ends by itself, and the real hits next to it are still reported. No timing
 * asserts: the generous test timeouts are the only clocks.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, matches, type Rec } from '../../src/ioc/rules.js';
import { loadIndicators, sweep } from '../../src/ioc/sweep.js';
import { MAX_LINE } from '../../src/ioc/scan-unit.js';
import { evtxFile } from '../helpers/evtx.js';
import { zipFile } from '../helpers/zip.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'exaudit-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MB = 1024 * 1024;
const SHELL = '<%@ Page Language="Jscript"%><%eval(Request.Item["z"],"unsafe");%>\n';

/**
 * A line made of the pieces each rule looks for, repeated so that every pattern finds a start everywhere and a
 * complete match nowhere: what made the old backtracking rules run for hours (ServerInfo~ anchors without a
 * closing #, Set-…VirtualDirectory … Url … <tag without its end, autodiscover.json without powershell).
 */
function adversarial(needles: string[]): string {
  const piece = [
    ...needles,
    'ServerInfo~a/',
    'Set-OabVirtualDirectory Url <a b',
    'autodiscover.json?',
    'eval(',
    'request[',
    'var x=request.form(',
    'Download failed and temporary file ',
    '/owa/a@b/',
    '%41',
    ' ',
  ].join('');
  return piece.repeat(Math.ceil((MB - 1) / piece.length)).slice(0, MB - 1);
}

describe('every shipped rule is linear in the line length', () => {
  const rules = loadIndicators().map(compile);
  it.each(rules.map((c) => [c.ind.id, c] as const))(
    '%s finishes on a 1 MB crafted line',
    (_, c) => {
      const line = adversarial(c.ind.prefilter ?? []);
      const rec: Rec = { text: line, row: () => line, file: 'a.aspx', size: line.length, squeezed: () => line };
      expect(typeof matches(c, rec)).toBe('boolean');
    },
    60_000,
  );
  it('and so does the sweep around them: every kind of input made of such lines', async () => {
    const d = join(dir, 'lines');
    mkdirSync(join(d, 'Logging/HttpProxy/Ecp'), { recursive: true });
    mkdirSync(join(d, 'Logging/ECP/Server'), { recursive: true });
    const line = adversarial(rules.flatMap((c) => c.ind.prefilter ?? []));
    const fields = 'DateTime,AnchorMailbox,UrlStem,UrlQuery,HttpStatus,Method';
    writeFileSync(join(d, 'Logging/HttpProxy/Ecp/HttpProxy_1.LOG'), `#Fields: ${fields}\n${line}\n${line}\n`);
    writeFileSync(join(d, 'u_ex210101.log'), `#Fields: date time cs-uri-stem cs-uri-query\n${line}\n`);
    writeFileSync(join(d, 'Logging/ECP/Server/ECPServer1.LOG'), `${line}\n`);
    writeFileSync(join(d, 'app.csv'), `"Level","Source","Message"\n"Error","MSExchange Unified Messaging","${line}"\n`);
    writeFileSync(join(d, 'files-listing.txt'), `${line}\n    Directory: ${line}\nMode  Name\n-a--- ${line}\n`);
    writeFileSync(join(d, 'dir.txt'), ` Directory of ${line}\n01/01/2021  10:00 AM  ${'1 '.repeat(MB / 4)}\n`);
    writeFileSync(join(d, 'page.aspx'), line);
    writeFileSync(join(d, 'shell.aspx'), SHELL);
    const r = await sweep([d], { jobs: 1 });
    expect(r.hits.filter((h) => h.file.endsWith('shell.aspx')).length).toBeGreaterThan(0);
    expect(r.summary.unreadable).toEqual([]);
  }, 120_000);
  it('a line longer than the limit is skipped to its end, and the record after it is judged', async () => {
    const f = join(dir, 'long', 'files-listing.txt');
    mkdirSync(join(dir, 'long'));
    writeFileSync(f, `${'A'.repeat(MAX_LINE + 10)}\nC:\\root\\lsass.dmp\n`);
    const r = await sweep([f], { jobs: 1 });
    expect(r.summary.malformedLines).toBe(1);
    expect(r.hits.map((h) => `${h.indicator}:${h.line}`)).toEqual(['lsass-dump:2']);
  });
});

describe('the walk', () => {
  it('ends on symlink loops, skips FIFOs and devices, reads each file once, and keeps the hits beside them', async () => {
    const d = join(dir, 'walk');
    mkdirSync(join(d, 'a/b'), { recursive: true });
    writeFileSync(join(d, 'a/b/shell.aspx'), SHELL);
    symlinkSync(d, join(d, 'a/b/loop')); // a loop back to the top
    symlinkSync(join(d, 'a/b/shell.aspx'), join(d, 'same.aspx')); // the same file twice
    symlinkSync('/dev/zero', join(d, 'zero.log')); // endless if read
    execFileSync('mkfifo', [join(d, 'pipe.log')]); // blocks forever if opened for reading
    const r = await sweep([d], { jobs: 1 });
    expect(r.hits.map((h) => h.indicator)).toEqual(['webshell-jscript-eval', 'webshell-eval-request']);
    expect(r.summary.files).toBe(1);
    expect(r.summary.unreadable.map((u) => `${u.file.slice(d.length + 1)}: ${u.error}`).sort()).toEqual([
      'pipe.log: a FIFO: skipped, only regular files are read',
      'zero.log: a character device: skipped, only regular files are read',
    ]);
  });
  it('stops at the depth and file limits and says so', async () => {
    const d = join(dir, 'deep');
    let p = d;
    for (let i = 0; i < 6; i++) p = join(p, `d${i}`);
    mkdirSync(p, { recursive: true });
    writeFileSync(join(p, 'deep.aspx'), SHELL);
    for (let i = 0; i < 5; i++) writeFileSync(join(d, `f${i}.aspx`), SHELL);
    const r = await sweep([d], { jobs: 1, walk: { maxDepth: 3, maxFiles: 3 } });
    expect(r.summary.files).toBe(3);
    const why = r.summary.unreadable.map((u) => u.error);
    expect(why).toContainEqual(expect.stringMatching(/^deeper than 3 folders below the swept path/));
    expect(why).toContainEqual(
      expect.stringMatching(/^more than 3 files to sweep; this one and the rest were not read/),
    );
  });
});

describe('archives', () => {
  const page = { name: 'inetpub/wwwroot/aspnet_client/x.aspx', data: Buffer.from(SHELL) };
  it('refuses overlapping entries (one compressed stream read by every entry) and keeps the hits beside it', async () => {
    const d = join(dir, 'overlap');
    mkdirSync(d);
    const zeros = { name: 'a.log', data: Buffer.alloc(4 * MB) };
    writeFileSync(
      join(d, 'bomb.zip'),
      zipFile([zeros], { alias: Array.from({ length: 200 }, (_, i) => ({ name: `a${i}.log`, of: 0 })) }),
    );
    writeFileSync(join(d, 'shell.aspx'), SHELL);
    const r = await sweep([d], { jobs: 1 });
    expect(r.summary.unreadable).toEqual([
      { file: join(d, 'bomb.zip'), error: expect.stringMatching(/^not swept: entries a\.log and a0\.log overlap/) },
    ]);
    expect(r.hits.filter((h) => h.file.endsWith('shell.aspx'))).toHaveLength(2);
  });
  it('caps the bytes inflated from one archive or gzip stream; entries before the cap keep their hits', async () => {
    const d = join(dir, 'inflate');
    mkdirSync(d);
    writeFileSync(
      join(d, 'big.zip'),
      zipFile([page, { name: 'z1.log', data: Buffer.alloc(3 * MB) }, { name: 'z2.log', data: Buffer.alloc(3 * MB) }]),
    );
    writeFileSync(join(d, 'files-listing.txt.gz'), gzipSync(Buffer.alloc(8 * MB, 0x41)));
    const r = await sweep([d], { jobs: 1, zip: { maxEntries: 100, maxInflated: 4 * MB } });
    expect(r.hits.map((h) => h.indicator)).toEqual([
      'page-in-aspnet-client',
      'webshell-jscript-eval',
      'webshell-eval-request',
    ]);
    expect(r.summary.unreadable.map((u) => `${u.file.slice(d.length + 1)}: ${u.error}`)).toEqual([
      `big.zip!/z2.log: the archive inflates beyond ${4 * MB} bytes; this entry and the rest were not read`,
      `files-listing.txt: the gzip stream inflates beyond ${4 * MB} bytes; the rest was not read`,
    ]);
  });
  it('a directory that claims 4 GB is read entry by entry; a size that lies and too many entries are each one problem', async () => {
    const d = join(dir, 'liars');
    mkdirSync(d);
    writeFileSync(join(d, 'huge-directory.zip'), zipFile([page], { centralSize: 0xfffffff0 }));
    const lying = zipFile([{ name: 'l.log', data: Buffer.from('x'.repeat(5000)), method: 0 }]);
    lying.writeUInt32LE(100, lying.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24); // central: 100 bytes
    writeFileSync(join(d, 'lying-size.zip'), lying);
    const inflating = zipFile([{ name: 'files-listing.txt', data: Buffer.from('C:/x\n'.repeat(4000)) }]);
    inflating.writeUInt32LE(100, inflating.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24);
    writeFileSync(join(d, 'inflates-beyond.zip'), inflating);
    writeFileSync(
      join(d, 'many.zip'),
      zipFile(Array.from({ length: 20 }, (_, i) => ({ name: `${i}.log`, data: Buffer.from('a') }))),
    );
    // A bare end-of-directory record whose directory size lies: an archive that lists nothing is listed, not "clean".
    const nothing = Buffer.alloc(22);
    nothing.writeUInt32LE(0x06054b50, 0);
    nothing.writeUInt32LE(0xffffffff, 12);
    writeFileSync(join(d, 'lists-nothing.zip'), nothing);
    writeFileSync(join(d, 'shell.aspx'), SHELL);
    const r = await sweep([d], { jobs: 1, zip: { maxEntries: 10, maxInflated: MB } });
    expect(r.hits.filter((h) => h.file.endsWith('shell.aspx'))).toHaveLength(2);
    const why = Object.fromEntries(r.summary.unreadable.map((u) => [u.file.slice(d.length + 1), u.error]));
    // The claimed directory size is never allocated or trusted: the entries are read one by one.
    expect(r.hits.filter((h) => h.file.includes('huge-directory.zip!/')).map((h) => h.indicator)).toContain(
      'page-in-aspnet-client',
    );
    expect(Object.keys(why).sort()).toEqual([
      'inflates-beyond.zip!/files-listing.txt',
      'lists-nothing.zip',
      'lying-size.zip',
      'many.zip',
    ]);
    expect(why['lists-nothing.zip']).toBe('the archive lists no file: nothing in it was swept');
    expect(why['inflates-beyond.zip!/files-listing.txt']).toMatch(/too many bytes in the stream/);
    expect(why['many.zip']).toBe('not swept: more than 10 entries');
    expect(why['lying-size.zip']).toMatch(/^not swept: .*size/i);
  });
  it('a damaged .evtx never throws: every mutation ends with its records counted or malformed', async () => {
    const d = join(dir, 'evtx');
    mkdirSync(d);
    const good = evtxFile(
      Array.from({ length: 5 }, (_, i) => ({
        provider: 'MSExchange CmdletLogs',
        eventId: 1,
        level: 4,
        time: '2021-08-13T01:11:00Z',
        channel: 'MSExchange Management',
        data: [`Get-Mailbox ${i}`, '-Identity "jdoe"'],
      })),
    );
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let n = 0; n < 60; n++) {
      const bad = Buffer.from(good);
      for (let k = 0; k < 8; k++) bad[4096 + 512 + Math.floor(rand() * 1500)] = Math.floor(rand() * 256);
      writeFileSync(join(d, `m${n}.evtx`), bad);
    }
    writeFileSync(join(d, 'shell.aspx'), SHELL);
    const r = await sweep([d], { jobs: 1 });
    expect(r.summary.files).toBe(61);
    expect(r.summary.unreadable).toEqual([]);
    expect(r.summary.lines + r.summary.malformedLines).toBeGreaterThan(60);
    expect(r.hits.filter((h) => h.file.endsWith('shell.aspx'))).toHaveLength(2);
  });
});

describe('honest results', () => {
  it('a path that does not exist is exit 2 with one line naming it', () => {
    const c = runCli(['ioc', join(dir, 'no-such-folder')]);
    expect(c.code).toBe(2);
    expect(c.stderr.trim().split('\n')).toHaveLength(1);
    expect(c.stderr).toMatch(/no-such-folder: no such file or folder/);
  });
  it('a sweep that read no file is exit 2', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const c = runCli(['ioc', empty, '--format', 'json']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/the sweep read no file/);
  });
});
