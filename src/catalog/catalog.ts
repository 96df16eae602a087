/**
 * Loads and validates the rules catalog from a directory (rules/ by default, --rules DIR to override).
 * Files: catalog.yaml (meta and source list), products.yaml, builds.json, updates.json, cves.json, and the
 * folders advisories/, iocs/ and directives/ whose own loaders live beside their users. Nothing is fetched.
 */
import { createHash } from 'node:crypto';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CatalogError } from '../util/errors.js';
import { DEFAULT_RULES_DIR } from '../util/tool.js';
import { compareBuilds } from '../util/version.js';
import type { Product } from '../facts/schema.js';
import {
  Advisory,
  BuildEntry,
  CatalogMeta,
  CveEntry,
  ExtendedProtectionSpec,
  ProductEntry,
  UpdateEntry,
} from './schema.js';

export interface Catalog {
  dir: string;
  /** sha256 over the catalog files that were read, for the result document. */
  sha256: string;
  meta: CatalogMeta;
  products: ProductEntry[];
  /** Sorted by product, then build number ascending. */
  builds: BuildEntry[];
  updates: UpdateEntry[];
  cves: CveEntry[];
  advisories: Advisory[];
  extendedProtection?: ExtendedProtectionSpec;
  product(id: Product): ProductEntry;
  advisory(id: string): Advisory | undefined;
  update(id: string): UpdateEntry | undefined;
  cve(id: string): CveEntry | undefined;
  build(build: string): BuildEntry | undefined;
  /** CU base builds of a product, oldest first: [{cu, build, releaseDate}]. */
  cus(product: Product): BuildEntry[];
}

/** One validation problem, as `rules validate` prints it. */
export interface CatalogProblem {
  file: string;
  path: string;
  message: string;
}

export class CatalogValidationError extends CatalogError {
  constructor(readonly problems: CatalogProblem[]) {
    const first = problems[0];
    super(
      first
        ? `catalog invalid: ${first.file}: ${first.path}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`
        : 'catalog invalid',
    );
  }
}

function readData(dir: string, file: string, hash: ReturnType<typeof createHash>, problems: CatalogProblem[]): unknown {
  const path = join(dir, file);
  if (!existsSync(path)) {
    problems.push({ file, path: '(file)', message: `missing; a catalog directory needs ${file}` });
    return undefined;
  }
  const text = readFileSync(path, 'utf8');
  hash.update(file).update('\0').update(text).update('\0');
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    problems.push({ file, path: '(parse)', message: (err as Error).message.split('\n')[0] ?? 'cannot parse' });
    return undefined;
  }
}

function validate<T>(schema: z.ZodType<T>, data: unknown, file: string, problems: CatalogProblem[]): T | undefined {
  if (data === undefined) return undefined;
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    problems.push({ file, path: issue.path.join('.') || '(root)', message: issue.message });
  }
  return undefined;
}

/** Cross-file invariants: ids unique, references resolve, every fixed build exists, dates ordered. */
export function crossCheck(
  c: Omit<
    Catalog,
    'product' | 'update' | 'cve' | 'build' | 'cus' | 'sha256' | 'dir' | 'advisory' | 'extendedProtection'
  > & { extendedProtection?: ExtendedProtectionSpec },
): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const dup = <T>(items: T[], key: (t: T) => string, file: string) => {
    const seen = new Set<string>();
    items.forEach((it, i) => {
      const k = key(it);
      if (seen.has(k)) problems.push({ file, path: String(i), message: `duplicate id ${k}` });
      seen.add(k);
    });
  };
  dup(c.products, (p) => p.id, 'products.yaml');
  dup(c.builds, (b) => b.build, 'builds.json');
  dup(c.updates, (u) => u.id, 'updates.json');
  dup(c.cves, (v) => v.id, 'cves.json');
  const sourceKeys = new Set(Object.keys(c.meta.sources));
  const checkSources = (srcs: string[], file: string, path: string) => {
    for (const s of srcs) {
      if (!sourceKeys.has(s) && !/^https?:\/\//.test(s))
        problems.push({ file, path, message: `unknown source "${s}" (add it to catalog.yaml sources or use a URL)` });
    }
  };
  const builds = new Map(c.builds.map((b) => [b.build, b]));
  const updates = new Map(c.updates.map((u) => [u.id, u]));
  c.builds.forEach((b, i) => checkSources(b.sources, 'builds.json', `${i}.sources`));
  c.products.forEach((p, i) => checkSources(p.sources, 'products.yaml', `${i}.sources`));
  c.updates.forEach((u, i) => {
    checkSources(u.sources, 'updates.json', `${i}.sources`);
    u.fixes.forEach((f, j) => {
      const b = builds.get(f.build);
      if (!b)
        problems.push({
          file: 'updates.json',
          path: `${i}.fixes.${j}`,
          message: `${u.id} fixed build ${f.build} is not in builds.json`,
        });
      else if (b.product !== f.product || b.cu !== f.cu)
        problems.push({
          file: 'updates.json',
          path: `${i}.fixes.${j}`,
          message: `${u.id} says ${f.build} is ${f.product} ${f.cu}; builds.json says ${b.product} ${b.cu}`,
        });
    });
  });
  const cveIds = new Set(c.cves.map((v) => v.id));
  c.advisories.forEach((a) => {
    checkSources(a.sources, `advisories/${a.id}`, 'sources');
    for (const id of [...a.cves, ...a.mitigations.flatMap((m) => m.covers)]) {
      if (!cveIds.has(id))
        problems.push({ file: `advisories/${a.id}`, path: 'cves', message: `${id} is not in cves.json` });
    }
  });
  c.cves.forEach((v, i) => {
    checkSources(v.sources, 'cves.json', `${i}.sources`);
    for (const fb of v.fixedBy) {
      const u = updates.get(fb.update);
      if (!u) {
        problems.push({
          file: 'cves.json',
          path: `${i}.fixedBy`,
          message: `${v.id} names unknown update ${fb.update}`,
        });
        continue;
      }
      for (const p of fb.products) {
        if (!u.fixes.some((f) => f.product === p))
          problems.push({
            file: 'cves.json',
            path: `${i}.fixedBy`,
            message: `${v.id}: ${fb.update} has no fixed build for Exchange ${p}`,
          });
      }
    }
  });
  // Within a CU, a later build never has an earlier release date.
  const byCu = new Map<string, BuildEntry[]>();
  for (const b of c.builds) {
    const k = `${b.product} ${b.cu}`;
    byCu.set(k, [...(byCu.get(k) ?? []), b]);
  }
  for (const [cu, list] of byCu) {
    const dated = list.filter((b) => b.releaseDate).sort((a, b) => compareBuilds(a.build, b.build));
    for (let i = 1; i < dated.length; i++) {
      if (dated[i]!.releaseDate! < dated[i - 1]!.releaseDate!) {
        problems.push({
          file: 'builds.json',
          path: dated[i]!.build,
          message: `${cu}: ${dated[i]!.build} (${dated[i]!.releaseDate}) is dated before ${dated[i - 1]!.build} (${dated[i - 1]!.releaseDate})`,
        });
      }
    }
    if (!list.some((b) => b.update === null))
      problems.push({ file: 'builds.json', path: cu, message: `${cu} has updates but no CU base build` });
  }
  return problems;
}

/** Loads a catalog, collecting every problem; throws CatalogValidationError listing them. */
export function loadCatalog(dir: string = DEFAULT_RULES_DIR): Catalog {
  const { catalog, problems } = tryLoadCatalog(dir);
  if (!catalog) throw new CatalogValidationError(problems);
  return catalog;
}

export function tryLoadCatalog(dir: string = DEFAULT_RULES_DIR): { catalog?: Catalog; problems: CatalogProblem[] } {
  const problems: CatalogProblem[] = [];
  if (!existsSync(dir)) {
    return {
      problems: [
        {
          file: dir,
          path: '(dir)',
          message: 'catalog directory not found; pass --rules DIR pointing at a rules/ folder',
        },
      ],
    };
  }
  const hash = createHash('sha256');
  const meta = validate(CatalogMeta, readData(dir, 'catalog.yaml', hash, problems), 'catalog.yaml', problems);
  const products = validate(
    z.array(ProductEntry),
    readData(dir, 'products.yaml', hash, problems),
    'products.yaml',
    problems,
  );
  const builds = validate(z.array(BuildEntry), readData(dir, 'builds.json', hash, problems), 'builds.json', problems);
  const updates = validate(
    z.array(UpdateEntry),
    readData(dir, 'updates.json', hash, problems),
    'updates.json',
    problems,
  );
  const cves = validate(z.array(CveEntry), readData(dir, 'cves.json', hash, problems), 'cves.json', problems);
  const advisories: Advisory[] = [];
  const advDir = join(dir, 'advisories');
  if (existsSync(advDir)) {
    for (const f of readdirSync(advDir)
      .filter((x) => /\.ya?ml$/.test(x))
      .sort()) {
      const a = validate(Advisory, readData(dir, join('advisories', f), hash, problems), `advisories/${f}`, problems);
      if (a) advisories.push(a);
    }
  }
  const ep = existsSync(join(dir, 'extended-protection.yaml'))
    ? validate(
        ExtendedProtectionSpec,
        readData(dir, 'extended-protection.yaml', hash, problems),
        'extended-protection.yaml',
        problems,
      )
    : undefined;
  if (!meta || !products || !builds || !updates || !cves) return { problems };
  const base = { meta, products, builds, updates, cves, advisories, ...(ep ? { extendedProtection: ep } : {}) };
  problems.push(...crossCheck(base));
  if (problems.length) return { problems };

  const productOrder: Product[] = ['2013', '2016', '2019', 'SE'];
  builds.sort(
    (a, b) => productOrder.indexOf(a.product) - productOrder.indexOf(b.product) || compareBuilds(a.build, b.build),
  );
  const byBuild = new Map(builds.map((b) => [b.build, b]));
  const byUpdate = new Map(updates.map((u) => [u.id, u]));
  const byCve = new Map(cves.map((v) => [v.id, v]));
  const byProduct = new Map(products.map((p) => [p.id, p]));
  const cuCache = new Map<Product, BuildEntry[]>();
  const catalog: Catalog = {
    dir,
    sha256: hash.digest('hex'),
    ...base,
    product: (id) => {
      const p = byProduct.get(id);
      if (!p) throw new CatalogError(`catalog has no product ${id}`);
      return p;
    },
    update: (id) => byUpdate.get(id),
    advisory: (id) => advisories.find((a) => a.id === id),
    cve: (id) => byCve.get(id),
    build: (b) => byBuild.get(b),
    cus: (product) => {
      let list = cuCache.get(product);
      if (!list) {
        list = builds.filter((b) => b.product === product && b.update === null);
        cuCache.set(product, list);
      }
      return list;
    },
  };
  return { catalog, problems: [] };
}

let cached: { dir: string; catalog: Catalog } | undefined;
/** Process-wide catalog for CLI commands (loaded once per --rules dir). */
export function getCatalog(dir: string = DEFAULT_RULES_DIR): Catalog {
  if (!cached || cached.dir !== dir) cached = { dir, catalog: loadCatalog(dir) };
  return cached.catalog;
}
