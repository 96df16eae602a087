/**
 * Output that cannot be turned against its reader. Every value a server, a log, an archive, a waivers file or a
 * folder supplies is hostile here: terminal control sequences (C0, C1, OSC, CSI) never reach the console or stderr;
 * JUnit stays well-formed XML; Markdown gains no link, image or row; CSV cells run no formula; no output is written
 * through a symlink, and verify refuses a bundle holding one.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { startSshLab } from '../../src/lab/ssh/server.js';
import { assess } from '../../src/engine/run.js';
import { loadChecks, selectChecks } from '../../src/engine/loader.js';
import type { ResultDocument } from '../../src/contract.js';
import { renderConsole } from '../../reports/console.js';
import { toJunit } from '../../reports/junit.js';
import { toMarkdown } from '../../reports/markdown.js';
import { csvCell, toCsv } from '../../reports/csv.js';
import { stripTerminal } from '../../src/util/text.js';
import { writeEvidence, verifyEvidence } from '../../src/output/evidence.js';
import { cat, facts, AS_OF } from '../checks/_facts.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'exaudit-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A title change (OSC), a screen clear and colour (CSI), the C1 forms of both, a bell, CR overwrite, a fake line. */
const EVIL =
  '\u001b]0;pwned\u0007\u001b[2J\u001b[31mred\u009b32mgreen\u009d8;;http://evil.test\u009clink\rOVERWRITE\nexaudit: all clear\u0085';
/** Anything a terminal acts on: ESC, C1, BEL, CR, and the other C0 controls but tab and line feed. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const hostileDoc = async (): Promise<ResultDocument> => {
  const checks = selectChecks(await loadChecks(), ['exchange-build', 'lifecycle', 'security-updates'], undefined);
  const evil = facts('15.0.1497.2');
  return assess(
    [
      {
        target: `ex01${EVIL}.contoso.test`,
        facts: {
          ...evil,
          target: { name: `ex01${EVIL}` },
          exchange: { ...evil.exchange!, source: `ExSetup.exe ${EVIL}` },
        },
      },
      {
        target: `nginx${EVIL}`,
        facts: {
          target: { name: 'nginx' },
          exchange: { notExchange: `Server: ${EVIL}`, source: EVIL, precision: 'none' },
        } as never,
      },
      { target: `down${EVIL}`, failure: { status: 'unreachable', error: `refused ${EVIL}` } },
    ],
    { catalog: cat(), checks, command: 'audit', startedAt: '2026-11-25T00:00:00Z', asOf: AS_OF },
  );
};

describe('terminal control sequences never reach the console or stderr', () => {
  it('strips CSI, OSC and other string sequences, two-byte escapes, C0 and C1 in one linear pass', () => {
    expect(stripTerminal(EVIL)).toBe('redgreenlinkOVERWRITE\nexaudit: all clear');
    expect(stripTerminal('a\u001bPqpayload\u001b\\b\u001b7c\u0090dcs\u009cd')).toBe('abcd');
    // Hostile shapes stay bounded: an unterminated OSC or a long CSI run is linear (no timing assert: it returns).
    expect(stripTerminal(`\u001b]${'x'.repeat(200_000)}`)).toBe('');
    expect(stripTerminal('\u001b['.repeat(50_000))).toBe('');
  });

  it('server-supplied facts: the console view (default and --details) holds none, and no value starts a line', async () => {
    const doc = await hostileDoc();
    for (const details of [false, true]) {
      const text = renderConsole(doc, { details });
      expect(text).not.toMatch(CONTROL);
      expect(text).toContain('redgreenlinkOVERWRITE exaudit: all clear');
      expect(text).not.toMatch(/^exaudit: all clear/m);
    }
  });

  it('a facts file, through the CLI: stdout and stderr are clean, also where a bad file is named', () => {
    const f = join(dir, 'evil.json');
    const evil = facts('15.0.1497.2');
    writeFileSync(f, JSON.stringify({ ...evil, target: { name: `ex01${EVIL}` } }));
    const bad = join(dir, `bad${EVIL.replace(/[\n/]/g, '')}.json`);
    writeFileSync(bad, JSON.stringify({ target: { name: 'x' }, exchange: { precision: EVIL } }));
    const r = runCli(['audit', '--facts', f, bad, '--fail-on', 'none', '--details']);
    expect(r.stdout).toContain('redgreenlinkOVERWRITE');
    expect(r.stdout).not.toMatch(CONTROL);
    expect(r.stderr).toMatch(/^exaudit: .*bad.*\.json: exchange\.precision/m);
    expect(r.stderr).not.toMatch(CONTROL);
  });

  it('a HealthChecker export: the server name it carries is printed clean', () => {
    const src = join(ROOT, 'fixtures', 'healthchecker', 'HealthChecker-EX19A-202511201015.xml');
    const f = join(dir, 'HealthChecker-EVIL-202511201015.xml');
    // CLIXML escapes control characters as _xHHHH_; the importer decodes them, the views strip them.
    writeFileSync(
      f,
      readFileSync(src, 'utf8').replace(
        '<S N="ServerName">ex19a.contoso.lab</S>',
        '<S N="ServerName">ex19a_x001B_]0;pwned_x0007__x001B_[2J_x009B_31m.contoso.lab</S>',
      ),
    );
    const r = runCli(['audit', '--healthchecker', f, '--fail-on', 'none', '--details']);
    expect(r.stdout).toMatch(/ex19a\S*\.contoso\.lab/);
    expect(r.stdout + r.stderr).not.toMatch(CONTROL);
  });

  it('SSH output: what the collector prints over SSH is printed clean; --save-facts refuses a planted link', async () => {
    const evil = facts('15.2.1544.14');
    const lab = await startSshLab([
      {
        name: 'ex01',
        facts: { ...evil, exchange: { ...evil.exchange!, source: `ExSetup.exe ${EVIL}`, roles: [`Mailbox${EVIL}`] } },
      },
    ]);
    try {
      const saved = join(dir, 'saved');
      mkdirSync(saved);
      const v = join(dir, 'victim-ssh');
      writeFileSync(v, 'precious\n');
      // The facts of 127.0.0.1:PORT are saved as 127.0.0.1_PORT.json: that name is a link to someone else's file.
      symlinkSync(v, join(saved, `127.0.0.1_${lab.servers[0]!.port}.json`));
      const args = [
        'audit',
        '--ssh',
        `exaudit@127.0.0.1:${lab.servers[0]!.port}`,
        '--identity',
        lab.clientKeyFile,
        '--known-hosts',
        lab.knownHostsFile,
        '--fail-on',
        'none',
        '--details',
        '--quiet',
      ];
      const r = await runCliAsync(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('redgreenlinkOVERWRITE');
      expect(r.stdout + r.stderr).not.toMatch(CONTROL);
      const s = await runCliAsync([...args, '--save-facts', saved]);
      expect(s.code).toBe(2);
      expect(s.stderr).toMatch(/is a symbolic link; exaudit does not write through links/);
      expect(readFileSync(v, 'utf8')).toBe('precious\n');
    } finally {
      await lab.close();
    }
  }, 60_000);

  it('zip entry names from an indicator sweep: hits on the console and the stderr lines are clean', () => {
    const log = readFileSync(join(ROOT, 'fixtures', 'logs', 'ECP', 'Server', 'ECPServer20210301-1.LOG'));
    const zip = join(dir, 'triage.zip');
    writeFileSync(zip, storedZip([[`ECP/Server/ECPServer20210301-1${EVIL.replace(/\n/g, '')}.LOG`, log]]));
    const r = runCli(['ioc', zip, '--fail-on', 'none', '--details']);
    expect(r.stdout, r.stdout).toMatch(
      /triage\.zip!\/ECP\/Server\/ECPServer20210301-1redgreenlinkOVERWRITEexaudit: all clear\.LOG:1/,
    );
    expect(r.stdout + r.stderr).not.toMatch(CONTROL);
  });

  it('waivers: a hostile reason, owner or target stays inert on the console and in the warnings on stderr', async () => {
    const result = join(dir, 'result.json');
    writeFileSync(result, JSON.stringify(await hostileDoc()));
    const w = join(dir, 'waivers.yaml');
    const y = (s: string) => JSON.stringify(s); // YAML reads JSON strings, escapes included
    writeFileSync(
      w,
      `- check: lifecycle\n  target: "*"\n  reason: ${y(`accepted ${EVIL}`)}\n  owner: ${y(`ops ${EVIL}`)}\n` +
        `- check: amsi\n  target: ${y(`nobody ${EVIL}`)}\n  reason: unused\n  owner: ${y(EVIL)}\n`,
    );
    const r = runCli(['report', result, '--waivers', w, '--fail-on', 'none', '--details']);
    expect(r.stdout).toMatch(/waived: accepted redgreenlinkOVERWRITE/);
    expect(r.stderr).toMatch(/^exaudit: waiver for amsi on nobody redgreenlinkOVERWRITE exaudit: all clear/m);
    expect(r.stdout + r.stderr).not.toMatch(CONTROL);
  });

  it('file names in verify are printed clean', () => {
    const ev = join(dir, 'evidence');
    writeEvidence(ev, { 'exaudit.json': '{}\n' }, 'test');
    writeFileSync(join(ev, `extra${EVIL.replace(/[\n/]/g, '')}.txt`), 'x');
    const r = runCli(['verify', ev]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^extra {4}extraredgreenlinkOVERWRITEexaudit: all clear\.txt$/m);
    expect(r.stdout).not.toMatch(CONTROL);
  });
});

describe('JUnit: names and classnames cleaned, noncharacters removed, always well-formed', () => {
  it('parses, and holds no control character, U+FFFE, U+FFFF or unpaired surrogate', async () => {
    const doc = await hostileDoc();
    doc.targets[0]!.findings[0]!.message = `msg \uFFFE\uFFFF \uD800 lone ${EVIL}`;
    doc.targets[0]!.findings[0]!.title = `title \uFFFF${EVIL}`;
    const xml = toJunit(doc);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toMatch(/[\uFFFE\uFFFF]|[\uD800-\uDFFF]/);
    expect(xml).not.toMatch(CONTROL);
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(xml) as {
      testsuites: { testsuite: { '@_name': string; testcase: { '@_classname': string }[] }[] };
    };
    const suite = parsed.testsuites.testsuite[0]!;
    expect(suite['@_name']).toMatch(/^ex01redgreenlinkOVERWRITE\nexaudit: all clear\.contoso\.test$/);
    expect(suite.testcase[0]!['@_classname']).toBe(suite['@_name']);
  });
});

describe('Markdown: no link, image, HTML or row from server text', () => {
  it('escapes CR, link and image syntax, HTML and table pipes', async () => {
    const doc = await hostileDoc();
    doc.targets[0]!.target = '[click me](http://evil.test/steal) ![pixel](http://evil.test/p.png) <img src=x> a|b\rc';
    doc.targets[0]!.findings[0]!.message = '![img](http://evil.test/i.png) [x](javascript:alert(1)) <script>x</script>';
    const md = toMarkdown(doc);
    expect(md).not.toMatch(/\r/);
    expect(md).not.toMatch(/(^|[^\\])!?\[[^\]]*(^|[^\\])\]\(/m); // no [text]( … ) with unescaped brackets
    expect(md).not.toMatch(/(^|[^\\])<(img|script)/i);
    expect(md).toContain('\\[click me\\](http://evil.test/steal) \\!\\[pixel\\]');
    expect(md).toContain('a\\|bc'); // the CR is gone, the pipe escaped
  });
});

describe('CSV: formula leads neutralised, LF, space and full-width ＝ included', () => {
  it('prefixes every cell a spreadsheet could run', async () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\n', ' ', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'])
      expect(csvCell(`${lead}HYPERLINK("http://evil.test")`).replace(/^"/, ''), JSON.stringify(lead)).toMatch(/^'/);
    const doc = await hostileDoc();
    doc.targets[0]!.target = '\uFF1DHYPERLINK("http://evil.test")';
    expect(toCsv(doc)).toContain("'\uFF1DHYPERLINK");
  });
});

describe('no output file is written through a symlink', () => {
  const victim = () => {
    const v = join(dir, `victim-${Math.random().toString(36).slice(2)}`);
    writeFileSync(v, 'precious\n');
    return v;
  };
  const result = join(dir, 'r.json');

  it('report -o FILE, a file in an evidence folder and build -o refuse a planted link', async () => {
    writeFileSync(result, JSON.stringify(await hostileDoc()));
    const cases: [string[], string][] = [];
    const v1 = victim();
    const link1 = join(dir, 'out.json');
    symlinkSync(v1, link1);
    cases.push([['report', result, '-f', 'json', '-o', link1, '--fail-on', 'none'], v1]);
    const folder = join(dir, 'ev-folder');
    mkdirSync(folder);
    const v2 = victim();
    symlinkSync(v2, join(folder, 'exaudit.html'));
    cases.push([['report', result, '-f', 'html,json', '-o', folder, '--fail-on', 'none'], v2]);
    const v3 = victim();
    const link3 = join(dir, 'build.json');
    symlinkSync(v3, link3);
    cases.push([['build', '15.2.1544.14', '-f', 'json', '-o', link3], v3]);
    for (const [args, v] of cases) {
      const r = runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/is a symbolic link; exaudit does not write through links/);
      expect(readFileSync(v, 'utf8')).toBe('precious\n');
    }
  });

  it('the streamed JSON output (audit -f json -o FILE) refuses it too', () => {
    const v = victim();
    const link = join(dir, 'stream.json');
    symlinkSync(v, link);
    const r = runCli(['audit', '--facts', join(ROOT, 'fixtures', 'demo', 'facts'), '-f', 'json', '-o', link]);
    expect(r.code).toBe(2);
    expect(readFileSync(v, 'utf8')).toBe('precious\n');
  });
});

describe('verify rejects symlinks in a bundle', () => {
  it('a link in place of a report (even to identical content) makes the folder not intact', () => {
    const ev = join(dir, 'linked');
    writeEvidence(ev, { 'exaudit.json': '{"a":1}\n', 'exaudit.md': '# a\n' }, 'test');
    expect(verifyEvidence(ev).ok).toBe(true);
    const copy = join(dir, 'copy.json');
    copyFileSync(join(ev, 'exaudit.json'), copy);
    rmSync(join(ev, 'exaudit.json'));
    symlinkSync(copy, join(ev, 'exaudit.json'));
    const r = runCli(['verify', ev]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^problem {2}exaudit\.json is a symbolic link: an evidence folder holds regular files only$/m,
    );
    expect(r.stdout).toMatch(/^NOT intact/m);
  });
});

/** A zip with stored (uncompressed) entries, written by hand so an entry name can hold anything. */
function storedZip(entries: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
