import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { generatedSchemas, SCHEMA_DIR } from '../../src/engine/schemas.js';

describe('published JSON Schemas', () => {
  it('are current with the zod schemas (run `npm run schemas` after changing them)', () => {
    for (const [name, text] of Object.entries(generatedSchemas())) {
      expect(readFileSync(join(SCHEMA_DIR, name), 'utf8'), name).toBe(text);
    }
  });

  it('compile in strict draft 2020-12 and accept minimal facts but reject unknown groups', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (a: unknown) => void)(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(SCHEMA_DIR, 'facts.schema.json'), 'utf8')));
    expect(
      validate({
        target: { name: 'ex01' },
        exchange: { build: '15.2.1544.14', precision: 'exact', source: 'ExSetup.exe FileVersion' },
      }),
    ).toBe(true);
    // Every group is optional: a file with nothing but the target and the build is valid.
    expect(validate({ target: { name: 'ex01' }, exchange: { build: '15.2.1544.14' } })).toBe(true);
    expect(validate({ target: { name: 'ex01' } })).toBe(true);
    expect(
      validate({ target: { name: 'ex01' }, exchange: { build: '15.2.1544.14', precision: 'approximately' } }),
    ).toBe(false);
    expect(validate({ target: { name: 'ex01' }, exchnage: {} })).toBe(false);
    expect(validate({ exchange: { build: '15.2.1544.14' } })).toBe(false);
  });

  it('the result schema names every field of a finding as required (remediation may be null) and of a target', () => {
    const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, 'result.schema.json'), 'utf8'));
    const doc = schema.$defs.ExauditResult;
    expect(doc.required).toEqual(
      expect.arrayContaining(['tool', 'catalog', 'startedAt', 'finishedAt', 'targets', 'summary']),
    );
    const target = doc.properties.targets.items;
    expect(target.required).toEqual(expect.arrayContaining(['target', 'status', 'findings']));
    expect(target.properties.status.enum).toEqual(['assessed', 'partial', 'unreachable', 'error']);
    const finding = target.properties.findings.items;
    expect(finding.required).toEqual(
      expect.arrayContaining([
        'checkId',
        'status',
        'severity',
        'code',
        'title',
        'message',
        'cves',
        'evidence',
        'remediation',
        'references',
        'fingerprint',
      ]),
    );
    expect(finding.properties.remediation.type).toEqual(['string', 'null']);
  });
});
