/**
 * An independent oracle of HealthChecker's build-decided CVE logic (css-exchange.md §a3–a5), run over
 * HealthChecker's own tables (fixtures/healthchecker-tables/hc-tables.json), not over exaudit's catalog.
 * The parity test compares exaudit's catalog-driven lookup against it for every build HealthChecker knows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareBuilds } from '../../src/util/version.js';

interface HcCu {
  product: string;
  cu: string;
  build: string;
  releaseDate: string;
  sus: Record<string, string>;
}
interface HcTables {
  cus: HcCu[];
  dictionary: { su: string; cve: string; products: string[] }[];
  overrides: { cve: string; su: string }[];
  serializationSigning: string[];
  extendedProtection: { cves: string[]; supported: Record<string, { above: number; exact: Record<string, number> }> };
  pesterAnchors: { build: string; lines: number }[];
}

export const HC: HcTables = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/healthchecker-tables/hc-tables.json'), 'utf8'),
);

export function hcProduct(build: string): string {
  const [, min, b] = build.split('.').map(Number);
  return min === 0 ? '2013' : min === 1 ? '2016' : (b ?? 0) >= 2562 ? 'SE' : '2019';
}

function cuOf(build: string, product: string): HcCu | undefined {
  let best: HcCu | undefined;
  for (const c of HC.cus) if (c.product === product && compareBuilds(c.build, build) <= 0) best = c;
  return best;
}

/** Test-ExchangeBuildGreaterOrEqualThanSecurityPatch. */
export function hcApplied(su: string, build: string): boolean {
  const product = hcProduct(build);
  const carriers = HC.cus
    .filter((c) => c.product === product && c.sus[su])
    .sort((a, b) => b.releaseDate.localeCompare(a.releaseDate));
  if (!carriers.length) return true;
  if (compareBuilds(build, carriers[0]!.sus[su]!) >= 0) return true;
  const own = cuOf(build, product);
  return !!own?.sus[su] && compareBuilds(build, own.sus[su]!) >= 0;
}

function epSupported(build: string): boolean {
  const [maj, min, b, r] = build.split('.').map(Number);
  const rule = HC.extendedProtection.supported[`${maj}.${min}`]!;
  if (b! > rule.above) return true;
  const need = rule.exact[String(b)];
  return need !== undefined && r! >= need;
}

/** The "Security Vulnerability" lines HealthChecker emits by build alone (Pester-countable, duplicates kept). */
export function hcLines(build: string): string[] {
  const product = hcProduct(build);
  const lines: string[] = [];
  for (const d of HC.dictionary) if (d.products.includes(product) && !hcApplied(d.su, build)) lines.push(d.cve);
  for (const o of HC.overrides) if (!hcApplied(o.su, build)) lines.push(o.cve);
  // Serialization signing: 2016/2019 need Nov23SU (then signing is on by default); 2013 needs the registry value,
  // absent by default (the test mocks set 0), so it is always reported; SE is enabled by default.
  if ((product === '2016' || product === '2019') && !hcApplied('Nov23SU', build))
    lines.push(...HC.serializationSigning);
  if (product === '2013') lines.push(...HC.serializationSigning);
  if ((product === '2016' || product === '2019') && !hcApplied('Mar24SU', build)) lines.push('ADV24199947');
  if (product === '2013' && compareBuilds(build, '15.0.1497.23') < 0) lines.push('CVE-2021-34470');
  return lines;
}

/** Unique ids decided by build for a non-Edge server: the lines plus the EP CVEs on EP-unsupported builds. */
export function hcCves(build: string): Set<string> {
  const ids = new Set(hcLines(build));
  if (!epSupported(build)) for (const id of HC.extendedProtection.cves) ids.add(id);
  return ids;
}

/** Every distinct build HealthChecker's table knows (CU base builds and SU/HU builds). */
export function hcBuilds(): string[] {
  const all = new Set<string>();
  for (const c of HC.cus) {
    all.add(c.build);
    for (const b of Object.values(c.sus)) all.add(b);
  }
  return [...all].sort(compareBuilds);
}
