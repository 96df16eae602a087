/**
 * Validates result documents against the published JSON Schema (reports/schema/result.schema.json), not only
 * the zod schema it is generated from: what consumers validate with is what the tests hold results to.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { SCHEMA_DIR } from '../../src/engine/schemas.js';

let validate: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (validate) return validate;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  validate = ajv.compile(JSON.parse(readFileSync(join(SCHEMA_DIR, 'result.schema.json'), 'utf8')));
  return validate;
}

/** Asserts the document (as JSON would carry it) is valid against result.schema.json. */
export function expectValidResult(doc: unknown): void {
  const v = validator();
  const ok = v(JSON.parse(JSON.stringify(doc)));
  expect(ok, JSON.stringify(v.errors?.slice(0, 3))).toBe(true);
}
