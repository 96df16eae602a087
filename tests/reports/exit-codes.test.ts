/** --fail-on by severity or status, and DESIGN.md §6 exit codes, the same from every command. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor, meetsFailOn, FAIL_ON_VALUES, type FailOn } from '../../src/engine/policy.js';
import { ResultDocument } from '../../src/contract.js';
import { runCli } from '../helpers/cli.js';
import { AS_OF } from '../checks/_facts.js';

const ROOT = join(import.meta.dirname, '../..');
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
  fingerprint: `f${status}${severity}`,
  ...(waived ? { waived: { reason: 'r', owner: 'o' } } : {}),
});
const doc = (findings: object[], targetStatus = 'assessed', hits: object[] = []) =>
  ResultDocument.parse({
    schemaVersion: '1.0',
    tool: { name: 'exaudit', version: '0' },
    catalog: { version: 'v', date: '2026-01-01' },
    command: 'audit',
    startedAt: 'a',
    finishedAt: 'b',
    targets: [{ target: 'ex01', status: targetStatus, findings }],
    ...(hits.length
      ? { ioc: { summary: { files: 1, bytes: 1, lines: 1, malformedLines: 0, hits: hits.length }, hits } }
      : {}),
    summary: { targets: 1, targetsByStatus: {}, findings: findings.length, byStatus: {}, bySeverity: {}, waived: 0 },
  });

describe('--fail-on', () => {
  it('by severity: fail findings at or above it', () => {
    expect(meetsFailOn('fail', 'high', 'high')).toBe(true);
    expect(meetsFailOn('fail', 'critical', 'high')).toBe(true);
    expect(meetsFailOn('fail', 'medium', 'high')).toBe(false);
    expect(meetsFailOn('fail', 'info', 'info')).toBe(true);
    expect(meetsFailOn('indeterminate', 'critical', 'critical')).toBe(false);
    expect(meetsFailOn('mitigated', 'critical', 'low')).toBe(false);
  });
  it('by status: any/fail, indeterminate (with fail and error), mitigated (with those), none', () => {
    const table: [FailOn, string[]][] = [
      ['any', ['fail']],
      ['fail', ['fail']],
      ['indeterminate', ['fail', 'error', 'indeterminate']],
      ['mitigated', ['fail', 'error', 'indeterminate', 'mitigated']],
      ['none', []],
    ];
    for (const [failOn, counted] of table) {
      for (const status of ['fail', 'error', 'indeterminate', 'mitigated', 'pass', 'not_applicable']) {
        expect(meetsFailOn(status, 'low', failOn), `${failOn} ${status}`).toBe(counted.includes(status));
      }
    }
    expect(FAIL_ON_VALUES).toEqual([
      'critical',
      'high',
      'medium',
      'low',
      'info',
      'any',
      'fail',
      'indeterminate',
      'mitigated',
      'none',
    ]);
  });
  it('exit codes: 1 over the threshold, 3 when a server or a check could not be assessed, 0 otherwise', () => {
    expect(exitCodeFor(doc([finding('fail', 'high')]), 'high')).toBe(1);
    expect(exitCodeFor(doc([finding('fail', 'medium')]), 'high')).toBe(0);
    expect(exitCodeFor(doc([finding('fail', 'critical', true)]), 'high')).toBe(0); // waived
    expect(exitCodeFor(doc([finding('mitigated', 'critical')]), 'mitigated')).toBe(1);
    expect(exitCodeFor(doc([], 'unreachable'), 'high')).toBe(3);
    expect(exitCodeFor(doc([finding('error', 'high')]), 'high')).toBe(3); // a check crashed: not assessed
    expect(exitCodeFor(doc([finding('error', 'high')]), 'indeterminate')).toBe(1);
    expect(exitCodeFor(doc([finding('fail', 'critical')], 'unreachable'), 'high')).toBe(1); // findings win over 3
    const h = { indicator: 'i', advisory: 'a', severity: 'critical', file: 'f', line: 1, excerpt: 'e' };
    expect(exitCodeFor(doc([], 'assessed', [h]), 'high')).toBe(1);
    expect(exitCodeFor(doc([], 'assessed', [h]), 'none')).toBe(0);
  });
});

describe('the same exit codes from every command', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'exaudit-exit-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('audit and report of its saved result agree for every --fail-on value', () => {
    const saved = join(dir, 'r.json');
    expect([0, 1]).toContain(
      runCli([
        'audit',
        '--facts',
        join(ROOT, 'fixtures/demo/facts'),
        '--format',
        'json',
        '-o',
        saved,
        '--fail-on',
        'none',
        '--as-of',
        AS_OF,
      ]).code,
    );
    const codes = new Set<number>();
    for (const failOn of FAIL_ON_VALUES) {
      const a = runCli([
        'audit',
        '--facts',
        join(ROOT, 'fixtures/demo/facts'),
        '--format',
        'json',
        '-o',
        join(dir, 'a.json'),
        '--fail-on',
        failOn,
        '--as-of',
        AS_OF,
      ]);
      const r = runCli([
        'report',
        saved,
        '--format',
        'json',
        '-o',
        join(dir, 'b.json'),
        '--fail-on',
        failOn,
        '--as-of',
        AS_OF,
      ]);
      expect(r.code, failOn).toBe(a.code);
      codes.add(a.code);
    }
    expect([...codes].sort()).toEqual([0, 1]);
  }, 120_000);

  it('ioc: hits count like findings', () => {
    expect(runCli(['ioc', join(ROOT, 'fixtures/logs'), '--format', 'json', '--fail-on', 'critical', '-q']).code).toBe(
      1,
    );
    expect(runCli(['ioc', join(ROOT, 'fixtures/logs'), '--format', 'json', '--fail-on', 'none', '-q']).code).toBe(0);
  });

  it.each([
    ['scan', '127.0.0.1'],
    ['audit', '--facts', 'x'],
    ['ioc', '.'],
    ['report', 'x.json'],
  ])('%s: a bad --fail-on or --format is a usage error (2) that names the value', (...args) => {
    for (const bad of [
      ['--fail-on', 'sometimes'],
      ['--format', 'pdf'],
    ]) {
      const r = runCli([...args, ...bad]);
      expect(r.code, `${args[0]} ${bad.join(' ')}`).toBe(2);
      expect(r.stderr.split('\n')[0]).toContain(bad[1]);
      expect(r.stderr.trim().split('\n'), 'one line').toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });

  it.each(['scan', 'audit', 'ioc', 'report', 'build', 'rules', 'collector', 'verify', 'demo', 'lab'])(
    '%s: an unknown option is one line that says where the usage is, exit 2',
    (cmd) => {
      const r = runCli([cmd, '--no-such-option']);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([
        `error: unknown option '--no-such-option' (see exaudit ${cmd} --help)`,
      ]);
    },
  );
});
