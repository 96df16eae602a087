/** Builds Facts for check tests. */
import { loadCatalog, type Catalog } from '../../src/catalog/catalog.js';
import type { Facts } from '../../src/facts/schema.js';
import type { Check } from '../../src/engine/check.js';

export const AS_OF = '2026-11-25';
let catalog: Catalog | undefined;
export const cat = (): Catalog => (catalog ??= loadCatalog());

export function facts(build: string | undefined, extra: Partial<Facts> = {}, precision: 'exact' | 'cu' | 'product' | 'none' = 'exact'): Facts {
  return { target: { name: 'ex01.contoso.test' }, exchange: { ...(build ? { build } : {}), precision, source: precision === 'exact' ? 'ExSetup.exe FileVersion' : 'OWA resource path' }, ...extra } as Facts;
}

export const run = (check: Check, f: Facts, asOf = AS_OF) => check.evaluate(f, cat(), { asOf });
