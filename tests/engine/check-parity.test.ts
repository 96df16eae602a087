/** The loader's parity rules: every check's id equals its file name, metadata is valid, and it has a test file. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKS_DIR, checkFiles, loadChecks, selectChecks } from '../../src/engine/loader.js';
import { InputError } from '../../src/util/errors.js';

describe('check parity', () => {
  it('every checks/<id>.ts loads, declares id = file name, and has tests/checks/<id>.test.ts', async () => {
    const checks = await loadChecks();
    expect(checks.length).toBe(checkFiles().length);
    expect(checks.length).toBeGreaterThanOrEqual(4);
    for (const c of checks) {
      expect(existsSync(join(CHECKS_DIR, `${c.meta.id}.ts`))).toBe(true);
      expect(existsSync(join(import.meta.dirname, '../checks', `${c.meta.id}.test.ts`)), `tests/checks/${c.meta.id}.test.ts`).toBe(true);
    }
  });

  it('--checks and --skip select by id and reject unknown ids', async () => {
    const all = await loadChecks();
    expect(selectChecks(all, ['lifecycle']).map((c) => c.meta.id)).toEqual(['lifecycle']);
    expect(selectChecks(all, undefined, ['lifecycle']).some((c) => c.meta.id === 'lifecycle')).toBe(false);
    expect(() => selectChecks(all, ['no-such-check'])).toThrow(InputError);
  });
});
