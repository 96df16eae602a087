/**
 * Loads and validates the whole rules catalog from a directory (rules/ by default, --rules DIR to override):
 * catalog.yaml (meta and source list), products.yaml, builds.json, updates.json, cves.json,
 * extended-protection.yaml, and the folders advisories/, iocs/ (indicators of compromise) and directives/.
 * Every file is validated here, so a broken file of any kind is a catalog error with its file and path.
 *
 * At build time the shipped rules/ folder is validated once and written as one JSON file (dist/catalog.json,
 * `compileCatalog`). Loading a folder whose files hash to that file's sha256 takes the compiled data as is: no
 * YAML parsing and no zod on every start. Any other folder (or an edited rules/) is read and validated in full.
 * Nothing is fetched.
 */
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
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
  Directive,
  ExtendedProtectionSpec,
  Indicator,
  ProductEntry,
  SECURITY_SETTINGS_FOLDER,
  SecuritySettingsRules,
  UpdateEntry,
} from './schema.js';
import {
  COMPILED_CATALOG,
  COMPILED_FORMAT,
  assemble,
  loadCompiledCatalog,
  readFiles,
  validatorHash,
  type Catalog,
  type CatalogData,
  type CatalogProblem,
  type CompiledCatalog,
} from './compiled.js';

export { COMPILED_CATALOG, catalogFiles, loadCompiledCatalog } from './compiled.js';
export type { Catalog, CatalogData, CatalogProblem } from './compiled.js';

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

const require = createRequire(import.meta.url);
let yamlParse: ((text: string) => unknown) | undefined;
/** The YAML parser, loaded only when a folder is read from its sources (never for the compiled catalog). */
function parseYaml(text: string): unknown {
  yamlParse ??= (require('yaml') as typeof import('yaml')).parse;
  return yamlParse(text);
}

function parseData(file: string, text: string | undefined, problems: CatalogProblem[]): unknown {
  if (text === undefined) {
    problems.push({ file, path: '(file)', message: `missing; a catalog directory needs ${file}` });
    return undefined;
  }
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
export function crossCheck(c: CatalogData, fileOf: FileOf = defaultFileOf): CatalogProblem[] {
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
    checkSources(a.sources, fileOf('advisory', a.id), 'sources');
    for (const id of [...a.cves, ...a.mitigations.flatMap((m) => m.covers)]) {
      if (!cveIds.has(id))
        problems.push({ file: fileOf('advisory', a.id), path: 'cves', message: `${id} is not in cves.json` });
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
  const adviceIds = new Set<string>();
  c.advisories.forEach((a) => {
    if (adviceIds.has(a.id))
      problems.push({ file: fileOf('advisory', a.id), path: 'id', message: `duplicate advisory id ${a.id}` });
    adviceIds.add(a.id);
    const mitIds = new Set<string>();
    a.mitigations.forEach((m, i) => {
      if (mitIds.has(m.id))
        problems.push({ file: fileOf('advisory', a.id), path: `mitigations.${i}.id`, message: `duplicate id ${m.id}` });
      mitIds.add(m.id);
      checkSources(m.sources, fileOf('advisory', a.id), `mitigations.${i}.sources`);
    });
  });
  const indicatorIds = new Set<string>();
  c.indicators.forEach((ind, i) => {
    const file = fileOf('indicator', ind.id);
    if (indicatorIds.has(ind.id)) problems.push({ file, path: String(i), message: `duplicate indicator id ${ind.id}` });
    indicatorIds.add(ind.id);
    checkSources(ind.sources, file, `${ind.id}.sources`);
  });
  const directiveIds = new Set<string>();
  for (const d of c.directives) {
    const file = fileOf('directive', d.id);
    if (directiveIds.has(d.id)) problems.push({ file, path: 'id', message: `duplicate directive id ${d.id}` });
    directiveIds.add(d.id);
    checkSources(d.sources, file, 'sources');
    const actionIds = new Set<string>();
    d.actions.forEach((a, i) => {
      if (actionIds.has(a.id)) problems.push({ file, path: `actions.${i}.id`, message: `duplicate action id ${a.id}` });
      actionIds.add(a.id);
      const updateIds = [...(a.eligible ? [a.eligible.update] : []), ...a.evidence.flatMap((e) => e.updates ?? [])];
      for (const u of updateIds)
        if (!updates.has(u))
          problems.push({ file, path: `actions.${i}`, message: `${a.id} names unknown update ${u}` });
      for (const id of a.evidence.flatMap((e) => e.cves ?? []))
        if (!cveIds.has(id))
          problems.push({ file, path: `actions.${i}`, message: `${a.id}: ${id} is not in cves.json` });
    });
  }
  // Security-setting sections: their CVEs are in cves.json, their updates in updates.json, their sources listed.
  for (const [key, value] of Object.entries(c.securitySettings ?? {})) {
    if (!value) continue;
    const file = fileOf('setting', key);
    const sec = value as { sources: string[]; cves?: string[]; supportedFrom?: unknown };
    checkSources(sec.sources, file, `${key}.sources`);
    for (const id of sec.cves ?? [])
      if (!cveIds.has(id)) problems.push({ file, path: `${key}.cves`, message: `${id} is not in cves.json` });
    if (typeof sec.supportedFrom === 'string' && !updates.has(sec.supportedFrom))
      problems.push({ file, path: `${key}.supportedFrom`, message: `unknown update ${sec.supportedFrom}` });
  }
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

/**
 * Loads a catalog directory: from the compiled file when the folder's files hash to it (nothing to parse or
 * validate again), otherwise from its sources with full validation. Returns every problem found.
 */
export function tryLoadCatalog(
  dir: string = DEFAULT_RULES_DIR,
  opts: { compiled?: string | false } = {},
): { catalog?: Catalog; problems: CatalogProblem[] } {
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
  if (opts.compiled !== false) {
    const fast = loadCompiledCatalog(dir, opts.compiled);
    if (fast) return { catalog: fast, problems: [] };
  }
  const read = readFiles(dir);
  const { data, problems } = validateFiles(read.texts);
  if (!data) return { problems };
  return { catalog: assemble(dir, read.sha256, read.files, data, 'files'), problems: [] };
}

/**
 * Validates a catalog folder and writes it as one JSON file (the build runs this for rules/ into
 * dist/catalog.json). Throws CatalogValidationError when the folder is invalid, so a broken catalog fails the build.
 */
export function compileCatalog(dir: string = DEFAULT_RULES_DIR, out: string = COMPILED_CATALOG): CompiledCatalog {
  const read = readFiles(dir);
  const { data, problems } = validateFiles(read.texts);
  if (!data) throw new CatalogValidationError(problems);
  const compiled: CompiledCatalog = {
    format: COMPILED_FORMAT,
    sha256: read.sha256,
    validator: validatorHash(),
    files: read.files,
    data,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(compiled)}\n`);
  return compiled;
}

type FileOf = (kind: 'advisory' | 'indicator' | 'directive' | 'setting', id: string) => string;
const defaultFileOf: FileOf = (kind, id) =>
  kind === 'setting' ? `${SECURITY_SETTINGS_FOLDER}/` : `${kind === 'advisory' ? 'advisories' : `${kind}s`}/${id}`;

const PRODUCT_ORDER: Product[] = ['2013', '2016', '2019', 'SE'];

/** Parses and validates every file, then the cross-file invariants; data only when there is no problem. */
function validateFiles(texts: Map<string, string | undefined>): { data?: CatalogData; problems: CatalogProblem[] } {
  const problems: CatalogProblem[] = [];
  const one = <T>(schema: z.ZodType<T>, file: string) =>
    validate(schema, parseData(file, texts.get(file), problems), file, problems);
  const meta = one(CatalogMeta, 'catalog.yaml');
  const products = one(z.array(ProductEntry), 'products.yaml');
  const builds = one(z.array(BuildEntry), 'builds.json');
  const updates = one(z.array(UpdateEntry), 'updates.json');
  const cves = one(z.array(CveEntry), 'cves.json');
  const ep = texts.has('extended-protection.yaml')
    ? one(ExtendedProtectionSpec, 'extended-protection.yaml')
    : undefined;
  const inFolder = (folder: string) => [...texts.keys()].filter((f) => f.startsWith(`${folder}/`));
  // Where each advisory, indicator and directive came from, so cross-file problems name the file.
  const origin = new Map<string, string>();
  const advisories: Advisory[] = [];
  for (const file of inFolder('advisories')) {
    const a = one(Advisory, file);
    if (a) {
      advisories.push(a);
      origin.set(`advisory:${a.id}`, file);
    }
  }
  const indicators: Indicator[] = [];
  for (const file of inFolder('iocs')) {
    const list = one(z.array(Indicator), file);
    for (const ind of list ?? []) {
      indicators.push(ind);
      if (!origin.has(`indicator:${ind.id}`)) origin.set(`indicator:${ind.id}`, file);
    }
  }
  const directives: Directive[] = [];
  for (const file of inFolder('directives')) {
    const d = one(Directive, file);
    if (d) {
      directives.push(d);
      if (!origin.has(`directive:${d.id}`)) origin.set(`directive:${d.id}`, file);
    }
  }
  // rules/healthchecker/*.yaml: each file holds some sections; together they make one object.
  const securitySettings: Record<string, unknown> = {};
  for (const file of inFolder(SECURITY_SETTINGS_FOLDER)) {
    const part = one(SecuritySettingsRules, file);
    for (const [key, value] of Object.entries(part ?? {})) {
      if (value === undefined) continue;
      if (key in securitySettings)
        problems.push({ file, path: key, message: `${key} is also defined in ${origin.get(`setting:${key}`)}` });
      securitySettings[key] = value;
      origin.set(`setting:${key}`, file);
    }
  }
  if (!meta || !products || !builds || !updates || !cves || problems.length) return { problems };
  const data: CatalogData = {
    meta,
    products,
    builds,
    updates,
    cves,
    advisories,
    ...(ep ? { extendedProtection: ep } : {}),
    securitySettings: securitySettings as SecuritySettingsRules,
    indicators,
    directives,
  };
  problems.push(
    ...crossCheck(data, (kind, id) =>
      kind === 'setting'
        ? (origin.get(`setting:${id}`) ?? `${SECURITY_SETTINGS_FOLDER}/`)
        : (origin.get(`${kind}:${id}`) ?? defaultFileOf(kind, id)),
    ),
  );
  if (problems.length) return { problems };
  builds.sort(
    (a, b) => PRODUCT_ORDER.indexOf(a.product) - PRODUCT_ORDER.indexOf(b.product) || compareBuilds(a.build, b.build),
  );
  return { data, problems: [] };
}

let cached: { dir: string; catalog: Catalog } | undefined;
/** Process-wide catalog for CLI commands (loaded once per --rules dir). */
export function getCatalog(dir: string = DEFAULT_RULES_DIR): Catalog {
  if (!cached || cached.dir !== dir) cached = { dir, catalog: loadCatalog(dir) };
  return cached.catalog;
}
