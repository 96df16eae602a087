/**
 * The import: snapshots (rules/sources/) + curated overlay (rules/curated/) → builds, updates and CVEs. Pure and
 * deterministic: same inputs, same output, no clock, no I/O.
 *
 * Policy (README, "The catalog"):
 *  - a build exists if Microsoft's CSV, the learn.microsoft.com table, HealthChecker or a curated entry lists it;
 *  - KB and date: a curated correction, else Microsoft's CSV, else learn.microsoft.com (day precision only);
 *  - where HealthChecker lists a lower build for the same update on the same CU than Microsoft's tables, the higher
 *    build is the fix and the lower one is kept as an alias judged below it (never patched early);
 *  - a CVE is fixed by every update that HealthChecker, the release notes (curated) or Microsoft's CVE record name for
 *    it; per product the latest of them wins, so a revised record can only move a fix later, never earlier;
 *  - nothing is invented: unknown dates stay month-only placeholders marked unverified.
 */
import { compareBuilds, productOfBuild } from '../../util/version.js';
import type { Product } from '../../facts/schema.js';
import type { CveCondition } from '../schema.js';
import type { CuratedFiles } from './curated.js';
import type { Snapshots } from './io.js';

const PRODUCTS: Product[] = ['2013', '2016', '2019', 'SE'];
const ESU_START = '2025-10-14';

export interface BuildOut {
  build: string;
  product: Product;
  cu: string;
  update: string | null;
  name: string;
  kb: string | null;
  releaseDate: string | null;
  sources: string[];
  esuOnly?: boolean;
  aliasOf?: string;
  verified?: boolean;
  notes?: string[];
}

export interface FixOut {
  product: Product;
  cu: string;
  build: string;
  kb?: string;
  esuOnly?: boolean;
}

export interface UpdateOut {
  id: string;
  type: 'SU' | 'HU';
  title: string;
  releaseDate: string;
  kbs: string[];
  fixes: FixOut[];
  cves: string[];
  cvesVerified: boolean;
  verified: boolean;
  notes?: string[];
  sources: string[];
  esuOnly?: boolean;
}

export interface CveOut {
  id: string;
  title: string | null;
  cvss: number | null;
  cvssVector: string | null;
  published: string | null;
  exploited: boolean;
  kev: { dateAdded: string; dueDate: string | null; ransomware: 'Known' | 'Unknown' | null; verified: boolean } | null;
  products: Product[];
  fixedBy: { update: string; products: Product[] }[];
  conditions: CveCondition[];
  advisories?: string[];
  verified: boolean;
  notes?: string[];
  sources: string[];
}

export interface ImportResult {
  builds: BuildOut[];
  updates: UpdateOut[];
  cves: CveOut[];
  /** Things a maintainer should look at (a threshold no update matches, an update without date…). */
  warnings: string[];
}

interface WorkBuild {
  build: string;
  product: Product;
  cu: string | null;
  update: string | null;
  kb: string | null;
  releaseDate: string | null;
  releaseMonth?: string;
  sources: string[];
  notes: string[];
  verified?: boolean;
  aliasOf?: string;
  esuOnly?: boolean;
  dateKept?: boolean;
}

interface WorkUpdate {
  id: string;
  title: string;
  releaseDate: string | null;
  kbs: Set<string>;
  fixes: FixOut[];
  cvesVerified: boolean;
  verified: boolean;
  notes: string[];
  sources: string[];
  esuOnly?: boolean;
}

interface WorkCve {
  id: string;
  fixedBy: Map<Product, string>;
  sources: string[];
  notes: string[];
  conditions: CveCondition[];
  singleSource: boolean;
  /** "product update" pairs a cvelistV5 threshold maps to (a record confirms only the update it names). */
  recordFixes: Set<string>;
  /** "earlier later" → products where two sources name different updates (the later wins). */
  conflicts: Map<string, Product[]>;
}

const UPDATE_ID = /\b([A-Z][a-z]{2}\d{2}(?:SU|HU)(?:v\d)?)\b/;
const MONTH_ABBR = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const push = <T>(list: T[], v: T) => {
  if (!list.includes(v)) list.push(v);
};

function cuFromName(name: string): string | null {
  const m = /\b(CU\d+)\b/.exec(name);
  if (m) return m[1]!;
  if (/\bSP1\b/.test(name)) return 'CU4'; // Exchange 2013 SP1 is CU4
  if (/\bRTM\b/.test(name)) return 'RTM';
  return null;
}

function nameOf(b: { product: Product; cu: string; update: string | null }): string {
  const sp1 = b.product === '2013' && b.cu === 'CU4' ? ' (SP1)' : '';
  return `Exchange ${b.product} ${b.cu}${sp1}${b.update ? ` ${b.update}` : ''}`;
}

export function importCatalog(snap: Snapshots, curated: CuratedFiles): ImportResult {
  const warnings: string[] = [];
  const builds = new Map<string, WorkBuild>();

  const put = (
    build: string,
    fields: Partial<Pick<WorkBuild, 'cu' | 'update' | 'kb' | 'releaseDate'>>,
    source: string | string[],
    note?: string,
  ): WorkBuild | undefined => {
    const product = productOfBuild(build);
    if (!product) {
      warnings.push(`${build} is not an Exchange 2013+ build; ignored`);
      return undefined;
    }
    let e = builds.get(build);
    if (!e) {
      e = { build, product, cu: null, update: null, kb: null, releaseDate: null, sources: [], notes: [] };
      builds.set(build, e);
    }
    // The first source to give a value keeps it (HealthChecker's CU and update names, then Microsoft's CSV).
    for (const k of ['cu', 'update', 'kb', 'releaseDate'] as const) {
      const v = fields[k];
      if (v !== undefined && v !== null && e[k] === null) e[k] = v;
    }
    for (const s of Array.isArray(source) ? source : [source]) push(e.sources, s);
    if (note) push(e.notes, note);
    return e;
  };

  // 1. HealthChecker's build dictionary: CU bases and update builds.
  const hcBaseUpdates: { update: string; build: string; product: Product; cu: string }[] = [];
  for (const cu of snap.hc.cus) {
    put(cu.build, { cu: cu.cu }, 'hc');
    for (const [update, b] of Object.entries(cu.updates)) {
      if (b === cu.build) {
        // An update equal to its CU base build (Feb19SU on 2013 CU22): the CU shipped with those fixes.
        hcBaseUpdates.push({ update, build: b, product: cu.product, cu: cu.cu });
        continue;
      }
      put(b, { cu: cu.cu, update }, 'hc');
    }
  }
  // 2. Microsoft's build table.
  for (const r of snap.msBuilds.rows) {
    if (/preview/i.test(r.name)) continue;
    put(
      r.build,
      { cu: cuFromName(r.name), update: UPDATE_ID.exec(r.name)?.[1] ?? null, kb: r.kb, releaseDate: r.date },
      'gebn',
    );
  }
  // 3. Curated builds of updates newer than every table.
  const curatedUpdates = new Map(curated.updates.map((u) => [u.id, u]));
  for (const u of curated.updates) {
    for (const b of u.builds ?? []) {
      put(b.build, { cu: b.cu, update: u.id, kb: b.kb, releaseDate: b.releaseDate }, b.sources ?? u.sources ?? []);
    }
  }
  // 4. learn.microsoft.com adds KBs and days the others lack; a month alone is kept as a hint.
  const learnByBuild = new Map(snap.learn.rows.map((r) => [r.build, r]));
  for (const [b, e] of builds) {
    const l = learnByBuild.get(b);
    if (!l) continue;
    if (e.kb === null && l.kb) e.kb = l.kb;
    if (e.releaseDate === null && l.released?.length === 10) e.releaseDate = l.released;
    if (e.releaseDate === null && l.released?.length === 7) e.releaseMonth = l.released;
    push(e.sources, 'learn');
  }
  // 5. Builds only learn.microsoft.com lists join the update whose KB they carry in the same month (2018 on).
  const kbMonthUpdate = new Map<string, string>();
  for (const [b, e] of builds) {
    const l = learnByBuild.get(b);
    if (e.update && e.kb && l?.released) kbMonthUpdate.set(`${e.kb} ${l.released.slice(0, 7)}`, e.update);
  }
  for (const l of snap.learn.rows) {
    if (builds.has(l.build) || !l.kb || !l.released || l.released < '2018') continue;
    const update = kbMonthUpdate.get(`${l.kb} ${l.released.slice(0, 7)}`);
    if (!update) continue;
    const e = put(
      l.build,
      { update, kb: l.kb },
      'learn',
      `learn.microsoft.com lists it as "${l.name}" (${l.released}).`,
    );
    if (e && l.released.length === 7) e.releaseMonth = l.released;
  }
  // 6. Place every build on its CU: the CU base with the same major.minor.build, else the highest base below it.
  const bases = [...builds.values()].filter((e) => e.update === null && e.cu !== null);
  for (const e of builds.values()) {
    if (e.cu !== null) continue;
    const prefix = e.build.split('.').slice(0, 3).join('.');
    const mine = bases.filter((c) => c.product === e.product);
    const same = mine.find((c) => c.build.split('.').slice(0, 3).join('.') === prefix);
    const below = mine
      .filter((c) => compareBuilds(c.build, e.build) <= 0)
      .sort((a, b) => compareBuilds(a.build, b.build));
    e.cu = same?.cu ?? below[below.length - 1]?.cu ?? null;
  }
  // 7. Curated corrections win over every table.
  for (const c of curated.builds) {
    const e = builds.get(c.build);
    if (!e) {
      warnings.push(`curated build ${c.build} is in no source table; add it under its update in updates.yaml`);
      continue;
    }
    if (c.cu !== undefined) e.cu = c.cu;
    if (c.update !== undefined) e.update = c.update;
    if (c.kb !== undefined) e.kb = c.kb;
    if (c.releaseDate !== undefined) {
      e.releaseDate = c.releaseDate;
      e.dateKept = true; // a curated null means "the day is not known": the update's date is not copied to it
    }
    if (c.verified !== undefined) e.verified = c.verified;
    for (const n of c.notes ?? []) push(e.notes, n);
    for (const s of c.sources ?? []) push(e.sources, s);
  }
  // 8. Two builds for one update on one CU: HealthChecker's lower number becomes an alias of Microsoft's higher one.
  const byUpdateCu = new Map<string, WorkBuild[]>();
  for (const e of builds.values()) {
    if (!e.update || !e.cu) continue;
    const k = `${e.update} ${e.product} ${e.cu}`;
    byUpdateCu.set(k, [...(byUpdateCu.get(k) ?? []), e]);
  }
  const aliasNotes = new Map<string, string[]>();
  for (const list of byUpdateCu.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => compareBuilds(a.build, b.build));
    const top = list[list.length - 1]!;
    for (const low of list.slice(0, -1)) {
      if (low.sources.length !== 1 || low.sources[0] !== 'hc') continue;
      low.aliasOf = top.build;
      low.verified = false;
      const text = `HealthChecker lists Exchange ${low.product} ${low.cu} ${low.update} as ${low.build}; Microsoft's tables list ${top.build}. The higher build is the fix: ${low.build} is known but judged below it (${low.update} not installed).`;
      push(low.notes, text);
      aliasNotes.set(low.update!, [...(aliasNotes.get(low.update!) ?? []), text]);
    }
  }

  // ------------------------------------------------------------------------------------------------- updates
  const updates = new Map<string, WorkUpdate>();
  const ensureUpdate = (id: string): WorkUpdate => {
    let u = updates.get(id);
    if (u) return u;
    const c = curatedUpdates.get(id);
    u = {
      id,
      title: c?.title ?? id,
      releaseDate: c?.releaseDate ?? null,
      kbs: new Set(c?.kbs ?? []),
      fixes: [],
      cvesVerified: c?.cvesVerified ?? true,
      verified: c?.verified ?? true,
      notes: [...(c?.notes ?? [])],
      sources: [...(c?.sources ?? [])],
    };
    updates.set(id, u);
    return u;
  };
  const sortedBuilds = [...builds.values()].sort((a, b) => compareBuilds(a.build, b.build));
  for (const e of sortedBuilds) {
    if (!e.update || !e.cu || e.aliasOf) continue;
    const u = ensureUpdate(e.update);
    u.fixes.push({ product: e.product, cu: e.cu, build: e.build, ...(e.kb ? { kb: e.kb } : {}) });
    for (const s of e.sources) if (s === 'hc' || s === 'gebn' || s === 'learn') push(u.sources, s);
    if (e.kb) u.kbs.add(e.kb);
  }
  for (const x of hcBaseUpdates) {
    const u = ensureUpdate(x.update);
    const base = builds.get(x.build)!;
    if (!u.fixes.some((f) => f.build === x.build))
      u.fixes.push({ product: x.product, cu: x.cu, build: x.build, ...(base.kb ? { kb: base.kb } : {}) });
    push(u.sources, 'hc');
    push(
      u.notes,
      `HealthChecker lists Exchange ${x.product} ${x.cu} ${x.update} with the CU build itself (${x.build}): the CU shipped with these fixes.`,
    );
  }
  for (const [id, notes] of aliasNotes) for (const n of notes) push(ensureUpdate(id).notes, n);
  for (const c of curated.updates)
    if (!updates.has(c.id)) warnings.push(`curated update ${c.id} has no builds in any source; left out`);
  for (const u of updates.values()) {
    // One fix per CU: the highest build.
    const perCu = new Map<string, FixOut>();
    for (const f of u.fixes) {
      const k = `${f.product} ${f.cu}`;
      const prev = perCu.get(k);
      if (!prev || compareBuilds(f.build, prev.build) > 0) perCu.set(k, f);
    }
    u.fixes = [...perCu.values()].sort((a, b) => compareBuilds(a.build, b.build));
    if (!u.releaseDate) {
      const days = u.fixes.map((f) => builds.get(f.build)!.releaseDate).filter((d): d is string => !!d);
      u.releaseDate = days.sort()[0] ?? null;
    }
    if (!u.releaseDate) {
      // Only a month is known: learn.microsoft.com's month, else the month HealthChecker's name gives.
      const months = u.fixes
        .map((f) => builds.get(f.build)!.releaseMonth)
        .filter((m): m is string => !!m)
        .sort();
      const named = /^([A-Z][a-z]{2})(\d{2})(SU|HU)/.exec(u.id);
      const month =
        months[0] ??
        (named && MONTH_ABBR.includes(named[1]!.toLowerCase())
          ? `20${named[2]}-${String(MONTH_ABBR.indexOf(named[1]!.toLowerCase()) + 1).padStart(2, '0')}`
          : undefined);
      if (month) {
        u.releaseDate = `${month}-01`;
        u.verified = false;
        push(u.notes, `Only the month (${month}) is published in the sources read; the day is a placeholder.`);
      }
    }
  }
  for (const e of builds.values()) {
    const u = e.update ? updates.get(e.update) : undefined;
    if (!e.releaseDate && u?.releaseDate && u.verified && !e.aliasOf && !e.dateKept) e.releaseDate = u.releaseDate;
  }

  // ------------------------------------------------------------------------------------------------- CVEs
  const order = (id: string) => `${updates.get(id)?.releaseDate ?? '9999'} ${id}`;
  const cves = new Map<string, WorkCve>();
  const ensureCve = (id: string): WorkCve => {
    let c = cves.get(id);
    if (!c) {
      c = {
        id,
        fixedBy: new Map(),
        sources: [],
        notes: [],
        conditions: [],
        singleSource: false,
        recordFixes: new Set(),
        conflicts: new Map(),
      };
      cves.set(id, c);
    }
    return c;
  };
  const addFix = (id: string, updateId: string, products: Product[], source: string): boolean => {
    const u = updates.get(updateId);
    if (!u) {
      warnings.push(`${id} names update ${updateId}, which has no builds; skipped`);
      return false;
    }
    const c = ensureCve(id);
    for (const p of products.filter((p) => u.fixes.some((f) => f.product === p))) {
      const prev = c.fixedBy.get(p);
      if (prev && prev !== updateId) {
        const [a, b] = [prev, updateId].sort((x, y) => order(x).localeCompare(order(y)));
        c.fixedBy.set(p, b!);
        const k = `${a} ${b}`;
        c.conflicts.set(k, [...(c.conflicts.get(k) ?? []).filter((x) => x !== p), p]);
      } else c.fixedBy.set(p, updateId);
    }
    push(c.sources, source);
    return true;
  };

  for (const d of snap.hc.cveDictionary) for (const id of d.cves) addFix(id, d.update, d.products, 'hc');
  for (const u of curated.updates) {
    for (const group of u.cves ?? []) {
      for (const id of group.ids) {
        if (!addFix(id, u.id, group.products, 'su-research')) continue;
        const c = ensureCve(id);
        if (group.note) push(c.notes, group.note);
        if (group.singleSource) {
          c.singleSource = true;
          push(c.notes, `Listed for ${u.id} by a single source only.`);
        }
      }
    }
  }
  const records = new Map(snap.cvelist.records.map((r) => [r.id, r]));
  const cuBase = (p: string, cu: string) => bases.find((b) => b.product === p && b.cu === cu)?.build;
  for (const r of snap.cvelist.records) {
    const c = ensureCve(r.id);
    const used: string[] = [];
    const unused: string[] = [];
    for (const a of r.affected ?? []) {
      if (!a.fixedAt || !a.cu || a.product === '2010') continue;
      const where = `${a.product} ${a.cu}`;
      const hit = [...updates.values()].find((u) =>
        u.fixes.some((f) => f.product === a.product && f.cu === a.cu && f.build === a.fixedAt),
      );
      if (hit) {
        addFix(r.id, hit.id, [a.product], 'cvelist');
        c.recordFixes.add(`${a.product} ${hit.id}`);
        used.push(`${where} < ${a.fixedAt} (${hit.id})`);
      } else if (cuBase(a.product, a.cu) === a.fixedAt) {
        used.push(`${where} < ${a.fixedAt} (the CU itself: every ${where} build has the fix)`);
      } else {
        warnings.push(`${r.id}: no update has build ${a.fixedAt} on ${where}; that range is not used`);
        unused.push(`${where} < ${a.fixedAt}`);
      }
    }
    if (used.length) {
      const updated = r.dateUpdated ? `, updated ${r.dateUpdated}` : '';
      push(c.notes, `cvelistV5 (Microsoft's CNA record${updated}) gives the fix thresholds ${used.join(', ')}.`);
    }
    if (unused.length)
      push(
        c.notes,
        `cvelistV5 also gives ${unused.join(', ')}: no update has that build on that CU, so it is not used.`,
      );
  }
  for (const o of snap.hc.overrides) {
    addFix(o.cve, o.update, PRODUCTS, 'hc');
    ensureCve(o.cve).conditions.push({
      kind: 'override-reopens',
      overrides: o.overrides,
      description: `Re-opened when an Accepted SettingOverride sets ${o.overrides.join(' or ')} to false.`,
      remediation:
        'Remove the SettingOverride that sets it to false (Remove-SettingOverride), then refresh VariantConfiguration.',
    });
  }
  const curatedCves = new Map(curated.cves.map((c) => [c.id, c]));
  for (const cc of curated.cves) {
    const c = ensureCve(cc.id);
    for (const f of cc.fixedBy ?? []) addFix(cc.id, f.update, f.products, f.source);
    c.conditions.push(...(cc.conditions ?? []));
    for (const s of cc.sources ?? []) push(c.sources, s);
  }

  const kev = new Map(snap.kev.entries.map((k) => [k.cve, k]));
  const cveOut: CveOut[] = [];
  for (const id of [...cves.keys()].sort()) {
    const c = cves.get(id)!;
    const r = records.get(id);
    const cc = curatedCves.get(id);
    const byUpdate = new Map<string, Product[]>();
    for (const p of PRODUCTS) {
      const u = c.fixedBy.get(p);
      if (u) byUpdate.set(u, [...(byUpdate.get(u) ?? []), p]);
    }
    const products = new Set<Product>([...c.fixedBy.keys(), ...c.conditions.flatMap((d) => d.products ?? [])]);
    const notes = [...(cc?.notes ?? [])];
    for (const n of c.notes) push(notes, n);
    for (const [pair, ps] of c.conflicts) {
      const [a, b] = pair.split(' ');
      const which = PRODUCTS.filter((p) => ps.includes(p)).join(', ');
      push(
        notes,
        `Exchange ${which}: sources name ${a} and ${b}; the later (${b}) is used so no build is called patched too early.`,
      );
    }
    const sources = [...c.sources];
    if (r && (r.title || r.cvss)) push(sources, 'cvelist');
    let kevOut: CveOut['kev'] = null;
    const k = kev.get(id);
    if (k) {
      kevOut = { dateAdded: k.dateAdded, dueDate: k.dueDate, ransomware: k.ransomware, verified: true };
      push(sources, 'kev');
    } else if (cc?.kev) {
      kevOut = cc.kev;
    } else if (r?.kevDateAdded) {
      kevOut = { dateAdded: r.kevDateAdded, dueDate: null, ransomware: null, verified: false };
      push(
        notes,
        'KEV dateAdded from the CISA-ADP block of the cvelistV5 record; due date and ransomware use not verified.',
      );
    }
    if (!r?.cvss)
      push(
        notes,
        id.startsWith('ADV')
          ? 'A Microsoft advisory, not a CVE: it has no CVE record and no CVSS score.'
          : r
            ? 'Its cvelistV5 record (converted from the old CVE format) carries no CVSS v3 score; none is given here.'
            : 'No CVE record was read for it; no CVSS score is given.',
      );
    if (!c.fixedBy.size && !c.conditions.length) warnings.push(`${id} has neither a fixing update nor a condition`);
    // A single-source listing is confirmed only where the record names the update used (not an earlier one).
    const confirmed = PRODUCTS.some((p) => c.recordFixes.has(`${p} ${c.fixedBy.get(p)}`));
    const verified = cc?.verified ?? !(c.singleSource && !confirmed);
    cveOut.push({
      id,
      title: r?.title ?? cc?.title ?? null,
      cvss: r?.cvss?.score ?? null,
      cvssVector: r?.cvss?.vector ?? null,
      published: r?.datePublished ?? null,
      exploited: !!kevOut || r?.exploitation === 'active' || !!cc?.exploited,
      kev: kevOut,
      products: products.size ? PRODUCTS.filter((p) => products.has(p)) : ['2013', '2016', '2019'],
      fixedBy: [...byUpdate]
        .sort((a, b) => order(a[0]).localeCompare(order(b[0])))
        .map(([update, ps]) => ({ update, products: ps })),
      conditions: c.conditions,
      ...(cc?.advisories ? { advisories: cc.advisories } : {}),
      verified,
      ...(notes.length ? { notes } : {}),
      sources,
    });
  }

  // ------------------------------------------------------------------------------------------------- ESU and output
  for (const u of updates.values()) {
    if ((u.releaseDate ?? '') <= ESU_START) continue;
    for (const f of u.fixes) {
      if (f.product !== '2016' && f.product !== '2019') continue;
      f.esuOnly = true;
      builds.get(f.build)!.esuOnly = true;
    }
    if (u.fixes.every((f) => f.esuOnly)) u.esuOnly = true;
  }
  const updateOut: UpdateOut[] = [];
  for (const u of [...updates.values()].sort((a, b) => order(a.id).localeCompare(order(b.id)))) {
    if (!u.releaseDate) {
      warnings.push(`${u.id} has no release date; left out`);
      continue;
    }
    updateOut.push({
      id: u.id,
      type: u.id.includes('HU') ? 'HU' : 'SU',
      title: u.title,
      releaseDate: u.releaseDate,
      kbs: [...u.kbs].sort(),
      fixes: u.fixes,
      cves: cveOut.filter((c) => c.fixedBy.some((f) => f.update === u.id)).map((c) => c.id),
      cvesVerified: u.cvesVerified,
      verified: u.verified,
      ...(u.notes.length ? { notes: u.notes } : {}),
      sources: u.sources.length ? u.sources : ['hc'],
      ...(u.esuOnly ? { esuOnly: true } : {}),
    });
  }
  const buildOut: BuildOut[] = [];
  for (const e of sortedBuilds) {
    if (!e.cu) {
      warnings.push(`${e.build} could not be placed on a CU; left out`);
      continue;
    }
    const notes = [...e.notes];
    if (e.sources.length === 1 && e.sources[0] === 'hc' && !e.releaseDate && !e.aliasOf)
      push(notes, "Listed by HealthChecker only; no KB or date found in Microsoft's tables read.");
    buildOut.push({
      build: e.build,
      product: e.product,
      cu: e.cu,
      update: e.update,
      name:
        nameOf({ product: e.product, cu: e.cu, update: e.update }) +
        (e.aliasOf ? ` (HealthChecker's number; Microsoft's ${e.update} build is ${e.aliasOf})` : ''),
      kb: e.kb,
      releaseDate: e.releaseDate,
      sources: e.sources,
      ...(e.esuOnly ? { esuOnly: true } : {}),
      ...(e.aliasOf ? { aliasOf: e.aliasOf } : {}),
      ...(e.verified === false ? { verified: false } : {}),
      ...(notes.length ? { notes } : {}),
    });
  }
  return { builds: buildOut, updates: updateOut, cves: cveOut, warnings };
}
