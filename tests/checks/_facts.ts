/** Builds Facts for check tests; every check result a test produces is also validated as a result document. */
import { loadCatalog, type Catalog } from '../../src/catalog/catalog.js';
import type { Facts } from '../../src/facts/schema.js';
import { expect } from 'vitest';
import type { Check, CheckResult } from '../../src/contract.js';
import { assess } from '../../src/engine/run.js';
import { expectValidResult } from '../engine/_result-schema.js';

export const AS_OF = '2026-11-25';
let catalog: Catalog | undefined;
export const cat = (): Catalog => (catalog ??= loadCatalog());

export function facts(
  build: string | undefined,
  extra: Partial<Facts> = {},
  precision: 'exact' | 'cu' | 'product' | 'none' = 'exact',
): Facts {
  return {
    target: { name: 'ex01.contoso.test' },
    exchange: {
      ...(build ? { build } : {}),
      precision,
      source: precision === 'exact' ? 'ExSetup.exe FileVersion' : 'OWA resource path',
    },
    ...extra,
  } as Facts;
}

/** The check's own results; the same run through the engine must give a document valid against result.schema.json. */
export function run(check: Check, f: Facts, asOf = AS_OF): CheckResult[] {
  const results = check.evaluate(f, cat(), { asOf });
  const doc = assess([{ target: f.target.name, facts: f }], {
    catalog: cat(),
    checks: [check],
    command: 'audit',
    startedAt: 't0',
    finishedAt: 't1',
    asOf,
  });
  expectValidResult(doc);
  expect(doc.targets[0]!.findings).toHaveLength(results.length);
  return results;
}
