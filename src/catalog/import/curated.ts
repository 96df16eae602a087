/**
 * Schemas of the hand-curated files in rules/curated/: facts that no snapshot carries (an update's CVE list from the
 * release notes, builds of updates newer than every table, corrections, notes, configuration conditions, unverified
 * markers). Each entry names its sources; the import merges them over the snapshots.
 */
import { z } from 'zod';
import { Product } from '../../facts/schema.js';
import { CveCondition } from '../schema.js';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a YYYY-MM-DD date');
const build4 = z
  .string()
  .regex(/^15\.[0-2]\.\d{1,4}\.\d{1,3}$/, 'expected a four-part 15.x build without zero padding');
const kb = z.string().regex(/^KB\d{6,7}$/);
const cveId = z.string().regex(/^(CVE-\d{4}-\d{4,7}|ADV\d{6,8})$/);
const sources = z.array(z.string().min(1)).min(1);

export const CuratedBuild = z
  .object({
    build: build4,
    cu: z.string().optional(),
    update: z.string().nullable().optional(),
    kb: kb.nullable().optional(),
    releaseDate: date.nullable().optional(),
    verified: z.boolean().optional(),
    notes: z.array(z.string()).optional(),
    sources: sources.optional(),
  })
  .strict();
export type CuratedBuild = z.infer<typeof CuratedBuild>;

export const CuratedUpdate = z
  .object({
    id: z.string(),
    title: z.string().optional(),
    /** Overrides the date derived from the build tables (the release announcement's date). */
    releaseDate: date.optional(),
    /** The update's KBs when the build tables lack or garble them (added to the KBs of its builds). */
    kbs: z.array(kb).optional(),
    verified: z.boolean().optional(),
    cvesVerified: z.boolean().optional(),
    notes: z.array(z.string()).optional(),
    sources: sources.optional(),
    /** CVEs this update fixes according to the release notes read (beyond HealthChecker and the CVE records). */
    cves: z
      .array(
        z
          .object({
            ids: z.array(cveId).min(1),
            products: z.array(Product).min(1),
            /** Listed by a single source only: the CVE is marked unverified. */
            singleSource: z.boolean().optional(),
            note: z.string().optional(),
          })
          .strict(),
      )
      .optional(),
    /** Builds of this update that no snapshot lists yet (a release newer than Microsoft's CSV). */
    builds: z.array(CuratedBuild.omit({ update: true })).optional(),
  })
  .strict();
export type CuratedUpdate = z.infer<typeof CuratedUpdate>;

export const CuratedCve = z
  .object({
    id: cveId,
    /** Used only when no CVE record gives a title (advisories, records converted from the old format). */
    title: z.string().optional(),
    fixedBy: z
      .array(z.object({ update: z.string(), products: z.array(Product).min(1), source: z.string() }).strict())
      .optional(),
    conditions: z.array(CveCondition).optional(),
    /** Known exploitation not (yet) in the KEV snapshot. */
    exploited: z.boolean().optional(),
    kev: z
      .object({
        dateAdded: date,
        dueDate: date.nullable(),
        ransomware: z.enum(['Known', 'Unknown']).nullable(),
        verified: z.boolean(),
      })
      .strict()
      .optional(),
    advisories: z.array(z.string()).optional(),
    verified: z.boolean().optional(),
    notes: z.array(z.string()).optional(),
    sources: sources.optional(),
  })
  .strict();
export type CuratedCve = z.infer<typeof CuratedCve>;

export const CuratedFiles = z.object({
  builds: z.array(CuratedBuild),
  updates: z.array(CuratedUpdate),
  cves: z.array(CuratedCve),
});
export type CuratedFiles = z.infer<typeof CuratedFiles>;
