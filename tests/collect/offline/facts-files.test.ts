import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeText, loadFactsFiles } from '../../../src/collect/offline/facts-files.js';

const GOOD = readFileSync(join(import.meta.dirname, '../../../fixtures/facts/ex2019-cu14-nov24.json'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'exaudit-facts-enc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('facts files in the encodings Windows writes', () => {
  it('decodes UTF-16LE and UTF-16BE with a BOM and strips a UTF-8 BOM', () => {
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":"é"}', 'utf16le')]))).toBe(
      '{"a":"é"}',
    );
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('{"a":1}', 'utf16le').swap16()]))).toBe(
      '{"a":1}',
    );
    expect(decodeText(Buffer.from('\uFEFF{"a":1}', 'utf8'))).toBe('{"a":1}');
    expect(decodeText(Buffer.from('{"a":1}', 'utf8'))).toBe('{"a":1}');
  });

  it('loads a facts file saved by Windows PowerShell 5.1 `>` (UTF-16LE) like its UTF-8 original', () => {
    const utf16 = join(dir, 'ps51.json');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GOOD, 'utf16le')]));
    const utf8 = join(dir, 'plain.json');
    writeFileSync(utf8, GOOD);
    const a = loadFactsFiles([utf16]);
    const b = loadFactsFiles([utf8]);
    expect(a.problems).toEqual([]);
    expect(a.collected.map((c) => c.facts)).toEqual(b.collected.map((c) => c.facts));
  });
});
