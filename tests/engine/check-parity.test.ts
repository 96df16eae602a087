/**
 * The loader's parity rules: every check's id equals its file name, metadata is valid, and it has a test file
 * that exercises its pass, fail and indeterminate outcomes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_MANIFEST, CHECKS_DIR, checkFiles, loadChecks, selectChecks } from '../../src/engine/loader.js';
import { writeCheckManifest } from '../../src/engine/checks-manifest.js';
import { InputError } from '../../src/util/errors.js';

/** The checks of DESIGN.md / issue 4 §3; each must exist. */
const REQUIRED = [
  'exchange-build',
  'lifecycle',
  'security-updates',
  'cve-exposure',
  'proxylogon',
  'proxyshell',
  'proxynotshell',
  'extended-protection',
  'emergency-mitigation-service',
  'amsi',
  'serialization-signing',
  'setting-overrides',
  'hybrid-app',
  'edge-transport',
  // issue 16: every security setting HealthChecker judges
  'tls',
  'smb1',
  'lsa-settings',
  'aes256-cbc',
  'certificates',
  'iis-modules',
  'hsts',
  'web-config',
];
/** Outcomes a check cannot produce, with why (every other check's test must assert pass, fail and indeterminate). */
const CANNOT: Record<string, { status: string; why: string }[]> = {
  'edge-transport': [
    { status: 'fail', why: 'it only says which checks apply to an Edge server; the other checks judge the server' },
  ],
};
const TESTS = join(import.meta.dirname, '../checks');

describe('check parity', () => {
  it('every checks/<id>.ts loads, declares id = file name, and has tests/checks/<id>.test.ts', async () => {
    const checks = await loadChecks();
    expect(checks.length).toBe(checkFiles().length);
    expect(checks.map((c) => c.meta.id)).toEqual(expect.arrayContaining(REQUIRED));
    for (const c of checks) {
      expect(existsSync(join(CHECKS_DIR, `${c.meta.id}.ts`))).toBe(true);
      expect(existsSync(join(TESTS, `${c.meta.id}.test.ts`)), `tests/checks/${c.meta.id}.test.ts`).toBe(true);
    }
  });

  it('every check test asserts a pass, a fail and an indeterminate outcome', async () => {
    for (const c of await loadChecks()) {
      const text = readFileSync(join(TESTS, `${c.meta.id}.test.ts`), 'utf8');
      for (const status of ['pass', 'fail', 'indeterminate']) {
        if (CANNOT[c.meta.id]?.some((x) => x.status === status)) continue;
        expect(text, `tests/checks/${c.meta.id}.test.ts asserts status '${status}'`).toMatch(
          new RegExp(`status: '${status}'`),
        );
      }
    }
  });

  it('rejects a module whose metadata is invalid or whose id differs from its file name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exaudit-checks-'));
    try {
      writeFileSync(
        join(dir, 'bad-meta.ts'),
        "export default { meta: { id: 'bad-meta', title: 'x', severity: 'urgent', requires: [] }, evaluate: () => [] };\n",
      );
      await expect(loadChecks(dir)).rejects.toThrow(/checks\/bad-meta\.ts: invalid metadata at meta\.(title|severity)/);
      rmSync(join(dir, 'bad-meta.ts'));
      writeFileSync(
        join(dir, 'named-right.ts'),
        "export default { meta: { id: 'named-wrong', title: 'Named wrong', severity: 'low', requires: [] }, evaluate: () => [] };\n",
      );
      await expect(loadChecks(dir)).rejects.toThrow(
        /declares id "named-wrong"; the id must equal the file name "named-right"/,
      );
      rmSync(join(dir, 'named-right.ts'));
      writeFileSync(join(dir, 'not-a-check.ts'), 'export const x = 1;\n');
      await expect(loadChecks(dir)).rejects.toThrow(/does not default-export defineCheck/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes the build's record of valid metadata while a check is as built, and validates it again once changed", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exaudit-checks-'));
    const module = (id: string, title: string, severity = 'low') =>
      `export default { meta: { id: '${id}', title: '${title}', severity: '${severity}', requires: [] }, evaluate: () => [] };\n`;
    type Manifest = Record<string, { raw: string; meta: { id: string; title: string; references: string[] } }>;
    const manifestFile = join(dir, CHECK_MANIFEST);
    try {
      writeFileSync(join(dir, 'one.ts'), module('one', 'As built'));
      await writeCheckManifest(dir);
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
      // The record holds the validated metadata, defaults filled in.
      expect(manifest['one']!.meta).toMatchObject({ title: 'As built', references: [] });
      // A record that says something else shows which one the loader used: the record, for an unchanged module.
      manifest['one']!.meta.title = 'From the record';
      // A module changed since the build (its record is of other metadata) is validated again, and refused.
      manifest['two'] = { raw: manifest['one']!.raw, meta: { ...manifest['one']!.meta, id: 'two' } };
      writeFileSync(manifestFile, JSON.stringify(manifest));
      expect((await loadChecks(dir))[0]!.meta.title).toBe('From the record');
      writeFileSync(join(dir, 'two.ts'), module('two', 'Changed', 'urgent'));
      await expect(loadChecks(dir)).rejects.toThrow(/checks\/two\.ts: invalid metadata at meta\.severity/);
      // The build refuses to record invalid metadata.
      rmSync(manifestFile);
      await expect(writeCheckManifest(dir)).rejects.toThrow(/invalid metadata/);
      expect(existsSync(manifestFile)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--checks and --skip select by id and reject unknown ids', async () => {
    const all = await loadChecks();
    expect(selectChecks(all, ['lifecycle']).map((c) => c.meta.id)).toEqual(['lifecycle']);
    expect(selectChecks(all, undefined, ['lifecycle']).some((c) => c.meta.id === 'lifecycle')).toBe(false);
    expect(() => selectChecks(all, ['no-such-check'])).toThrow(InputError);
  });
});
