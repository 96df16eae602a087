/**
 * Turn upstream files into the snapshot extracts of rules/sources/ (maintainer tool; `npm run catalog:refresh`).
 * Each parser takes the upstream text and returns our normalized rows; nothing here touches the network.
 */
import { compareBuilds, parseBuild, productOfBuild } from '../../../util/version.js';
import type { CveAffected, CveRecord, HealthCheckerSnapshot, KevSnapshot, LearnBuildNumbers } from '../snapshots.js';
import type { MsBuildNumbers } from '../snapshots.js';
import type { Product } from '../../../facts/schema.js';

/** Canonical four-part 15.x build ("15.01.2044.004" → "15.1.2044.4"), or undefined for anything else. */
export function canonicalBuild(text: string): string | undefined {
  const b = parseBuild(text.trim());
  if (!b || b.parts.length !== 4 || b.parts[0] !== 15) return undefined;
  return b.text;
}

/** "7/14/2026" → "2026-07-14". */
export function usDate(text: string): string | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text.trim());
  return m ? `${m[3]}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}` : null;
}

/** ExchangeBuildNumbers.csv: "Product Name,Build Number,Date,KB,Blog", no quoting (a quoted field is refused). */
export function parseMsBuildCsv(text: string): MsBuildNumbers['rows'] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines.shift();
  if (header?.trim() !== 'Product Name,Build Number,Date,KB,Blog')
    throw new Error(`ExchangeBuildNumbers.csv: unexpected header "${header ?? ''}"`);
  const rows: MsBuildNumbers['rows'] = [];
  for (const [i, line] of lines.entries()) {
    if (line.includes('"')) throw new Error(`ExchangeBuildNumbers.csv line ${i + 2}: quoted fields are not supported`);
    const [name, buildText, dateText, kbText, blog] = line.split(',');
    const build = canonicalBuild(buildText ?? '');
    if (!name || !build) continue; // Exchange 2007/2010 rows and anything that is not a 15.x build
    const kb = (kbText ?? '').trim();
    rows.push({
      name: name.trim(),
      build,
      date: usDate(dateText ?? ''),
      kb: /^KB\d{6,7}$/.test(kb) ? kb : null,
      blog: (blog ?? '').trim() || null,
    });
  }
  return rows;
}

const MONTHS = [
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

/** "August 11, 2026" → "2026-08-11"; "October, 2020" → "2020-10". */
export function learnDate(text: string): string | null {
  const s = text.trim().toLowerCase().replace(/,/g, '');
  let m = /^([a-z]+) (\d{1,2}) (\d{4})$/.exec(s);
  if (m && MONTHS.includes(m[1]!))
    return `${m[3]}-${String(MONTHS.indexOf(m[1]!) + 1).padStart(2, '0')}-${m[2]!.padStart(2, '0')}`;
  m = /^([a-z]+) (\d{4})$/.exec(s);
  if (m && MONTHS.includes(m[1]!)) return `${m[2]}-${String(MONTHS.indexOf(m[1]!) + 1).padStart(2, '0')}`;
  return null;
}

interface LearnEntry {
  name?: string;
  release_date?: string;
  urls?: string[];
}

/** righel/ms-exchange-version-nse ms-exchange-unique-versions-dict.json: {build: {name, release_date, urls}}. */
export function parseLearnDict(json: Record<string, LearnEntry>): LearnBuildNumbers['rows'] {
  const rows: LearnBuildNumbers['rows'] = [];
  for (const [key, v] of Object.entries(json)) {
    const build = canonicalBuild(key);
    if (!build || !productOfBuild(build)) continue;
    const name = (v.name ?? '').replace(/\s+/g, ' ').trim();
    const nameDigits = /KB\s*(\d{6,7})\b/.exec(name)?.[1];
    const urlKbs = (v.urls ?? [])
      .map((u) => /(?:kb\/|help\/|update\/\d{4}\/)(\d{6,7})\b/.exec(u)?.[1])
      .filter((d): d is string => !!d);
    const nameKb = nameDigits ? `KB${nameDigits}` : undefined;
    // A seven-digit KB in the name wins; a shorter one is a typo (KB581424): the linked article whose number ends with
    // it (help/4581424), else the linked article (help/4588741); with no KB in the name, the first linked article.
    const digits =
      nameDigits?.length === 7
        ? nameDigits
        : nameDigits
          ? (urlKbs.find((d) => d.endsWith(nameDigits)) ?? urlKbs[0])
          : urlKbs[0];
    const kb = digits ? `KB${digits}` : null;
    rows.push({
      build,
      name,
      released: learnDate(v.release_date ?? ''),
      kb,
      ...(nameKb && kb && nameKb !== kb ? { nameKb } : {}),
    });
  }
  return rows.sort((a, b) => compareBuilds(a.build, b.build));
}

const HC_PRODUCTS: Record<string, Product> = {
  Exchange2013: '2013',
  Exchange2016: '2016',
  Exchange2019: '2019',
  ExchangeSE: 'SE',
};

/**
 * HealthChecker's build dictionary (Shared/Get-ExchangeBuildVersionInformation.ps1): GetExchangeBuildDictionary's
 * `"CUn" = (NewCUAndSUObject "build" @{ "SUname" = "build" … })` entries, and the CU release dates of
 * GetExchangeBuildInformation's `$cuReleaseDate = "MM/DD/YYYY"` lines.
 */
export function parseHcBuildDictionary(ps1: string): HealthCheckerSnapshot['cus'] {
  const start = ps1.indexOf('function GetExchangeBuildDictionary');
  if (start < 0) throw new Error('HealthChecker: GetExchangeBuildDictionary not found');
  const body = ps1.slice(start);
  const cus: HealthCheckerSnapshot['cus'] = [];
  let product: Product | undefined;
  let current: HealthCheckerSnapshot['cus'][number] | undefined;
  for (const line of body.split(/\r?\n/)) {
    const p = /^\s*"(Exchange2013|Exchange2016|Exchange2019|ExchangeSE)"\s*=\s*@\{/.exec(line);
    if (p) {
      product = HC_PRODUCTS[p[1]!];
      continue;
    }
    const cu = /^\s*"(RTM|CU\d+)"\s*=\s*\(NewCUAndSUObject\s+"([\d.]+)"/.exec(line);
    if (cu && product) {
      current = { product, cu: cu[1]!, build: canonicalBuild(cu[2]!)!, releaseDate: null, updates: {} };
      cus.push(current);
      continue;
    }
    const su = /^\s*"(\w+)"\s*=\s*"([\d.]+)"\s*$/.exec(line);
    if (su && current) current.updates[su[1]!] = canonicalBuild(su[2]!)!;
    if (/^function GetValidatePossibleParameters/.test(line)) break;
  }
  // CU release dates: GetExchangeBuildInformation sets `$exchangeMajorVersion = "Exchange2019"`, then per CU
  // `$cuLevel = "CU14"` followed by `$cuReleaseDate = "02/13/2024"`.
  let majorProduct: Product | undefined;
  let level: string | undefined;
  for (const line of ps1.slice(0, start).split(/\r?\n/)) {
    const major = /\$exchangeMajorVersion\s*=\s*"(Exchange2013|Exchange2016|Exchange2019|ExchangeSE)"/.exec(line);
    if (major) majorProduct = HC_PRODUCTS[major[1]!];
    const lv = /\$cuLevel\s*=\s*"(RTM|CU\d+)"/.exec(line);
    if (lv) level = lv[1];
    const d = /\$cuReleaseDate\s*=\s*"([\d/]+)"/.exec(line);
    if (d && majorProduct && level) {
      const entry = cus.find((c) => c.product === majorProduct && c.cu === level);
      if (entry) entry.releaseDate = usDate(d[1]!);
    }
  }
  return cus;
}

/** HealthChecker's `$suNameDictionary` (Invoke-AnalyzerSecurityCveCheck.ps1): update → CVEs per product. */
export function parseHcCveDictionary(ps1: string): HealthCheckerSnapshot['cveDictionary'] {
  const start = ps1.indexOf('$suNameDictionary = @{');
  if (start < 0) throw new Error('HealthChecker: $suNameDictionary not found');
  const end = ps1.indexOf('\n    }', start);
  const vars: Record<string, Product[]> = {
    $ex131619: ['2013', '2016', '2019'],
    $ex2013: ['2013'],
    $ex2016: ['2016'],
    $ex2019: ['2019'],
    $exSE: ['SE'],
  };
  const out: HealthCheckerSnapshot['cveDictionary'] = [];
  for (const line of ps1.slice(start, end).split(/\r?\n/)) {
    const head = /^\s*"(\w+)"\s*=\s*(.*)$/.exec(line);
    if (!head) continue;
    for (const m of head[2]!.matchAll(/NewCveEntry\s+(@?\([^)]*\)|"[^"]*")\s+(\$\w+|@\([^)]*\))/g)) {
      const cves = [...m[1]!.matchAll(/"((?:CVE-\d{4}-\d+)|(?:ADV\d+))"/g)].map((c) => c[1]!);
      const products = [...new Set([...m[2]!.matchAll(/\$\w+/g)].flatMap((v) => vars[v[0]] ?? []))];
      if (cves.length && products.length) out.push({ update: head[1]!, cves, products });
    }
  }
  return out;
}

/** HealthChecker's CVE-and-override list (Invoke-AnalyzerSecurityCveCheck.ps1, `SUName`/`CVEName`/Filter* triples). */
export function parseHcOverrides(ps1: string): HealthCheckerSnapshot['overrides'] {
  const out: HealthCheckerSnapshot['overrides'] = [];
  for (const block of ps1.split('$cveAndOverrideCheckParamList.Add(').slice(1)) {
    const su = /SUName\s*=\s*"(\w+)"/.exec(block)?.[1];
    const cve = /CVEName\s*=\s*"([\w-]+)"/.exec(block)?.[1];
    if (!su || !cve) continue;
    const overrides = [
      ...block.matchAll(
        /FilterComponentName\s*=\s*"(\w+)"\s*FilterSectionName\s*=\s*"(\w+)"\s*FilterParameterName\s*=\s*"(\w+)"/g,
      ),
    ].map((m) => `${m[1]}\\${m[2]}\\${m[3]}`);
    out.push({ update: su, cve, overrides });
  }
  return out;
}

const CVE_PRODUCT =
  /Microsoft Exchange Server (2010|2013|2016|2019|Subscription Edition)(?: (?:Cumulative Update (\d+)|(RTM)|Service Pack \d+))?/;
const CPE_PRODUCT =
  /exchange_server(?:_(2010|2013|2016|2019|se))?:(?:(2010|2013|2016|2019)|\*):(?:cumulative_update_(\d+)|(RTM))/i;

interface CveRecordJson {
  cveMetadata?: { cveId?: string; datePublished?: string; dateUpdated?: string };
  containers?: {
    cna?: {
      title?: string;
      descriptions?: { value?: string }[];
      affected?: {
        product?: string;
        cpes?: string[];
        versions?: { version?: string; lessThan?: string; status?: string }[];
      }[];
      metrics?: {
        cvssV3_1?: { baseScore?: number; vectorString?: string };
        cvssV3_0?: { baseScore?: number; vectorString?: string };
      }[];
    };
    adp?: {
      providerMetadata?: { shortName?: string };
      metrics?: {
        cvssV3_1?: { baseScore?: number; vectorString?: string };
        other?: { type?: string; content?: { options?: Record<string, string>[]; dateAdded?: string } };
      }[];
    }[];
  };
}

function productOf(
  name: string,
  cpes: string[] = [],
): { product: CveAffected['product']; cu: string | null } | undefined {
  const m = CVE_PRODUCT.exec(name);
  if (m && (m[2] || m[3])) {
    const product = m[1] === 'Subscription Edition' ? 'SE' : (m[1] as CveAffected['product']);
    return { product, cu: m[3] ? 'RTM' : `CU${m[2]}` };
  }
  // Some records name only "Microsoft Exchange Server" and give the CU in the CPE.
  for (const cpe of cpes) {
    const c = CPE_PRODUCT.exec(cpe);
    if (c) {
      const p = (c[1] ?? c[2] ?? '').toLowerCase();
      const product = p === 'se' ? 'SE' : (p as CveAffected['product']);
      if (product) return { product, cu: c[4] ? 'RTM' : `CU${c[3]}` };
    }
  }
  if (m) return { product: m[1] === 'Subscription Edition' ? 'SE' : (m[1] as CveAffected['product']), cu: null };
  return undefined;
}

/** Why a record gives no threshold: what it lists instead. */
function noThreshold(listed: string[], products: string[]): string {
  if (listed.length) return `The record gives no fixed build (${listed.join('; ')}), so no threshold.`;
  return products.length
    ? `The record's affected list names no Exchange Server version by CU (${[...new Set(products)].join('; ')}), so no threshold.`
    : 'The record has no affected list, so no threshold.';
}

/** A cvelistV5 record (JSON 5.x) → our extract: title, CVSS, dates, CISA-ADP SSVC/KEV, affected ranges per CU. */
export function parseCveRecord(json: CveRecordJson, commit: string | null): CveRecord {
  const meta = json.cveMetadata ?? {};
  const cna = json.containers?.cna ?? {};
  const id = meta.cveId ?? '';
  const description = cna.descriptions?.[0]?.value ?? '';
  const aka = /aka ["'](.+?)["']/.exec(description)?.[1];
  const cnaMetric = (cna.metrics ?? []).map((m) => m.cvssV3_1 ?? m.cvssV3_0).find((m) => m?.baseScore !== undefined);
  const adps = json.containers?.adp ?? [];
  const adpMetric = adps.flatMap((a) => a.metrics ?? []).find((m) => m.cvssV3_1?.baseScore !== undefined)?.cvssV3_1;
  const others = adps.flatMap((a) => a.metrics ?? []).map((m) => m.other);
  const ssvc = others.find((o) => o?.type === 'ssvc')?.content?.options ?? [];
  const exploitation = ssvc.map((o) => o['Exploitation']).find(Boolean);
  const kevAdded = others.find((o) => o?.type === 'kev')?.content?.dateAdded ?? null;
  const affected: CveAffected[] = [];
  for (const a of cna.affected ?? []) {
    const where = productOf(a.product ?? '', a.cpes);
    if (!where) continue;
    for (const v of a.versions ?? []) {
      if (v.status && v.status !== 'affected') continue;
      const fixedAt = v.lessThan ? (canonicalBuild(v.lessThan) ?? null) : null;
      const raw = fixedAt ? undefined : (v.lessThan ?? v.version);
      affected.push({ ...where, fixedAt, ...(raw ? { raw } : {}) });
    }
  }
  const day = (s?: string) => (s && /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : null);
  const cvss = cnaMetric?.vectorString
    ? { score: cnaMetric.baseScore!, vector: cnaMetric.vectorString, by: 'microsoft' as const }
    : adpMetric?.vectorString
      ? { score: adpMetric.baseScore!, vector: adpMetric.vectorString, by: 'CISA-ADP' as const }
      : null;
  // A record with no fixed build anywhere (an old-format record listing versions, or lessThan "publication") gives
  // no threshold: affected is null and a note says what it lists, as the hand extracts do.
  const thresholds = affected.some((a) => a.fixedAt);
  const listed = [...new Set(affected.map((a) => `${a.product}${a.cu ? ` ${a.cu}` : ''} ${a.raw ?? '?'}`))];
  const title = cna.title ?? aka ?? null;
  return {
    id,
    commit,
    title: title?.replace(/\.$/, '') ?? null,
    datePublished: day(meta.datePublished),
    dateUpdated: day(meta.dateUpdated),
    cvss,
    exploitation: exploitation === 'none' || exploitation === 'poc' || exploitation === 'active' ? exploitation : null,
    kevDateAdded: day(kevAdded ?? undefined),
    affected: thresholds ? affected : null,
    ...(thresholds
      ? {}
      : {
          notes: [
            noThreshold(
              listed,
              (cna.affected ?? []).map((a) => a.product ?? '?'),
            ),
          ],
        }),
  };
}

interface KevJson {
  catalogVersion?: string;
  vulnerabilities?: {
    cveID: string;
    vendorProject: string;
    product: string;
    dateAdded: string;
    dueDate: string;
    knownRansomwareCampaignUse: string;
  }[];
}

/**
 * CISA KEV JSON → the entries for Microsoft Exchange, and those of the other CVEs the catalog lists (a Windows or
 * .NET flaw that HealthChecker checks on Exchange servers, such as CVE-2020-0796 or CVE-2020-1147).
 */
export function parseKev(
  json: KevJson,
  alsoIds: ReadonlySet<string> = new Set(),
): Pick<KevSnapshot, 'catalogVersion' | 'entries'> {
  const entries = (json.vulnerabilities ?? [])
    .filter((v) => v.vendorProject === 'Microsoft' && (/exchange/i.test(v.product) || alsoIds.has(v.cveID)))
    .map((v) => ({
      cve: v.cveID,
      product: v.product,
      dateAdded: v.dateAdded,
      dueDate: v.dueDate,
      ransomware: v.knownRansomwareCampaignUse === 'Known' ? ('Known' as const) : ('Unknown' as const),
    }))
    .sort((a, b) => a.dateAdded.localeCompare(b.dateAdded) || a.cve.localeCompare(b.cve));
  return { catalogVersion: json.catalogVersion ?? 'unknown', entries };
}
