/**
 * Build lookup and exposure by build (DESIGN.md §3). Pure functions of (catalog, build).
 *
 * An update X is applied on a build B of product P and cumulative update C when (HealthChecker's rule,
 * CompareExchangeBuildLevel.ps1): P never received X; or B ≥ X's build on the newest CU that got X; or C got X
 * and B ≥ X's build on C. A CU that never received X is missing it. At CU precision (three-part build) the SU
 * level is unknown: an update whose build on C is above C's base build is `unknown`, never applied.
 */
// Types only: lookup runs on the compiled catalog, without zod.
import type { Catalog } from './compiled.js';
import type { BuildEntry, CveCondition, CveEntry, UpdateEntry, UpdateFix } from './schema.js';
import type { Facts, Product } from '../facts/schema.js';
import { InputError } from '../util/errors.js';
import { compareBuilds, cuPrefix, parseBuild, productOfBuild } from '../util/version.js';

export type LookupPrecision = 'exact' | 'cu' | 'product';

export interface MissingUpdate {
  id: string;
  kb: string | null;
  releaseDate: string;
  /** The update's build for this CU, or null when this CU never received it (move to a newer CU). */
  build: string | null;
  cves: string[];
  esuOnly: boolean;
}

export interface BuildInfo {
  input: string;
  build: string | null;
  product: Product;
  productName: string;
  cu: string | null;
  cuBuild: string | null;
  update: string | null;
  name: string;
  releaseDate: string | null;
  precision: LookupPrecision;
  known: boolean;
  /** For an unknown four-part build: the highest known build at or below it, whose level it is judged at. */
  judgedAs: string | null;
  supported: boolean;
  endOfSupport: string | null;
  /** An Extended Security Update period covering this CU on the reference date, if any. */
  esu: { name: string; end: string } | null;
  latestBuild: string | null;
  missingUpdates: MissingUpdate[];
  cves: string[];
  conditionalCves: { id: string; kind: CveCondition['kind']; condition: string }[];
  indeterminateCves: { id: string; reason: string }[];
  /** How the input was read, when that matters: an alias, a re-released update, AdminDisplayVersion's CU precision. */
  notes: string[];
}

/** The builds a condition needs to take its closing step, when its kind has them. */
export function requiredBuilds(c: CveCondition): string[] | undefined {
  return 'requiresBuild' in c ? c.requiresBuild : undefined;
}

export type UpdateState = 'applied' | 'missing' | 'unknown' | 'not-applicable';

export interface CveState {
  id: string;
  state: 'open' | 'fixed' | 'indeterminate' | 'not-affected';
  /** Updates whose absence opens it (state open) or whose presence is unknown (state indeterminate). */
  missingUpdates: string[];
  /** Configuration conditions that apply on this build (those that can close or re-open it). */
  conditions: CveCondition[];
  /** Why it is open or indeterminate, in words. */
  reason?: string;
  /** open because the default configuration is exposed once the updates are in (not by a missing update). */
  openByDefaultConfig?: boolean;
}

const PRODUCT_NAMES: Record<Product, string> = {
  '2013': 'Exchange 2013',
  '2016': 'Exchange 2016',
  '2019': 'Exchange 2019',
  SE: 'Exchange SE',
};

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Natural order of CVE ids: year, then number; ADVs last. */
const cveKeys = new Map<string, RegExpExecArray | null>();
/** An id's year and number, parsed once (ids are the catalog's: every server sorts the same ones). */
function cveKey(id: string): RegExpExecArray | null {
  let k = cveKeys.get(id);
  if (k === undefined) {
    k = /^CVE-(\d+)-(\d+)$/.exec(id);
    if (cveKeys.size < 100_000) cveKeys.set(id, k);
  }
  return k;
}

export function compareCveIds(a: string, b: string): number {
  const pa = cveKey(a);
  const pb = cveKey(b);
  if (pa && pb) return Number(pa[1]) - Number(pb[1]) || Number(pa[2]) - Number(pb[2]);
  if (pa) return -1;
  if (pb) return 1;
  return a.localeCompare(b);
}

function notExchangeVersion(input: string): never {
  throw new InputError(
    `"${input}" is not an Exchange version`,
    'give a build such as 15.2.1544.14, 15.02.1544.014 or 15.2.1544, or a name such as "Exchange 2019 CU14 Nov24SUv2"',
  );
}

function rejectOtherFamilies(input: string, parts: number[]): void {
  const [maj, min] = parts;
  if (maj === 15 && min === 20)
    throw new InputError(
      `${input} is an Exchange Online build (15.20.x), not an on-premises server`,
      'exaudit judges on-premises Exchange 2013, 2016, 2019 and SE',
    );
  if (maj === 14)
    throw new InputError(
      `${input} is Exchange 2010, which is not in the catalog`,
      'Exchange 2010 is out of support since 2020-10-13; treat it as exposed and replace it',
    );
  if (maj === 8)
    throw new InputError(
      `${input} is Exchange 2007, which is not in the catalog`,
      'Exchange 2007 is out of support since 2017-04-11; treat it as exposed and replace it',
    );
  notExchangeVersion(input);
}

/** The CU a build belongs to: same major.minor.build as a CU base, else the highest CU base below it. */
export function placeOnCu(catalog: Catalog, product: Product, build: string): BuildEntry | undefined {
  const cus = catalog.cus(product);
  const prefix = cuPrefix(build);
  const same = cus.find((c) => cuPrefix(c.build) === prefix);
  if (same) return same;
  let best: BuildEntry | undefined;
  for (const c of cus) if (compareBuilds(c.build, build) <= 0) best = c;
  return best ?? cus[0];
}

function buildsOnCu(catalog: Catalog, product: Product, cu: string): BuildEntry[] {
  return catalog.builds.filter((b) => b.product === product && b.cu === cu);
}

function fixesFor(update: UpdateEntry, product: Product): UpdateFix[] {
  return update.fixes.filter((f) => f.product === product);
}

/** HealthChecker's "is SU X applied" rule, with CU precision and product precision handled honestly. */
export function updateState(catalog: Catalog, info: BuildInfo, updateId: string): UpdateState {
  const update = catalog.update(updateId);
  if (!update) return 'not-applicable';
  const fixes = fixesFor(update, info.product);
  if (!fixes.length) return 'not-applicable';
  if (info.precision === 'product' || !info.build) return 'unknown';
  const newest = fixes.reduce((a, b) => (compareBuilds(a.build, b.build) >= 0 ? a : b));
  const own = fixes.find((f) => f.cu === info.cu);
  if (info.precision === 'exact') {
    if (compareBuilds(info.build, newest.build) >= 0) return 'applied';
    if (own) return compareBuilds(info.build, own.build) >= 0 ? 'applied' : 'missing';
    return 'missing';
  }
  // CU precision: only the CU's base build is certain.
  const base = info.cuBuild ?? info.build;
  if (compareBuilds(base, newest.build) >= 0) return 'applied';
  if (own) return compareBuilds(base, own.build) >= 0 ? 'applied' : 'unknown';
  return 'missing';
}

/**
 * Can this build take a configuration step that needs one of `requiresBuild` (per-CU thresholds)?
 * true/false, or undefined at CU precision when it depends on the SU level.
 */
export function canTakeStep(info: BuildInfo, requiresBuild: string[]): boolean | undefined {
  if (!info.build || info.precision === 'product') return undefined;
  const family = info.build.split('.').slice(0, 2).join('.');
  const mine = requiresBuild.filter((t) => t.startsWith(family + '.'));
  if (!mine.length) return true;
  const same = mine.find((t) => cuPrefix(t) === cuPrefix(info.build!));
  const probe = info.precision === 'exact' ? info.build : (info.cuBuild ?? info.build);
  if (same) {
    if (compareBuilds(probe, same) >= 0) return true;
    return info.precision === 'exact' ? false : undefined;
  }
  const max = mine.reduce((a, b) => (compareBuilds(a, b) >= 0 ? a : b));
  return compareBuilds(probe, max) > 0;
}

function conditionApplies(cond: CveCondition, info: BuildInfo): boolean {
  if (cond.products && !cond.products.includes(info.product)) return false;
  const below = cond.appliesBelow?.[info.product];
  if (below && info.build) {
    const probe = info.precision === 'exact' ? info.build : (info.cuBuild ?? info.build);
    return compareBuilds(probe, below) < 0;
  }
  return true;
}

/** Extended Protection support of the build, from the catalog's EP condition thresholds. */
export function epSupported(catalog: Catalog, info: BuildInfo): boolean | undefined {
  const ep = catalog.cves.flatMap((c) => c.conditions).find((c) => c.kind === 'extended-protection');
  const builds = ep && requiredBuilds(ep);
  return builds ? canTakeStep(info, builds) : undefined;
}

function cveState(catalog: Catalog, info: BuildInfo, cve: CveEntry): CveState {
  const id = cve.id;
  if (!cve.products.includes(info.product)) return { id, state: 'not-affected', missingUpdates: [], conditions: [] };
  const conditions = cve.conditions.filter((c) => conditionApplies(c, info));
  const fixes = cve.fixedBy.filter((f) => f.products.includes(info.product));
  const missing: string[] = [];
  const unknown: string[] = [];
  for (const f of fixes) {
    const s = updateState(catalog, info, f.update);
    if (s === 'missing') missing.push(f.update);
    else if (s === 'unknown') unknown.push(f.update);
  }
  if (missing.length)
    return { id, state: 'open', missingUpdates: missing, conditions, reason: `${missing.join(', ')} not installed` };
  if (unknown.length) {
    return {
      id,
      state: 'indeterminate',
      missingUpdates: unknown,
      conditions,
      reason:
        info.precision === 'product'
          ? 'only the product is known'
          : `the build is known only to the CU; ${unknown.join(', ')} may or may not be installed`,
    };
  }
  if (!fixes.length && !conditions.length) return { id, state: 'not-affected', missingUpdates: [], conditions: [] };
  for (const c of conditions) {
    const needed = requiredBuilds(c);
    if (!needed) continue;
    const can = canTakeStep(info, needed);
    if (can === false)
      return {
        id,
        state: 'open',
        missingUpdates: [],
        conditions,
        // Reasons are clauses: the checks end the sentence.
        reason: `this build cannot take the required step: ${c.description.replace(/\.$/, '')}`,
      };
    if (can === undefined)
      return {
        id,
        state: 'indeterminate',
        missingUpdates: [],
        conditions,
        reason: 'whether this build can take the required configuration step depends on its SU level',
      };
  }
  const byDefault = conditions.find((c) => c.kind === 'serialization-signing' && c.defaultOpen);
  if (byDefault)
    return {
      id,
      state: 'open',
      missingUpdates: [],
      conditions,
      reason: `exposed in the default configuration: ${byDefault.description}`,
      openByDefaultConfig: true,
    };
  return { id, state: 'fixed', missingUpdates: [], conditions };
}

/** State of every catalog CVE for this build, by build alone (default configuration). */
export function cveStates(catalog: Catalog, info: BuildInfo): CveState[] {
  // The advisory checks and cve-exposure all ask for the same (shared, frozen) BuildInfo: answer once.
  const known = Object.isFrozen(info) ? statesOf.get(info) : undefined;
  if (known?.catalog === catalog) return known.states;
  const states = catalog.cves.map((c) => cveState(catalog, info, c)).sort((a, b) => compareCveIds(a.id, b.id));
  if (Object.isFrozen(info)) statesOf.set(info, { catalog, states: deepFreeze(states) });
  return states;
}
const statesOf = new WeakMap<BuildInfo, { catalog: Catalog; states: CveState[] }>();

function lifecycle(catalog: Catalog, product: Product, cu: string | null, asOf: string) {
  const p = catalog.product(product);
  const inSupport = !p.extendedEnd || asOf <= p.extendedEnd;
  const esu = p.esu.find((e) => cu && e.covers.includes(cu) && e.start <= asOf && asOf <= e.end);
  return {
    supported: inSupport && (cu === null ? true : p.supportedCus.includes(cu)),
    endOfSupport: p.extendedEnd,
    esu: esu ? { name: esu.name, end: esu.end } : null,
  };
}

interface Parsed {
  product: Product;
  build: string | null;
  precision: LookupPrecision;
  cu?: string;
  update?: string;
  notes: string[];
  /** The input was an AdminDisplayVersion (CU precision by nature). */
  adminDisplayVersion?: string;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
// Product, then an optional CU, then the rest (the update, parsed by UPDATE_RE). Every part is bounded.
const NAME_RE =
  /^(?:microsoft )?(?:exchange )?(?:server )?(2013|2016|2019|se|subscription edition)(?: (rtm|sp1|cu ?\d{1,2}))?(?: (.{1,40}))?$/i;
// "Nov24SU", "Nov24SUv2", "Nov24SU v2", "November 2024 SU", "Nov 2024 Security Update v2", "Apr25HU".
const UPDATE_RE = /^([a-z]{3,9})[ -]?(\d{4}|\d{2})[ -]?(su|hu|security update|hotfix update)?[ -]?(v\d)?$/i;

/** An update as written, in the catalog's spelling (Nov24SUv2); undefined when it is not an update name. */
function updateIdOf(text: string): { id: string; type: 'SU' | 'HU' | undefined } | undefined {
  const m = UPDATE_RE.exec(text);
  if (!m) return undefined;
  const word = m[1]!.toLowerCase();
  const month = word === 'sept' ? 8 : MONTH_NAMES.findIndex((n) => n.startsWith(word));
  if (month < 0 || (word.length > 3 && !MONTH_NAMES[month]!.startsWith(word))) return undefined;
  const yy = m[2]!.slice(-2);
  if (m[2]!.length === 4 && !m[2]!.startsWith('20')) return undefined;
  const typeText = m[3]?.toLowerCase();
  const type = typeText === undefined ? undefined : typeText.startsWith('h') ? 'HU' : 'SU';
  const mon = MONTHS[month]!;
  const id = `${mon[0]!.toUpperCase()}${mon.slice(1)}${yy}${type ?? 'SU'}${m[4] ? m[4].toLowerCase() : ''}`;
  return { id, type };
}

/** "Exchange 2013 CU23, 2016 CU23, 2019 CU11 and CU12": the CUs a catalog update was released for. */
export function cusThatGot(catalog: Catalog, updateId: string): string {
  const byProduct = new Map<Product, string[]>();
  const add = (product: Product, cu: string) => {
    const list = byProduct.get(product) ?? [];
    if (!list.includes(cu)) byProduct.set(product, [...list, cu]);
  };
  for (const b of catalog.builds) if (b.update === updateId) add(b.product, b.cu);
  for (const f of catalog.update(updateId)?.fixes ?? []) add(f.product, f.cu);
  const parts = (['2013', '2016', '2019', 'SE'] as Product[])
    .filter((p) => byProduct.has(p))
    .map((p) => {
      const cus = byProduct.get(p)!;
      const list = cus.length > 1 ? `${cus.slice(0, -1).join(', ')} and ${cus[cus.length - 1]}` : cus[0];
      return `${p} ${list}`;
    });
  return parts.length ? `Exchange ${parts.join(', ')}` : 'no CU in the catalog';
}

/** The newest update of the catalog, for "not in the catalog" messages. */
function newestUpdate(catalog: Catalog): string {
  const u = [...catalog.updates].sort((a, b) => a.releaseDate.localeCompare(b.releaseDate)).pop();
  return u ? `${u.id} of ${u.releaseDate}` : 'none';
}

/** Resolves the update part of a name on a known product and CU. Throws one clear line when it cannot. */
function resolveUpdate(
  catalog: Catalog,
  input: string,
  product: Product,
  cu: string,
  written: string,
): { entry: BuildEntry; notes: string[] } {
  const parsed = updateIdOf(written);
  if (!parsed) notExchangeVersion(input);
  const notes: string[] = [];
  const onCu = buildsOnCu(catalog, product, cu);
  const find = (id: string) =>
    onCu.find((e) => e.update?.toLowerCase() === id.toLowerCase()) ??
    catalog
      .update(id)
      ?.fixes.filter((f) => f.product === product && f.cu === cu)
      .map((f) => catalog.build(f.build))
      .find((b): b is BuildEntry => !!b);
  const known = (id: string) => !!catalog.update(id) || catalog.builds.some((b) => b.update === id);
  let id = parsed!.id;
  // A month's update is an SU or an HU: "Apr25SU" for the April 2025 hotfix update is an alias of Apr25HU.
  if (!parsed!.type || !known(id)) {
    const other = id.replace(/(SU|HU)(v\d)?$/, (_m, t: string, v?: string) => (t === 'SU' ? 'HU' : 'SU') + (v ?? ''));
    if (!known(id) && known(other)) {
      if (parsed!.type) notes.push(`${id} read as ${other}: Microsoft released that month's update as ${other}`);
      id = other;
    }
  }
  if (written.replace(/\s+/g, '').toLowerCase() !== id.toLowerCase() && !notes.length)
    notes.push(`"${written}" read as ${id}`);
  if (!known(id))
    throw new InputError(
      `${PRODUCT_NAMES[product]} ${cu} ${written}: no update ${id} in the catalog (its newest is ${newestUpdate(catalog)})`,
      `a newer catalog may know it: pass --rules DIR, or give the build number`,
    );
  const entry = find(id);
  if (!entry)
    throw new InputError(
      `${PRODUCT_NAMES[product]} ${cu} never received ${id}: ${id} was released for ${cusThatGot(catalog, id)}`,
      "or give the build number: ExSetup.exe's file version",
    );
  // A re-released update (Nov24SU, then Nov24SUv2): say so when the older package is named.
  const rerelease = onCu.find((e) => e.update && e.update.startsWith(id) && /v\d$/.test(e.update) && e.update !== id);
  if (rerelease)
    notes.push(
      `${id} was re-released as ${rerelease.update} (${rerelease.build}); ${entry.build} is the first package`,
    );
  return { entry, notes };
}

function parseInput(catalog: Catalog, input: string): Parsed {
  const text = input.trim();
  const b = parseBuild(text);
  if (b) {
    const product = productOfBuild(b.text);
    if (!product) rejectOtherFamilies(text, b.parts);
    if (b.form === 'admin-display-version')
      return { product: product!, build: b.text, precision: 'cu', notes: [], adminDisplayVersion: text };
    return { product: product!, build: b.text, precision: b.parts.length === 4 ? 'exact' : 'cu', notes: [] };
  }
  const m = NAME_RE.exec(text.replace(/\s+/g, ' '));
  if (!m) notExchangeVersion(text);
  const productRaw = m![1]!.toLowerCase();
  const product: Product = productRaw.startsWith('s') ? 'SE' : (productRaw as Product);
  const cuRaw = m![2] ? m![2].toUpperCase().replace(/\s+/g, '') : undefined;
  const notes: string[] = [];
  let cu = cuRaw;
  if (cuRaw === 'SP1' && product === '2013') {
    cu = 'CU4';
    notes.push('Exchange 2013 SP1 is CU4');
  } else if (cuRaw && /^CU0\d$/.test(cuRaw)) cu = `CU${Number(cuRaw.slice(2))}`;
  const updateRaw = m![3];
  if (!cu) {
    if (updateRaw) {
      const u = updateIdOf(updateRaw);
      const got = u && catalog.update(u.id) ? u.id : undefined;
      const example =
        (got && catalog.builds.find((x) => x.product === product && x.update === got)?.cu) ??
        catalog.cus(product).at(-1)?.cu ??
        'CU1';
      throw new InputError(
        `"${input}": name the CU as well, e.g. "Exchange ${product} ${example} ${updateRaw}"`,
        got ? `${got} was released for ${cusThatGot(catalog, got)}` : undefined,
      );
    }
    return { product, build: null, precision: 'product', notes };
  }
  const base = catalog.cus(product).find((c) => c.cu === cu);
  if (!base) {
    throw new InputError(
      `${PRODUCT_NAMES[product]} has no ${cu} in the catalog`,
      `known: ${catalog
        .cus(product)
        .map((c) => c.cu)
        .join(', ')}`,
    );
  }
  if (!updateRaw) return { product, build: cuPrefix(base.build), precision: 'cu', cu, notes };
  const { entry, notes: more } = resolveUpdate(catalog, input, product, cu, updateRaw);
  return {
    product,
    build: entry.build,
    precision: 'exact',
    cu,
    update: entry.update ?? undefined,
    notes: [...notes, ...more],
  };
}

export function lookupBuild(catalog: Catalog, input: string, asOf: string = today()): BuildInfo {
  const parsed = parseInput(catalog, input);
  return describe(catalog, input, parsed, asOf);
}

function describe(catalog: Catalog, input: string, parsed: Parsed, asOf: string): BuildInfo {
  const { product, precision } = parsed;
  const productName = PRODUCT_NAMES[product];
  let cuEntry: BuildEntry | undefined;
  let entry: BuildEntry | undefined;
  let judgedAs: string | null = null;
  let known: boolean;
  if (parsed.build) {
    cuEntry = placeOnCu(catalog, product, parsed.build);
    if (precision === 'exact') {
      entry = catalog.build(parsed.build);
      known = !!entry;
      if (!entry && cuEntry) {
        const below = buildsOnCu(catalog, product, cuEntry.cu).filter(
          (e) => compareBuilds(e.build, parsed.build!) <= 0,
        );
        judgedAs = below.length ? below[below.length - 1]!.build : null;
      }
    } else {
      known = !!cuEntry && cuPrefix(cuEntry.build) === parsed.build;
    }
  } else {
    known = true;
  }
  const cu = cuEntry?.cu ?? null;
  const judged = judgedAs ? catalog.build(judgedAs) : undefined;
  const onCu = cu ? buildsOnCu(catalog, product, cu) : [];
  const productBuilds = catalog.builds.filter((b) => b.product === product);
  const latest = precision === 'product' ? productBuilds[productBuilds.length - 1] : onCu[onCu.length - 1];
  const update = entry?.update ?? null;
  let name: string;
  if (precision === 'product') name = productName;
  else if (entry) name = entry.name;
  else if (precision === 'cu') name = `${productName} ${cu ?? ''} (SU level unknown)`.replace('  ', ' ');
  else
    name = `${productName} ${cu} (unknown build ${parsed.build}${judged ? `, judged as ${judged.update ?? cu} ${judged.build}` : ''})`;

  const info: BuildInfo = {
    input,
    build: parsed.build,
    product,
    productName,
    cu,
    cuBuild: cuEntry?.build ?? null,
    update,
    name,
    releaseDate: entry?.releaseDate ?? (precision === 'cu' ? (cuEntry?.releaseDate ?? null) : null),
    precision,
    known,
    judgedAs,
    ...lifecycle(catalog, product, cu, asOf),
    latestBuild: latest?.build ?? null,
    missingUpdates: [],
    cves: [],
    conditionalCves: [],
    indeterminateCves: [],
    notes: [...parsed.notes],
  };
  if (parsed.adminDisplayVersion)
    info.notes.push(
      `AdminDisplayVersion "${parsed.adminDisplayVersion.trim()}" names the CU only (${cu ? `${productName} ${cu}` : parsed.build}): security updates do not change it, so CVEs fixed by an SU on that CU are indeterminate; ExSetup.exe's file version gives the exact build`,
    );

  for (const u of catalog.updates) {
    if (updateState(catalog, info, u.id) !== 'missing') continue;
    const own = u.fixes.find((f) => f.product === product && f.cu === cu);
    info.missingUpdates.push({
      id: u.id,
      kb: own ? (own.kb ?? null) : null,
      releaseDate: u.releaseDate,
      build: own?.build ?? null,
      cves: u.cves.filter((id) =>
        catalog.cve(id)?.fixedBy.some((f) => f.update === u.id && f.products.includes(product)),
      ),
      esuOnly: !!(own?.esuOnly ?? u.esuOnly),
    });
  }
  for (const s of cveStates(catalog, info)) {
    if (s.state === 'open') info.cves.push(s.id);
    else if (s.state === 'indeterminate') info.indeterminateCves.push({ id: s.id, reason: s.reason ?? 'unknown' });
    else if (s.state === 'fixed' && s.conditions.length) {
      for (const c of s.conditions) info.conditionalCves.push({ id: s.id, kind: c.kind, condition: c.description });
    }
  }
  return info;
}

/**
 * Per catalog, the BuildInfo of each (build, AdminDisplayVersion, precision, product, date) already judged: every
 * check asks for the target's build, and a fleet shares a few builds, while describing one walks every CVE of the
 * catalog (milliseconds). The entries are frozen, so a caller that tried to change a shared one would fail loudly.
 */
const judged = new WeakMap<Catalog, Map<string, BuildInfo | undefined>>();

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * BuildInfo from collected facts (exchange.build/product/precision), or undefined when nothing usable is known.
 * exchange.build may be any form parseBuild reads; without it, exchange.adminDisplayVersion gives the CU.
 */
export function buildInfoFromFacts(catalog: Catalog, facts: Facts, asOf: string = today()): BuildInfo | undefined {
  const ex = facts.exchange;
  if (!ex || ex.online || ex.notExchange) return undefined;
  let memo = judged.get(catalog);
  if (!memo) judged.set(catalog, (memo = new Map()));
  const key = [ex.build ?? '', ex.adminDisplayVersion ?? '', ex.precision ?? '', ex.product ?? '', asOf].join('|');
  if (memo.has(key)) return memo.get(key);
  const info = deepFreeze(describeFacts(catalog, ex, asOf));
  memo.set(key, info);
  return info;
}

function describeFacts(catalog: Catalog, ex: NonNullable<Facts['exchange']>, asOf: string): BuildInfo | undefined {
  const fromBuild = ex.build ? parseBuild(ex.build) : undefined;
  const written = fromBuild || !ex.adminDisplayVersion ? ex.build : ex.adminDisplayVersion;
  const parsed = fromBuild ?? (written ? parseBuild(written) : undefined);
  if (parsed) {
    const product = productOfBuild(parsed.text);
    if (!product) return undefined;
    // Honour a lower stated precision: a four-part string reported as CU-level is judged at CU level.
    const precision: LookupPrecision = parsed.parts.length === 4 && ex.precision === 'exact' ? 'exact' : 'cu';
    const build = precision === 'cu' ? cuPrefix(parsed.text) : parsed.text;
    const adv = parsed.form === 'admin-display-version' ? { adminDisplayVersion: written! } : {};
    return describe(catalog, written!, { product, build, precision, notes: [], ...adv }, asOf);
  }
  if (ex.product)
    return describe(
      catalog,
      `Exchange ${ex.product}`,
      { product: ex.product, build: null, precision: 'product', notes: [] },
      asOf,
    );
  return undefined;
}

/** The one update that brings a server current, and what installing it settles (see `currentUpdate`). */
export interface CurrentUpdateInfo {
  name: string;
  build: string;
  kb?: string;
  esuOnly?: boolean;
  /** The server's CU gets no more updates (or is unknown): this is the newest CU's latest build. */
  newCu: boolean;
  /** Open CVEs, by build, that it closes. */
  closes: string[];
  /** Of those, the KEV-listed ones. */
  kev: string[];
  /** CVEs indeterminate at this precision (the SU level is unknown) that it would settle. */
  unknown: number;
}

/** Per frozen build description: its update. */
const updates = new WeakMap<BuildInfo, { catalog: Catalog; update: CurrentUpdateInfo | undefined }>();

/**
 * The one build to install: the latest of the server's CU when that CU received every missing update, else the
 * latest of the product's newest CU. Security updates are cumulative within a CU, so that one install closes every
 * CVE a missing update leaves open. undefined when nothing is missing or unknown.
 * Worked out once per build description (those of buildInfoFromFacts are frozen and made once per catalog and
 * build: a fleet shares few builds, and each target asks several times); each caller gets its own copy.
 */
export function currentUpdate(catalog: Catalog, info: BuildInfo): CurrentUpdateInfo | undefined {
  if (!Object.isFrozen(info)) return findUpdate(catalog, info);
  let memo = updates.get(info);
  if (!memo || memo.catalog !== catalog) updates.set(info, (memo = { catalog, update: findUpdate(catalog, info) }));
  const u = memo.update;
  return u && { ...u, closes: [...u.closes], kev: [...u.kev] };
}

function findUpdate(catalog: Catalog, info: BuildInfo): CurrentUpdateInfo | undefined {
  const states = cveStates(catalog, info);
  const closes = states.filter((s) => s.state === 'open' && s.missingUpdates.length).map((s) => s.id);
  const unknown = states.filter((s) => s.state === 'indeterminate' && s.missingUpdates.length).length;
  if (!info.missingUpdates.length && !unknown && info.precision === 'exact') return undefined;
  const newCu = !info.cu || info.precision === 'product' || info.missingUpdates.some((m) => m.build === null);
  const candidates = catalog.builds.filter(
    (b) => b.product === info.product && !b.aliasOf && (newCu || b.cu === info.cu),
  );
  const target = candidates.reduce<BuildEntry | undefined>(
    (a, b) => (!a || compareBuilds(b.build, a.build) > 0 ? b : a),
    undefined,
  );
  if (!target) return undefined;
  if (info.precision === 'exact' && info.build && compareBuilds(info.build, target.build) >= 0) return undefined;
  if (info.precision === 'cu' && !info.missingUpdates.length && !unknown) return undefined;
  return {
    name: target.name,
    build: target.build,
    ...(target.kb ? { kb: target.kb } : {}),
    ...(target.esuOnly ? { esuOnly: true } : {}),
    newCu,
    closes,
    kev: closes.filter((id) => !!catalog.cve(id)?.kev),
    unknown,
  };
}
