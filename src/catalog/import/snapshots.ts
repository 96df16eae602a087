/**
 * Schemas of the snapshot files in rules/sources/: this project's normalized extracts of upstream machine-readable
 * sources (never verbatim copies). `npm run catalog:refresh` writes them from upstream files on disk; the import
 * (`npm run catalog:import`) reads only them and the curated files, so the catalog is reproducible offline.
 */
import { z } from 'zod';
import { Product } from '../../facts/schema.js';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a YYYY-MM-DD date');
const build4 = z
  .string()
  .regex(/^15\.[0-2]\.\d{1,4}\.\d{1,3}$/, 'expected a four-part 15.x build without zero padding');
const kb = z.string().regex(/^KB\d{6,7}$/);
const cveId = z.string().regex(/^(CVE-\d{4}-\d{4,7}|ADV\d{6,8})$/);

/** Where an extract came from: every snapshot file records it. */
export const SnapshotSource = z.object({
  title: z.string(),
  repository: z.string().optional(),
  path: z.string().optional(),
  commit: z.string().optional(),
  url: z.string().optional(),
  retrieved: date,
  notes: z.array(z.string()).optional(),
});
export type SnapshotSource = z.infer<typeof SnapshotSource>;

/** Microsoft's ExchangeBuildNumbers.csv (microsoft/Get-ExchangeBuildNumber), rows for Exchange 2013 and later. */
export const MsBuildNumbers = z.object({
  source: SnapshotSource,
  rows: z.array(
    z.object({
      name: z.string(),
      build: build4,
      date: date.nullable(),
      kb: kb.nullable(),
      blog: z.string().nullable(),
    }),
  ),
});
export type MsBuildNumbers = z.infer<typeof MsBuildNumbers>;

/** learn.microsoft.com's build table as scraped by righel/ms-exchange-version-nse (KB and date per build). */
export const LearnBuildNumbers = z.object({
  source: SnapshotSource,
  rows: z.array(
    z.object({
      build: build4,
      name: z.string(),
      /** YYYY-MM-DD, or YYYY-MM when the table gives the month only. */
      released: z
        .string()
        .regex(/^\d{4}-\d{2}(-\d{2})?$/)
        .nullable(),
      kb: kb.nullable(),
      /** Set when the KB in the name differs from the KB of the linked support article (the link wins). */
      nameKb: z.string().optional(),
    }),
  ),
});
export type LearnBuildNumbers = z.infer<typeof LearnBuildNumbers>;

/** HealthChecker's build dictionary, SU-to-CVE dictionary and override table (microsoft/CSS-Exchange). */
export const HealthCheckerSnapshot = z.object({
  source: SnapshotSource,
  cus: z.array(
    z.object({
      product: Product,
      cu: z.string(),
      build: build4,
      releaseDate: date.nullable(),
      /** Update name → build on this CU, in HealthChecker's order. */
      updates: z.record(z.string(), build4),
    }),
  ),
  cveDictionary: z.array(z.object({ update: z.string(), cves: z.array(cveId), products: z.array(Product) })),
  overrides: z.array(
    z.object({
      update: z.string(),
      cve: cveId,
      /** Component\Section\Parameter whose value "false" turns the fix off. */
      overrides: z.array(z.string()),
    }),
  ),
});
export type HealthCheckerSnapshot = z.infer<typeof HealthCheckerSnapshot>;

/** One affected range of a cvelistV5 record, per product and CU. */
export const CveAffected = z.object({
  product: Product.or(z.literal('2010')),
  /** RTM, CU1 … CU23; null when the record names only the product. */
  cu: z.string().nullable(),
  /** Builds below this are affected (the fix threshold); null when the record gives none ("publication", "N/A"). */
  fixedAt: build4.nullable(),
  /** The record's own text when it is not a build (kept so a reader sees why fixedAt is null). */
  raw: z.string().optional(),
});
export type CveAffected = z.infer<typeof CveAffected>;

/** Microsoft's CVE records (CVEProject/cvelistV5), one entry per CVE the catalog covers. */
export const CvelistSnapshot = z.object({
  source: SnapshotSource,
  records: z.array(
    z.object({
      id: cveId,
      /** Commit of the copy read; null for entries kept from an earlier extract that did not record it. */
      commit: z.string().nullable(),
      title: z.string().nullable(),
      datePublished: date.nullable(),
      dateUpdated: date.nullable(),
      cvss: z
        .object({
          score: z.number().min(0).max(10),
          vector: z.string(),
          /** microsoft (the CNA) or CISA-ADP. */
          by: z.enum(['microsoft', 'CISA-ADP']),
        })
        .nullable(),
      /** CISA-ADP SSVC exploitation (none, poc, active), when present. */
      exploitation: z.enum(['none', 'poc', 'active']).nullable(),
      kevDateAdded: date.nullable(),
      /** null when the affected list was not extracted (see notes). */
      affected: z.array(CveAffected).nullable(),
      notes: z.array(z.string()).optional(),
    }),
  ),
});
export type CvelistSnapshot = z.infer<typeof CvelistSnapshot>;
export type CveRecord = CvelistSnapshot['records'][number];

/** CISA's Known Exploited Vulnerabilities catalog, entries for Microsoft Exchange. */
export const KevSnapshot = z.object({
  source: SnapshotSource,
  catalogVersion: z.string(),
  entries: z.array(
    z.object({
      cve: cveId,
      product: z.string(),
      dateAdded: date,
      dueDate: date,
      ransomware: z.enum(['Known', 'Unknown']),
    }),
  ),
});
export type KevSnapshot = z.infer<typeof KevSnapshot>;
