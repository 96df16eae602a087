import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ResultDocument } from '../../src/engine/result.js';
import { exitCodeFor, meetsFailOn } from '../../src/cli/common.js';
import { renderConsole } from '../../reports/console.js';

const FIX = join(import.meta.dirname, '../../fixtures/facts');

describe('exaudit audit --facts', () => {
  it('judges a saved facts file and writes a schema-valid result document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exaudit-audit-'));
    try {
      const out = join(dir, 'r.json');
      const r = runCli(['audit', '--facts', join(FIX, 'ex2019-cu14-nov24.json'), '--format', 'json', '--output', out, '--fail-on', 'none', '--as-of', '2026-11-25']);
      expect(r.stderr).toMatch(/wrote .*r\.json/);
      expect(r.code).toBe(0);
      const doc = ResultDocument.parse(JSON.parse(readFileSync(out, 'utf8')));
      expect(doc.targets).toHaveLength(1);
      expect(doc.targets[0]).toMatchObject({ target: 'ex01.contoso.test', status: 'assessed' });
      expect(doc.catalog.version).toMatch(/^\d{4}\.\d{2}\.\d{2}$/);
      expect(doc.targets[0]!.factsDigest).toMatch(/^[0-9a-f]{64}$/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('names the file, field and problem of a bad facts file, still runs the good one, and exits 2', () => {
    const r = runCli(['audit', '--facts', join(FIX, 'ex2019-cu14-nov24.json'), join(FIX, 'bad-schema.json'), join(FIX, 'not-json.json'), '--format', 'json', '--fail-on', 'none']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad-schema\.json: exchange\.precision: /);
    expect(r.stderr).toMatch(/not-json\.json: not valid JSON/);
    expect(JSON.parse(r.stdout).targets.map((t: { target: string }) => t.target)).toEqual(['ex01.contoso.test']);
    expect(r.stderr).not.toMatch(/\n\s+at /);
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
  checkId: 'x', status, severity, code: 'c', title: 't', message: 'm', cves: [], evidence: [], references: [], fingerprint: 'f', ...(waived ? { waived: { reason: 'r' } } : {}),
});
const doc = (findings: object[], targetStatus = 'assessed') => ResultDocument.parse({
  schemaVersion: '1.0', tool: { name: 'exaudit', version: '0' }, catalog: { version: 'v', date: '2026-01-01' }, command: 'audit',
  startedAt: 'a', finishedAt: 'b',
  targets: [{ target: 'ex01', status: targetStatus, findings }],
  summary: { targets: 1, targetsByStatus: {}, findings: findings.length, byStatus: { fail: 1 }, bySeverity: {}, waived: 0 },
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
    const d = doc([{ ...finding('fail', 'critical'), title: 'CVE-2021-26855 open', message: 'Mar21SU missing', remediation: 'Install KB5000871' }]);
    const text = renderConsole(d, false);
    expect(text).toMatch(/ex01/);
    expect(text).toMatch(/FAIL critical {2}CVE-2021-26855 open: Mar21SU missing/);
    expect(text).toMatch(/fix: Install KB5000871/);
    expect(text).toMatch(/1 target:/);
    expect(text).not.toMatch(/\x1b\[/);
  });
});
