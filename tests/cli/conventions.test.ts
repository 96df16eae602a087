/**
 * One set of CLI conventions, each tested as a user meets it: -f/-o on every command, durations with units, several
 * formats need a folder, --shard with --facts, --log-format pretty, the lab's suggested command runs as printed,
 * `exaudit … | head` ends quietly, waiver errors state the rule, and summary counts add up. (report --merge with the
 * same server twice: tests/reports/evidence.test.ts; the demo's file names: tests/cli/demo.test.ts; README samples:
 * tests/cli/readme-samples.test.ts.)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCli, runCliAsync } from '../helpers/cli.js';
import { durationParser, parseDuration } from '../../src/cli/common.js';
import type { ResultDocument } from '../../src/contract.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FACTS = join(ROOT, 'fixtures', 'demo', 'facts');
const dir = mkdtempSync(join(tmpdir(), 'exaudit-conventions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('-f/--format and -o/--output mean the same on every command', () => {
  it.each(['scan', 'audit', 'ioc', 'report', 'build', 'rules list', 'rules show', 'demo'])(
    'exaudit %s offers -f, --format and -o, --output',
    (cmd) => {
      const help = runCli([...cmd.split(' '), '--help']).stdout;
      expect(help).toMatch(/^ {2}-f, --format <formats?>/m);
      expect(help).toMatch(/^ {2}-o, --output <(path|file|dir)>/m);
    },
  );

  it('build and rules list write JSON to a file with -f json -o FILE, as report does', () => {
    const b = join(dir, 'build.json');
    expect(runCli(['build', '15.2.1544.14', '-f', 'json', '-o', b]).code).toBe(0);
    expect(JSON.parse(readFileSync(b, 'utf8')).cu).toBe('CU14');
    const l = join(dir, 'cves.json');
    const r = runCli(['rules', 'list', 'cves', '-f', 'json', '-o', l]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(l, 'utf8')).length).toBeGreaterThan(100);
    // The older spellings still work.
    expect(JSON.parse(runCli(['rules', 'list', 'directives', '--json']).stdout)).toHaveLength(3);
    expect(runCli(['build', '15.2.1544.14', '--format', 'text']).stdout).toMatch(/Exchange 2019 CU14/);
  });
});

describe('durations accept units everywhere; a plain number keeps its unit', () => {
  it('parses 30s, 2m, 1500ms and plain milliseconds; days for the catalog age', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('1500')).toBe(1500);
    const days = durationParser('d', 0, 36_500);
    expect([days('45'), days('45d'), days('6w')]).toEqual([45, 45, 42]);
    expect(() => parseDuration('5x')).toThrow(/expected a duration such as 30s, 2m or 1500ms/);
    expect(() => parseDuration('2h')).toThrow(/from 1ms to 3600000ms/);
  });

  it.each([
    ['audit', '--facts', FACTS, '--timeout', '2m', '--connect-timeout', '15s'],
    ['ioc', join(ROOT, 'fixtures', 'logs'), '--timeout', '2h'],
    ['build', '15.2.1544.14', '--max-catalog-age', '52w'],
  ])('%s takes them', (...args) => {
    const r = runCli([...args, '--format', 'json', ...(args[0] === 'build' ? [] : ['--fail-on', 'none'])]);
    expect(r.stderr).not.toMatch(/invalid/);
    expect([0, 3]).toContain(r.code);
  });

  it('scan takes them too, and a unit it does not know is a usage error naming the option', () => {
    // No target: the options were read (the complaint is about the targets), and nothing is sent anywhere.
    const ok = runCli(['scan', '--timeout', '2m', '--request-timeout', '10s']);
    expect(ok.stderr).toMatch(/no targets/);
    const bad = runCli(['audit', '--facts', FACTS, '--timeout', '5x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--timeout <duration>.*expected a duration such as 30s/);
  });
});

describe('-o with several formats needs a folder, and says so', () => {
  it.each([['out.json'], ['existing-file']])('refuses -o %s before anything runs', (name) => {
    const out = join(dir, name);
    if (name === 'existing-file') writeFileSync(out, 'keep');
    const r = runCli(['audit', '--facts', FACTS, '-f', 'json,sarif', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/2 formats need a folder, and this names a file \(give a folder, e\.g\. -o .*\/ /);
    if (name === 'existing-file') expect(readFileSync(out, 'utf8')).toBe('keep');
    else expect(existsSync(out)).toBe(false);
  });

  it('a folder (a name without an extension, or ending in /) gets exaudit.<ext> per format', () => {
    const out = join(dir, 'folder');
    expect(runCli(['audit', '--facts', FACTS, '-f', 'json,sarif', '-o', out, '--fail-on', 'none']).code).toBe(0);
    expect(existsSync(join(out, 'exaudit.json')) && existsSync(join(out, 'exaudit.sarif'))).toBe(true);
  });
});

describe('--shard works with --facts', () => {
  it('splits saved facts into disjoint shards that together hold every server', () => {
    const names = (args: string[]) =>
      (
        JSON.parse(
          runCli(['audit', '--facts', FACTS, ...args, '-f', 'json', '--fail-on', 'none']).stdout,
        ) as ResultDocument
      ).targets
        .map((t) => t.target)
        .sort();
    const all = names([]);
    expect(all.length).toBe(4);
    const shards = [1, 2, 3].map((k) => names(['--shard', `${k}/3`]));
    expect(shards.flat().sort()).toEqual(all);
    expect(new Set(shards.flat()).size).toBe(all.length);
    expect(shards.filter((s) => s.length).length).toBeGreaterThan(1);
  });
});

describe('--log-format pretty', () => {
  it('writes readable log lines instead of JSON', () => {
    // Port 1 on loopback: refused at once, and logged at debug level.
    const r = runCli(['scan', '127.0.0.1:1', '--log-format', 'pretty', '--log-level', 'debug', '-f', 'json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/DEBUG \(exaudit\): scanned/);
    expect(r.stderr).not.toMatch(/^\{"level"/m);
  });
});

describe('the command exaudit lab suggests runs as printed', () => {
  it('scan --targets-file … --ca … --probe mitigations reaches every lab server', async () => {
    const lab = spawn(process.execPath, [CLI, 'lab', '--servers', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => lab.once('exit', resolve));
    try {
      let out = '';
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`lab did not start: ${out}`)), 20_000);
        lab.stdout.on('data', (d) => {
          out += String(d);
          const m = /^Scan them: {2}(exaudit .+)$/m.exec(out);
          if (m && out.includes('Ctrl-C')) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      expect(line).not.toContain('…');
      // Split as a POSIX shell would (the lab quotes what needs it).
      const words = [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => m[1]?.replace(/'\\''/g, "'") ?? m[2]!);
      expect(words.slice(0, 2)).toEqual(['exaudit', 'scan']);
      const r = await runCliAsync([...words.slice(1), '-f', 'json', '--fail-on', 'none']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as ResultDocument;
      expect(doc.targets).toHaveLength(2);
      expect(doc.targets.every((t) => t.status === 'assessed')).toBe(true);
    } finally {
      lab.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  }, 60_000);
});

describe('exaudit … | head ends quietly', () => {
  it.each([
    [['rules', 'list', 'cves'], 0],
    [['audit', '--facts', FACTS, '--details'], 1],
    [['audit', '--facts', FACTS, '-f', 'json'], 1],
  ])('%j: no stack, the normal exit code (or 0)', async (args, normal) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    // The reader takes the first chunk and goes away, as head does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect([0, normal]).toContain(code);
    expect(stderr).toBe('');
  });
});

describe('waiver errors state the rule', () => {
  it.each([
    ['  reason: ok\n  owner: ops\n', /0\.reason: a reason of at least 3 characters is required/],
    ['  reason: accepted\n', /0\.owner: an owner is required: who accepted the risk/],
    [
      '  reason: accepted\n  owner: ops\n  expiry: "2027-01-01"\n',
      /0: unknown key expiry \(a waiver takes fingerprint/,
    ],
    [
      '  reason: accepted\n  owner: ops\n  expires: 2027-13-45\n',
      /0\.expires: (expected YYYY-MM-DD|not a calendar date)/,
    ],
  ])('%j', (body, message) => {
    const f = join(dir, 'waivers.yaml');
    writeFileSync(f, `- check: lifecycle\n  target: ex01\n${body}`);
    const r = runCli(['audit', '--facts', FACTS, '--waivers', f, '-f', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('summary counts add up', () => {
  it('in the result and on the console: findings by status sum to the findings, targets by status to the targets', () => {
    const r = runCli(['audit', '--facts', FACTS, '-f', 'json', '--fail-on', 'none']);
    const s = (JSON.parse(r.stdout) as ResultDocument).summary;
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    expect(sum(s.byStatus)).toBe(s.findings);
    expect(sum(s.targetsByStatus)).toBe(s.targets);
    const last = runCli(['audit', '--facts', FACTS, '--fail-on', 'none']).stdout.trimEnd().split('\n').at(-1)!;
    const n = (label: string) => Number(new RegExp(`(\\d+) ${label}\\b`).exec(last)![1]);
    expect(n('findings')).toBe(s.findings);
    expect(n('fail') + n('mitigated') + n('indeterminate') + n('pass') + n('not applicable')).toBe(s.findings);
  });
});

describe("--severity filters as Trivy's does (views and CI formats; JSON keeps every finding)", () => {
  it('CRITICAL,HIGH in any case: the console lists only those, SARIF and CSV hold only those, JSON holds everything', () => {
    const all = JSON.parse(
      runCli(['audit', '--facts', FACTS, '-f', 'json', '--fail-on', 'none']).stdout,
    ) as ResultDocument;
    const severities = new Set(all.targets.flatMap((t) => t.findings).map((f) => f.severity));
    expect(severities.size).toBeGreaterThan(2);
    const json = JSON.parse(
      runCli(['audit', '--facts', FACTS, '-f', 'json', '--severity', 'CRITICAL', '--fail-on', 'none']).stdout,
    ) as ResultDocument;
    expect(json.summary.findings).toBe(all.summary.findings);
    const console = runCli(['audit', '--facts', FACTS, '--details', '--severity', 'critical', '--fail-on', 'none']);
    const shown = console.stdout.match(/^ {2}(FAIL|INDETERMINATE|MITIGATED|ERROR|WAIVED)( \w+)? {2}/gm)!;
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.filter((l) => l.startsWith('  FAIL') && !l.includes('critical'))).toEqual([]);
    expect(console.stdout).toMatch(/Showing critical findings only \(--severity\)/);
    const sarif = JSON.parse(
      runCli(['audit', '--facts', FACTS, '-f', 'sarif', '--severity', 'Critical,high', '--fail-on', 'none']).stdout,
    ) as { runs: { results: { properties: { severity?: string } }[] }[] };
    const seen = new Set(sarif.runs[0]!.results.map((r) => r.properties.severity));
    expect([...seen].every((s) => s === 'critical' || s === 'high')).toBe(true);
    expect(runCli(['audit', '--facts', FACTS, '--severity', 'urgent']).stderr).toMatch(
      /unknown severity "urgent" \(choose from critical, high, medium, low, info\)/,
    );
  });
});
