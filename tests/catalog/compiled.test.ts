/**
 * The compiled catalog (issue 18.6): the build validates rules/ and writes dist/catalog.json; the default catalog
 * loads from it without YAML or zod; the YAML/JSON sources stay the truth and the compiled file must match them.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPILED_CATALOG, compileCatalog, loadCompiledCatalog, tryLoadCatalog } from '../../src/catalog/catalog.js';
import { DEFAULT_RULES_DIR, PROJECT_ROOT } from '../../src/util/tool.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'exaudit-compiled-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The catalog's data as plain JSON, the way the compiled file holds it. */
const dataOf = (c: NonNullable<ReturnType<typeof tryLoadCatalog>['catalog']>) =>
  JSON.parse(
    JSON.stringify({
      meta: c.meta,
      products: c.products,
      builds: c.builds,
      updates: c.updates,
      cves: c.cves,
      advisories: c.advisories,
      extendedProtection: c.extendedProtection,
      securitySettings: c.securitySettings,
      indicators: c.indicators,
      directives: c.directives,
    }),
  );

describe('the compiled catalog', () => {
  it('is written by the build and matches the sources exactly', () => {
    expect(existsSync(COMPILED_CATALOG), 'npm test builds it (pretest)').toBe(true);
    const compiled = JSON.parse(readFileSync(COMPILED_CATALOG, 'utf8'));
    const fromFiles = tryLoadCatalog(DEFAULT_RULES_DIR, { compiled: false });
    expect(fromFiles.problems).toEqual([]);
    const c = fromFiles.catalog!;
    expect(c.loadedFrom).toBe('files');
    expect(compiled.sha256).toBe(c.sha256);
    expect(compiled.files).toEqual(c.files);
    expect(compiled.data).toEqual(dataOf(c));
  });

  it('covers every kind of catalog file', () => {
    const files = tryLoadCatalog(DEFAULT_RULES_DIR, { compiled: false }).catalog!.files;
    for (const f of ['catalog.yaml', 'products.yaml', 'builds.json', 'updates.json', 'cves.json'])
      expect(files).toContain(f);
    for (const folder of ['advisories/', 'iocs/', 'directives/'])
      expect(files.some((f) => f.startsWith(folder))).toBe(true);
  });

  it('is what the default catalog loads from, with the same answers as the sources', () => {
    const fast = loadCompiledCatalog(DEFAULT_RULES_DIR);
    expect(fast?.loadedFrom).toBe('compiled');
    const slow = tryLoadCatalog(DEFAULT_RULES_DIR, { compiled: false }).catalog!;
    expect(fast!.sha256).toBe(slow.sha256);
    expect(fast!.build('15.2.1544.14')).toEqual(slow.build('15.2.1544.14'));
    expect(fast!.cus('2019').map((b) => b.cu)).toEqual(slow.cus('2019').map((b) => b.cu));
    expect(fast!.directive('ed-21-02')).toEqual(slow.directive('ed-21-02'));
    expect(tryLoadCatalog(DEFAULT_RULES_DIR).catalog!.loadedFrom).toBe('compiled');
  });

  it('is not used for a folder whose files differ (an edited rules/ or another --rules DIR)', () => {
    const dir = join(tmp, 'edited');
    cpSync(DEFAULT_RULES_DIR, dir, { recursive: true });
    expect(loadCompiledCatalog(dir)?.loadedFrom).toBe('compiled'); // same bytes: same catalog
    const builds = JSON.parse(readFileSync(join(dir, 'builds.json'), 'utf8'));
    builds[0].name = 'Exchange 2013 RTM (edited)';
    writeFileSync(join(dir, 'builds.json'), JSON.stringify(builds));
    expect(loadCompiledCatalog(dir)).toBeUndefined();
    const r = tryLoadCatalog(dir);
    expect(r.catalog?.loadedFrom).toBe('files');
    expect(r.catalog?.build('15.0.516.32')?.name).toBe('Exchange 2013 RTM (edited)');
  });

  it('is not trusted when another validator wrote it, or when it is damaged', () => {
    const out = join(tmp, 'other.json');
    const c = compileCatalog(DEFAULT_RULES_DIR, out);
    expect(loadCompiledCatalog(DEFAULT_RULES_DIR, out)?.loadedFrom).toBe('compiled');
    writeFileSync(out, JSON.stringify({ ...c, validator: 'an older build' }));
    expect(loadCompiledCatalog(DEFAULT_RULES_DIR, out)).toBeUndefined();
    writeFileSync(out, '{"format": 1, "sha');
    expect(loadCompiledCatalog(DEFAULT_RULES_DIR, out)).toBeUndefined();
  });

  it('refuses to compile an invalid folder, listing the problems', () => {
    const dir = join(tmp, 'broken');
    cpSync(DEFAULT_RULES_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'cves.json'), '[{"id": "CVE-XYZ"}]');
    expect(() => compileCatalog(dir, join(tmp, 'never.json'))).toThrow(/catalog invalid: cves\.json: 0\./);
    expect(existsSync(join(tmp, 'never.json'))).toBe(false);
  });

  it('loads without the YAML parser or zod: the compiled loader, lookup and age import neither', () => {
    // Walk the relative imports of the compiled loader as built (dist/), collecting every package it reaches.
    const seen = new Set<string>();
    const packages = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) walk(resolve(dirname(file), spec));
        else packages.add(spec);
      }
    };
    for (const f of ['compiled.js', 'lookup.js', 'age.js']) walk(join(PROJECT_ROOT, 'dist', 'src', 'catalog', f));
    expect(seen.size).toBeGreaterThan(3);
    expect([...packages].filter((p) => !p.startsWith('node:'))).toEqual([]);
  });
});
