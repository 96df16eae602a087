import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { ResultDocument } from '../../src/contract.js';
import { exitCodeFor, meetsFailOn } from '../../src/engine/policy.js';
import { renderConsole } from '../../reports/console.js';
import { expectValidResult } from '../engine/_result-schema.js';

const FIX = join(import.meta.dirname, '../../fixtures/facts');
const SCEN = join(import.meta.dirname, '../../fixtures/scenarios');
// eslint-disable-next-line no-control-regex -- the escape character is what is looked for
const ANSI = /\x1b\[/;

describe('exaudit audit --facts', () => {
  it('judges a saved facts file and writes a schema-valid result document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exaudit-audit-'));
    try {
      const out = join(dir, 'r.json');
      const r = runCli([
        'audit',
        '--facts',
        join(FIX, 'ex2019-cu14-nov24.json'),
        '--format',
        'json',
        '--output',
        out,
        '--fail-on',
        'none',
        '--as-of',
        '2026-11-25',
      ]);
      expect(r.stderr).toMatch(/wrote .*r\.json/);
      expect(r.code).toBe(0);
      const json = JSON.parse(readFileSync(out, 'utf8'));
      expectValidResult(json);
      const doc = ResultDocument.parse(json);
      expect(doc.targets).toHaveLength(1);
      expect(doc.targets[0]).toMatchObject({ target: 'ex01.contoso.test', status: 'assessed' });
      expect(doc.catalog.version).toMatch(/^\d{4}\.\d{2}\.\d{2}$/);
      expect(doc.targets[0]!.factsDigest).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file, field and problem of a bad facts file, still runs the good one, and exits 2', () => {
    const r = runCli([
      'audit',
      '--facts',
      join(FIX, 'ex2019-cu14-nov24.json'),
      join(FIX, 'bad-schema.json'),
      join(FIX, 'not-json.json'),
      '--format',
      'json',
      '--fail-on',
      'none',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad-schema\.json: exchange\.precision: /);
    expect(r.stderr).toMatch(/not-json\.json: not valid JSON/);
    expect(JSON.parse(r.stdout).targets.map((t: { target: string }) => t.target)).toEqual(['ex01.contoso.test']);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('accepts a facts file with nothing but target and exchange.build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exaudit-min-'));
    try {
      const file = join(dir, 'min.json');
      writeFileSync(file, JSON.stringify({ target: { name: 'ex-min' }, exchange: { build: '15.2.1544.14' } }));
      const r = runCli(['audit', '--facts', file, '--format', 'json', '--fail-on', 'none', '--as-of', '2026-11-25']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expectValidResult(doc);
      expect(doc.targets[0].facts.exchange).toMatchObject({
        build: '15.2.1544.14',
        precision: 'exact',
        source: 'facts file (no source given)',
      });
      expect(doc.targets[0].findings.find((f: { checkId: string }) => f.checkId === 'exchange-build')).toMatchObject({
        status: 'pass',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--checks runs only the named checks, --skip leaves them out, an unknown id is one usage line and exit 2', () => {
    const facts = join(SCEN, 'ex2013-cu23-march2021-unpatched', 'facts.json');
    const only = JSON.parse(
      runCli(['audit', '--facts', facts, '--checks', 'lifecycle,proxylogon', '--format', 'json', '--fail-on', 'none'])
        .stdout,
    );
    expect([...new Set(only.targets[0].findings.map((f: { checkId: string }) => f.checkId))].sort()).toEqual([
      'lifecycle',
      'proxylogon',
    ]);
    const skipped = JSON.parse(
      runCli(['audit', '--facts', facts, '--skip', 'cve-exposure', '--format', 'json', '--fail-on', 'none']).stdout,
    );
    const ids = new Set(skipped.targets[0].findings.map((f: { checkId: string }) => f.checkId));
    expect(ids.has('cve-exposure')).toBe(false);
    expect(ids.has('proxylogon')).toBe(true);
    const bad = runCli(['audit', '--facts', facts, '--checks', 'proxylogn']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/unknown check "proxylogn".*proxylogon/);
  });

  it('--fail-on sets the exit code from the findings', () => {
    const facts = join(SCEN, 'ex2013-cu23-march2021-unpatched', 'facts.json');
    expect(runCli(['audit', '--facts', facts, '--checks', 'proxylogon', '--fail-on', 'critical', '-q']).code).toBe(1);
    expect(runCli(['audit', '--facts', facts, '--checks', 'exchange-build', '--fail-on', 'critical', '-q']).code).toBe(
      0,
    );
    expect(runCli(['audit', '--facts', facts, '--checks', 'proxylogon', '--fail-on', 'none', '-q']).code).toBe(0);
  });

  it('console output: servers grouped, worst first, one summary line, colour only on a terminal', () => {
    const files = ['exse-newest', 'ex2013-cu23-march2021-unpatched', 'edge-server'].map((n) =>
      join(SCEN, n, 'facts.json'),
    );
    const r = runCli(['audit', '--facts', ...files, '--fail-on', 'none', '--as-of', '2026-11-25'], {
      env: { NO_COLOR: '' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI); // stdout is a pipe here
    const lines = r.stdout.trimEnd().split('\n');
    // Summary first: one row per server, worst first (ex13-01 fails critical, edge01 fails lifecycle (high), exse-01
    // has nothing worse than indeterminate).
    expect(lines[2]).toMatch(/^server +verdict +build \(precision\) +to install +closes$/);
    const table = lines.slice(3, lines.indexOf('', 3));
    expect(table.map((l) => l.split(' ')[0])).toEqual([
      'ex13-01.contoso.test',
      'edge01.contoso.test',
      'exse-01.contoso.test',
    ]);
    expect(table[0]).toMatch(
      /fail \(critical\) +2013 15\.0\.1497\.\d+ \(exact\) +2013 CU23 Mar23SU \(15\.0\.1497\.48\) +\d+ CVEs \(\d+ KEV\)/,
    );
    // Then the worst findings per server, at most three each.
    const worst = lines.indexOf('Worst findings');
    expect(worst).toBeGreaterThan(3 + table.length);
    const block = (name: string) =>
      lines
        .slice(lines.findIndex((l, i) => i > worst && l.startsWith(`${name}  `)) + 1)
        .join('\n')
        .split(/\n\n/)[0]!;
    expect(block('ex13-01.contoso.test')).toMatch(/^ {2}fix: Install Exchange 2013 CU23 Mar23SU \(15\.0\.1497\.48/);
    expect(block('ex13-01.contoso.test')).toMatch(/\n {2}FAIL critical {2}/);
    expect(block('ex13-01.contoso.test').match(/^ {2}(FAIL|INDETERMINATE|MITIGATED|ERROR|WAIVED)/gm)).toHaveLength(3);
    expect(block('ex13-01.contoso.test')).toMatch(/… \d+ more \(--details\)/);
    expect(lines.filter((l) => /^\d+ targets?, \d+ findings?:/.test(l))).toHaveLength(1);
    const last = lines.at(-1)!;
    expect(last).toMatch(
      /^3 targets, (\d+) findings: {2}(\d+) fail \(\d+ critical, \d+ high.*(\d+) mitigated {2}(\d+) indeterminate {2}(\d+) pass {2}(\d+) not applicable/,
    );
    // The counts add up to the findings said.
    const n = last.match(/\d+(?= (findings|fail|mitigated|indeterminate|pass|not applicable)\b)/g)!.map(Number);
    expect(n[1]! + n[2]! + n[3]! + n[4]! + n[5]!).toBe(n[0]);
    // --details: every finding, with its evidence.
    const all = runCli(['audit', '--facts', ...files, '--fail-on', 'none', '--as-of', '2026-11-25', '--details']);
    expect(all.stdout).not.toMatch(/more \(--details\)/);
    expect(all.stdout).toMatch(/^ {6}evidence: /m);
    expect(all.stdout.split('\n').length).toBeGreaterThan(lines.length);
    // Under a pseudo-terminal (script(1)) the same run is coloured.
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const cmd = [process.execPath, CLI, 'audit', '--facts', files[1]!, '--fail-on', 'none'].map(quote).join(' ');
    const tty = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: '' },
    });
    expect(tty.status, tty.stderr).toBe(0);
    expect(tty.stdout).toMatch(ANSI);
    expect(tty.stdout).toMatch(/ex13-01\.contoso\.test/);
  });

  it('refuses to run with nothing to audit', () => {
    const r = runCli(['audit']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothing to audit/);
  });

  it('rejects unknown formats and --fail-on values as usage errors', () => {
    expect(runCli(['audit', '--facts', FIX, '--format', 'pdf']).code).toBe(2);
    expect(runCli(['audit', '--facts', FIX, '--fail-on', 'sometimes']).code).toBe(2);
  });
});

const finding = (status: string, severity: string, waived = false) => ({
  checkId: 'x',
  status,
  severity,
  code: 'c',
  title: 't',
  message: 'm',
  cves: [],
  evidence: [],
  remediation: null,
  references: [],
  fingerprint: 'f',
  ...(waived ? { waived: { reason: 'r' } } : {}),
});
const doc = (findings: object[], targetStatus = 'assessed') =>
  ResultDocument.parse({
    schemaVersion: '1.0',
    tool: { name: 'exaudit', version: '0' },
    catalog: { version: 'v', date: '2026-01-01' },
    command: 'audit',
    startedAt: 'a',
    finishedAt: 'b',
    targets: [{ target: 'ex01', status: targetStatus, findings }],
    summary: {
      targets: 1,
      targetsByStatus: {},
      findings: findings.length,
      byStatus: { fail: 1 },
      bySeverity: {},
      waived: 0,
    },
  });

describe('exit codes and --fail-on', () => {
  it('maps findings to 0, 1 and 3 as documented', () => {
    expect(exitCodeFor(doc([finding('fail', 'high')]), 'high')).toBe(1);
    expect(exitCodeFor(doc([finding('fail', 'medium')]), 'high')).toBe(0);
    expect(exitCodeFor(doc([finding('fail', 'medium')]), 'any')).toBe(1);
    expect(exitCodeFor(doc([finding('fail', 'critical', true)]), 'high')).toBe(0);
    expect(exitCodeFor(doc([finding('indeterminate', 'critical')]), 'critical')).toBe(0);
    expect(exitCodeFor(doc([finding('indeterminate', 'low')]), 'indeterminate')).toBe(1);
    expect(exitCodeFor(doc([], 'unreachable'), 'high')).toBe(3);
    expect(meetsFailOn('fail', 'critical', 'none')).toBe(false);
  });
});

describe('console renderer', () => {
  it('shows failing findings with their fix and a summary line, without colour when asked', () => {
    const d = doc([
      {
        ...finding('fail', 'critical'),
        title: 'CVE-2021-26855: Microsoft Exchange Server Remote Code Execution Vulnerability',
        message: 'Mar21SU missing',
        remediation: 'Install KB5000871',
      },
    ]);
    const text = renderConsole(d);
    expect(text).toMatch(/^ex01 +fail \(critical\)/m);
    expect(text).toMatch(
      /FAIL critical {2}CVE-2021-26855: Microsoft Exchange Server Remote Code Execution Vulnerability: Mar21SU missing/,
    );
    expect(text).toMatch(/fix: Install KB5000871/);
    expect(text).toMatch(/1 target, 1 finding:/);
    expect(text).not.toMatch(ANSI);
    expect(renderConsole(d, { color: true })).toMatch(ANSI);
  });

  it('orders servers worst first: failing, then not assessed, then unknown, then clean', () => {
    const d = ResultDocument.parse({
      schemaVersion: '1.0',
      tool: { name: 'exaudit', version: '0' },
      catalog: { version: 'v', date: '2026-01-01' },
      command: 'audit',
      startedAt: 'a',
      finishedAt: 'b',
      targets: [
        { target: 'a-clean', status: 'assessed', findings: [finding('pass', 'info')] },
        { target: 'b-failing', status: 'assessed', findings: [finding('fail', 'high')] },
        { target: 'c-down', status: 'unreachable', error: 'connection refused', findings: [] },
        { target: 'd-unsure', status: 'assessed', findings: [finding('indeterminate', 'low')] },
      ],
      summary: {
        targets: 4,
        targetsByStatus: { assessed: 3, unreachable: 1 },
        findings: 3,
        byStatus: { pass: 1, fail: 1, indeterminate: 1 },
        bySeverity: { high: 1 },
        waived: 0,
      },
    });
    const text = renderConsole(d);
    const table = text.split('\n\n')[1]!.split('\n').slice(1);
    expect(table.map((l) => l.split(' ')[0])).toEqual(['b-failing', 'c-down', 'd-unsure', 'a-clean']);
    expect(table[1]).toMatch(/^c-down +not assessed +not reached/);
    expect(text).toMatch(/4 targets \(1 not assessed\), 3 findings:/);
  });
});
