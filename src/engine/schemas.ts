/**
 * JSON Schemas published for people who produce facts or consume results with their own tooling.
 * Generated from the zod schemas; `npm run schemas` rewrites reports/schema/, and a test fails on drift.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { FactsFile } from '../facts/schema.js';
import { ResultDocument, RESULT_SCHEMA_ID } from '../contract.js';
import { PROJECT_ROOT } from '../util/tool.js';

export const FACTS_SCHEMA_ID = 'https://exaudit.dev/schema/facts.schema.json';
export const SCHEMA_DIR = join(PROJECT_ROOT, 'reports', 'schema');

function publish(schema: z.ZodType, id: string): string {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return `${JSON.stringify({ $id: id, ...json }, null, 2)}\n`;
}

export function generatedSchemas(): Record<string, string> {
  return {
    'facts.schema.json': publish(FactsFile, FACTS_SCHEMA_ID),
    'result.schema.json': publish(ResultDocument, RESULT_SCHEMA_ID),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const [name, text] of Object.entries(generatedSchemas())) writeFileSync(join(SCHEMA_DIR, name), text);
  process.stdout.write(`wrote ${Object.keys(generatedSchemas()).join(', ')} to ${SCHEMA_DIR}\n`);
}
