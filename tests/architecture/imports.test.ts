/**
 * DESIGN.md §1's one-way imports, checked over the import graph: every import statement (static, re-export and
 * dynamic with a literal path) of every .ts file under src/, checks/ and reports/ is read, each file is placed in
 * its layer, and an edge that the layer table does not allow fails with the edge itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Layer =
  | 'util'
  | 'facts'
  | 'catalog'
  | 'contract'
  | 'targets'
  | 'checks'
  | 'engine'
  | 'collect'
  | 'ioc'
  | 'lab'
  | 'reports'
  | 'output'
  | 'cli';

/** What each layer may import (its own layer always). The contract may name the catalog's type only. */
const ALLOWED: Record<Layer, Layer[]> = {
  util: [],
  facts: ['util'],
  catalog: ['facts', 'util'],
  contract: ['facts', 'util'],
  targets: ['util'],
  checks: ['contract', 'catalog', 'facts', 'util'],
  engine: ['contract', 'catalog', 'facts', 'util'],
  collect: ['contract', 'facts', 'targets', 'util'],
  ioc: ['contract', 'catalog', 'collect', 'util'],
  lab: ['contract', 'collect', 'facts', 'util'],
  reports: ['contract', 'util'],
  output: ['reports', 'engine', 'contract', 'catalog', 'targets', 'util'],
  cli: ['targets', 'collect', 'ioc', 'lab', 'engine', 'reports', 'output', 'contract', 'catalog', 'facts', 'util'],
};
const TYPE_ONLY: Partial<Record<Layer, Layer[]>> = { contract: ['catalog'] };

/** Checks and renderers judge or render in memory: no file, network or process modules. */
const NO_IO: Layer[] = ['checks', 'reports'];
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|net|tls|http|https|http2|dgram|child_process|worker_threads)$|^(undici|ssh2|node-powershell)$/;

/**
 * Edges DESIGN.md forbids that the tree still has, each with why; the test fails when one disappears, so the list
 * only shrinks. Empty: directive verdicts are judged in src/engine/ and stored in the result document, so no
 * renderer reads the catalog.
 */
const PENDING = new Set<string>([]);

function layerOf(file: string): Layer | undefined {
  if (file === 'src/contract.ts') return 'contract';
  if (file.startsWith('checks/')) return 'checks';
  if (file.startsWith('reports/')) return 'reports';
  const m = /^src\/([^/]+)\//.exec(file);
  return m ? (m[1] as Layer) : undefined;
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) return tsFiles(p);
    return e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** The import specifiers of one file: `import … from`, `export … from`, `import '…'` and `import('…')`. */
export function importsOf(text: string): { spec: string; typeOnly: boolean }[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm))
    out.push({ spec: m[3]!, typeOnly: !!m[2] });
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false });
  return out;
}

function edges(): Edge[] {
  return ['src', 'checks', 'reports'].flatMap(tsFiles).flatMap((from) =>
    importsOf(readFileSync(join(ROOT, from), 'utf8')).map(({ spec, typeOnly }) => ({
      from,
      to: spec.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(from), spec)).replace(/\.js$/, '.ts') : spec,
      typeOnly,
    })),
  );
}

function violation(e: Edge): string | undefined {
  const from = layerOf(e.from);
  if (!from) return undefined;
  const label = `${e.from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`;
  if (!e.to.startsWith('src/') && !e.to.startsWith('checks/') && !e.to.startsWith('reports/')) {
    return NO_IO.includes(from) && IO_MODULES.test(e.to) ? label : undefined;
  }
  const to = layerOf(e.to);
  if (!to || to === from) return undefined;
  if (ALLOWED[from].includes(to)) return undefined;
  if (e.typeOnly && TYPE_ONLY[from]?.includes(to)) return undefined;
  return label;
}

describe('import graph (DESIGN.md §1)', () => {
  it('reads every kind of import statement', () => {
    const found = importsOf(`import a from './a.js';
import type { B } from "../b.js";
import {
  c,
  type D,
} from './c.js';
export { e } from './e.js';
export * from './f.js';
import './g.js';
// import { no } from './comment.js';
const h = await import('./h.js');`);
    expect(found).toEqual([
      { spec: './a.js', typeOnly: false },
      { spec: '../b.js', typeOnly: true },
      { spec: './c.js', typeOnly: false },
      { spec: './e.js', typeOnly: false },
      { spec: './f.js', typeOnly: false },
      { spec: './g.js', typeOnly: false },
      { spec: './h.js', typeOnly: false },
    ]);
  });

  it('places every source file in a layer', () => {
    const unplaced = ['src', 'checks', 'reports'].flatMap(tsFiles).filter((f) => !layerOf(f) || !ALLOWED[layerOf(f)!]);
    expect(unplaced).toEqual([]);
  });

  it('has no edge the layer table forbids, and no pending exception is left', () => {
    expect([...PENDING]).toEqual([]);
    const all = edges();
    expect(all.length).toBeGreaterThan(200);
    const bad = [...new Set(all.map(violation).filter((v): v is string => !!v))];
    expect(bad.filter((v) => !PENDING.has(v))).toEqual([]);
    expect([...PENDING].filter((p) => !bad.includes(p))).toEqual([]);
  });

  it('renderers read no clock and no environment: everything they show is in the result document', () => {
    const offending = tsFiles('reports').filter((f) =>
      /\bnew Date\(|\bDate\.now\(|\bprocess\.(env|argv|cwd)\b/.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(offending).toEqual([]);
  });

  it('fails on an edge that breaks the rules: a check importing a collector, the engine importing the CLI', () => {
    expect(violation({ from: 'checks/amsi.ts', to: 'src/collect/ssh/index.ts', typeOnly: false })).toBeDefined();
    expect(violation({ from: 'src/engine/run.ts', to: 'src/cli/common.ts', typeOnly: true })).toBeDefined();
    expect(violation({ from: 'src/catalog/lookup.ts', to: 'src/engine/run.ts', typeOnly: false })).toBeDefined();
    expect(violation({ from: 'src/collect/http/scan.ts', to: 'src/engine/run.ts', typeOnly: true })).toBeDefined();
    expect(violation({ from: 'checks/amsi.ts', to: 'node:fs', typeOnly: false })).toBeDefined();
    expect(violation({ from: 'src/contract.ts', to: 'src/catalog/catalog.ts', typeOnly: true })).toBeUndefined();
    expect(violation({ from: 'src/contract.ts', to: 'src/catalog/catalog.ts', typeOnly: false })).toBeDefined();
    // Renderers only render: no catalog, not even its types.
    expect(violation({ from: 'reports/html.ts', to: 'src/catalog/catalog.ts', typeOnly: true })).toBeDefined();
    expect(violation({ from: 'reports/model.ts', to: 'src/catalog/lookup.ts', typeOnly: false })).toBeDefined();
    expect(violation({ from: 'reports/model.ts', to: 'src/engine/directives.ts', typeOnly: false })).toBeDefined();
  });
});
