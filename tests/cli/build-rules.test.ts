import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DEFAULT_RULES_DIR } from '../../src/util/tool.js';

describe('exaudit build', () => {
  it('prints JSON with the documented fields', () => {
    const r = runCli(['build', '15.2.1544.14', '--format', 'json', '--as-of', '2026-11-25']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      input: '15.2.1544.14',
      build: '15.2.1544.14',
      product: '2019',
      productName: 'Exchange 2019',
      cu: 'CU14',
      update: 'Nov24SUv2',
      precision: 'exact',
      known: true,
      supported: false,
      endOfSupport: '2025-10-14',
      latestBuild: '15.2.1544.48',
    });
    expect(j.missingUpdates[0]).toMatchObject({
      id: 'Apr25HU',
      kb: 'KB5050673',
      build: '15.2.1544.25',
      cves: ['CVE-2025-53786'],
    });
    expect(j.cves).toContain('CVE-2025-53786');
    expect(Array.isArray(j.conditionalCves) && Array.isArray(j.indeterminateCves)).toBe(true);
  });

  it('gives an array for several inputs and reads names and zero-padded builds', () => {
    const r = runCli(['build', '15.02.0986.005', 'Exchange 2016 CU23 Feb26SU', '15.2.1544', '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.map((x: { precision: string }) => x.precision)).toEqual(['exact', 'exact', 'cu']);
    // HealthChecker's 65 ids for 2019 CU11 RTM + CVE-2022-21978 (May22SU) + CVE-2023-21709 (Aug23SU, its record)
    // + the 29 CVEs of the June, July, August and September 2026 SUs (Sep26SUv2 included)
    expect(j[0].cves).toHaveLength(96);
  });

  it('text output names the build, missing updates and open CVEs', () => {
    const r = runCli(['build', '15.0.1497.2']);
    expect(r.stdout).toMatch(/Exchange 2013 CU23/);
    expect(r.stdout).toMatch(/Mar21SU\s+2021-03-02\s+KB5000871\s+15\.0\.1497\.12/);
    expect(r.stdout).toMatch(/CVE-2021-26855/);
  });

  it('refuses input that is not an Exchange version with one line and exit 2', () => {
    const r = runCli(['build', 'not-a-build']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/"not-a-build" is not an Exchange version/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('exaudit rules', () => {
  it('lists updates, CVEs and builds', () => {
    expect(runCli(['rules', 'list', 'updates']).stdout).toMatch(/Mar21SU\s+2021-03-02/);
    expect(runCli(['rules', 'list', 'cves']).stdout).toMatch(/CVE-2021-26855 .* KEV/);
    expect(runCli(['rules', 'list', 'builds']).stdout).toMatch(/15\.2\.2562\.17/);
    expect(runCli(['rules', 'list', 'nonsense']).code).toBe(2);
  });

  it('shows an entry with its sources resolved', () => {
    const r = runCli(['rules', 'show', 'Mar21SU']);
    const j = JSON.parse(r.stdout);
    expect(j.id).toBe('Mar21SU');
    expect(j.sources.some((s: { title?: string }) => /ExchangeBuildNumbers/.test(s.title ?? ''))).toBe(true);
    expect(runCli(['rules', 'show', 'CVE-1999-0001']).code).toBe(2);
  });

  it('validates the shipped catalog and rejects a broken one with file, path and reason', () => {
    const ok = runCli(['rules', 'validate']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/is valid: 4 products, \d+ builds/);
    const dir = mkdtempSync(join(tmpdir(), 'exaudit-rules-'));
    try {
      cpSync(DEFAULT_RULES_DIR, dir, { recursive: true });
      writeFileSync(join(dir, 'products.yaml'), '- id: "2042"\n');
      const bad = runCli(['rules', 'validate', '--rules', dir]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^products\.yaml: 0\.id: /m);
      const build = runCli(['build', '15.2.1544.14', '--rules', dir]);
      expect(build.code).toBe(2);
      expect(build.stderr).toMatch(/catalog invalid: products\.yaml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
