/** Validates facts at the edge: one clear line naming the input, the field and the problem. */
import type { z } from 'zod';
import { Facts, FactsFile, type Precision, type Product } from './schema.js';
import { parseBuild, productOfBuild } from '../util/version.js';
import { InputError } from '../util/errors.js';

export const UNSTATED_SOURCE = 'facts file (no source given)';

/** Precision a facts file implies when it leaves it out: four parts exact, three parts CU, else product or none. */
function impliedPrecision(ex: { build?: string | undefined; product?: string | undefined }): Precision {
  const parts = ex.build?.trim().split('.').length ?? 0;
  if (parts === 4) return 'exact';
  if (parts === 3) return 'cu';
  return ex.product ? 'product' : 'none';
}

function problem(label: string, error: z.ZodError): InputError {
  const issue = error.issues[0]!;
  const path = issue.path.length ? issue.path.join('.') : '(root)';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problems)` : '';
  return new InputError(
    `${label}: ${path}: ${issue.message}${more}`,
    'fix the file or regenerate it; the schema is reports/schema/facts.schema.json',
  );
}

/**
 * AdminDisplayVersion ("Version 15.2 (Build 986.5)"), given as exchange.build or alone as
 * exchange.adminDisplayVersion, names the CU only: it becomes the three-part CU build at CU precision.
 */
function fromAdminDisplayVersion<T extends { build?: string | undefined; adminDisplayVersion?: string | undefined }>(
  ex: T,
): T & { precision?: Precision; product?: Product; source?: string } {
  const fromBuild = ex.build ? parseBuild(ex.build) : undefined;
  const adv =
    fromBuild ?? (ex.build === undefined && ex.adminDisplayVersion ? parseBuild(ex.adminDisplayVersion) : undefined);
  if (!adv || adv.form !== 'admin-display-version') return ex;
  const written = fromBuild ? ex.build! : ex.adminDisplayVersion!;
  const product = productOfBuild(adv.text);
  return {
    ...ex,
    build: adv.text,
    adminDisplayVersion: written,
    precision: 'cu',
    ...(product && !(ex as { product?: string }).product ? { product } : {}),
    ...((ex as { source?: string }).source
      ? {}
      : { source: `${UNSTATED_SOURCE}: AdminDisplayVersion "${written}" (CU only)` }),
  };
}

export function parseFacts(data: unknown, label: string): Facts {
  const file = FactsFile.safeParse(data);
  if (!file.success) throw problem(label, file.error);
  const ex = file.data.exchange ? fromAdminDisplayVersion(file.data.exchange) : undefined;
  const filled = ex
    ? {
        ...file.data,
        exchange: { ...ex, precision: ex.precision ?? impliedPrecision(ex), source: ex.source ?? UNSTATED_SOURCE },
      }
    : file.data;
  const r = Facts.safeParse(filled);
  if (!r.success) throw problem(label, r.error);
  return r.data;
}
