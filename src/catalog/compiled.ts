/**
 * The catalog as the CLI loads it on every start, with no YAML parser and no zod: the catalog's types, its file
 * list and hash, and the compiled file (dist/catalog.json) that the build writes from the validated rules/ folder.
 * The compiled data is used only when the folder's files hash to it and the validator that produced it is the one
 * installed; otherwise the caller validates the folder in full (src/catalog/catalog.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CatalogError } from '../util/errors.js';
import { PROJECT_ROOT } from '../util/tool.js';
import type { Product } from '../facts/schema.js';
import type {
  Advisory,
  BuildEntry,
  CatalogMeta,
  CveEntry,
  Directive,
  ExtendedProtectionSpec,
  Indicator,
  ProductEntry,
  SecuritySettingsRules,
  UpdateEntry,
} from './schema.js';

/** The catalog's data, as validated (zod defaults and transforms applied): what the compiled file holds. */
export interface CatalogData {
  meta: CatalogMeta;
  products: ProductEntry[];
  /** Sorted by product, then build number ascending. */
  builds: BuildEntry[];
  updates: UpdateEntry[];
  cves: CveEntry[];
  advisories: Advisory[];
  extendedProtection?: ExtendedProtectionSpec;
  /** Thresholds of the security settings HealthChecker judges (rules/healthchecker/*.yaml, merged); {} when absent. */
  securitySettings: SecuritySettingsRules;
  /** Indicators of compromise (rules/iocs/*.yaml), in file order. */
  indicators: Indicator[];
  /** CISA directive definitions (rules/directives/*.yaml), sorted by file name. */
  directives: Directive[];
}

export interface Catalog extends CatalogData {
  dir: string;
  /** sha256 over the catalog files (names and contents), for the result document. */
  sha256: string;
  /** The catalog files, relative to dir, in the order they were hashed. */
  files: string[];
  /** compiled: taken from dist/catalog.json (the files hash to it); files: read and validated from dir. */
  loadedFrom: 'compiled' | 'files';
  product(id: Product): ProductEntry;
  advisory(id: string): Advisory | undefined;
  update(id: string): UpdateEntry | undefined;
  cve(id: string): CveEntry | undefined;
  build(build: string): BuildEntry | undefined;
  directive(id: string): Directive | undefined;
  /** CU base builds of a product, oldest first: [{cu, build, releaseDate}]. */
  cus(product: Product): BuildEntry[];
}

/** One validation problem, as `rules validate` prints it. */
export interface CatalogProblem {
  file: string;
  path: string;
  message: string;
}

/** Where the build writes the compiled default catalog. */
export const COMPILED_CATALOG = join(PROJECT_ROOT, 'dist', 'catalog.json');
export const COMPILED_FORMAT = 1;

export interface CompiledCatalog {
  format: typeof COMPILED_FORMAT;
  /** The hash of the catalog files it was compiled from (Catalog.sha256). */
  sha256: string;
  /** validatorHash() of the build that validated it. */
  validator: string;
  files: string[];
  data: CatalogData;
}

const REQUIRED_FILES = ['catalog.yaml', 'products.yaml', 'builds.json', 'updates.json', 'cves.json'];
const OPTIONAL_FILES = ['extended-protection.yaml'];
const FOLDERS = ['advisories', 'iocs', 'directives', 'healthchecker'] as const;

/** The catalog's files relative to dir, in hashing order: required files (present or not), folders, optional files. */
export function catalogFiles(dir: string): string[] {
  const out = [...REQUIRED_FILES];
  for (const folder of FOLDERS) {
    const path = join(dir, folder);
    if (!existsSync(path)) continue;
    out.push(
      ...readdirSync(path)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => `${folder}/${f}`),
    );
  }
  out.push(...OPTIONAL_FILES.filter((f) => existsSync(join(dir, f))));
  return out;
}

/** Reads every catalog file once: its text (undefined when missing) and the hash over names and contents. */
export function readFiles(dir: string): { texts: Map<string, string | undefined>; sha256: string; files: string[] } {
  const hash = createHash('sha256');
  const texts = new Map<string, string | undefined>();
  const files = catalogFiles(dir);
  for (const file of files) {
    const path = join(dir, file);
    const text = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    texts.set(file, text);
    if (text !== undefined) hash.update(file).update('\0').update(text).update('\0');
  }
  return { texts, sha256: hash.digest('hex'), files: files.filter((f) => texts.get(f) !== undefined) };
}

/**
 * Identity of the validator: the compiled schema and loader modules. Compiled data from another version of them
 * (an older build, a changed schema) is not trusted.
 */
export function validatorHash(): string {
  const hash = createHash('sha256');
  for (const f of ['schema.js', 'catalog.js']) {
    const path = join(PROJECT_ROOT, 'dist', 'src', 'catalog', f);
    hash.update(existsSync(path) ? readFileSync(path) : `missing ${f}`).update('\0');
  }
  return hash.digest('hex');
}

/** The compiled catalog file, or undefined when it is absent, unreadable or of another format. */
export function readCompiled(path: string): CompiledCatalog | undefined {
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as CompiledCatalog;
    return c.format === COMPILED_FORMAT && typeof c.sha256 === 'string' && !!c.data ? c : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The catalog in dir from the compiled file, when the folder's files hash to it and the validator is the same;
 * undefined otherwise (then validate the folder with loadCatalog). Reads the files once to hash them.
 */
export function loadCompiledCatalog(dir: string, compiledPath: string = COMPILED_CATALOG): Catalog | undefined {
  if (!existsSync(dir)) return undefined;
  const compiled = readCompiled(compiledPath);
  if (!compiled || compiled.validator !== validatorHash()) return undefined;
  const read = readFiles(dir);
  return read.sha256 === compiled.sha256
    ? assemble(dir, compiled.sha256, compiled.files, compiled.data, 'compiled')
    : undefined;
}

/** The catalog object: the data plus its indexes. */
export function assemble(
  dir: string,
  sha256: string,
  files: string[],
  data: CatalogData,
  loadedFrom: Catalog['loadedFrom'],
): Catalog {
  const byBuild = new Map(data.builds.map((b) => [b.build, b]));
  const byUpdate = new Map(data.updates.map((u) => [u.id, u]));
  const byCve = new Map(data.cves.map((v) => [v.id, v]));
  const byProduct = new Map(data.products.map((p) => [p.id, p]));
  const byDirective = new Map(data.directives.map((d) => [d.id, d]));
  const cuCache = new Map<Product, BuildEntry[]>();
  return {
    dir,
    sha256,
    files,
    loadedFrom,
    ...data,
    product: (id) => {
      const p = byProduct.get(id);
      if (!p) throw new CatalogError(`catalog has no product ${id}`);
      return p;
    },
    update: (id) => byUpdate.get(id),
    advisory: (id) => data.advisories.find((a) => a.id === id),
    cve: (id) => byCve.get(id),
    build: (b) => byBuild.get(b),
    directive: (id) => byDirective.get(id),
    cus: (product) => {
      let list = cuCache.get(product);
      if (!list) {
        list = data.builds.filter((b) => b.product === product && b.update === null);
        cuCache.set(product, list);
      }
      return list;
    },
  };
}
