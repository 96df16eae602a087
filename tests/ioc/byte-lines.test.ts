/**
 * The byte search (src/ioc/byte-lines.ts, kernel src/ioc/teddy.wat) must hand the parser exactly the lines the text
 * search would: those where `^#|<percent-escaped letter>|<any needle>` (flags im, ASCII case-insensitive) matches the
 * decoded line, with their line numbers, whatever the bytes' cut into pieces; and count every line. Compared on
 * generated texts with the shipped HttpProxy needles and with random needle sets, on inputs that fill the kernel's
 * result space, and by sweeping one log both ways.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ByteCandidates, ByteLineCutter } from '../../src/ioc/byte-lines.js';
import { compile, literalsSource } from '../../src/ioc/rules.js';
import { emptyUnit, MAX_LINE, RuleSet, scanChunks } from '../../src/ioc/scan-unit.js';
import { loadIndicators } from '../../src/ioc/sweep.js';
import { TEDDY_WASM } from '../../src/ioc/teddy-wasm.js';
import { randomNeedles, rng, shippedNeedles, text } from './_texts.js';

const LETTER_ESCAPE = '%(?:4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])';

/** What the text search hands on: [line number, line without its CR LF] of each line the regex matches. */
function byRegex(needles: string[], hay: string): [number, string][] {
  // A long s or a Kelvin sign could hide an s or a k of a needle: such lines are always handed on.
  const re = new RegExp(
    `^#|${LETTER_ESCAPE}|\u017f|\u212a|${literalsSource(needles.map((n) => n.toLowerCase()))}`,
    'im',
  );
  const lines = hay.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const out: [number, string][] = [];
  lines.forEach((l, i) => {
    if (re.test(l) || (i === lines.length - 1 && !hay.endsWith('\n'))) out.push([i + 1, l.replace(/\r$/, '')]);
  });
  return out;
}

/** The byte search over `hay`'s UTF-8 bytes fed in pieces of the given sizes (cycled). */
function byBytes(needles: string[], hay: string, sample: string, sizes: number[]) {
  const cands = ByteCandidates.of(needles, Buffer.from(sample))!;
  const out: [number, string][] = [];
  const res = { lines: 0, malformedLines: 0 };
  const cut = ByteLineCutter.open(cands, (l, n) => out.push([n, l]), res, MAX_LINE)!;
  const b = Buffer.from(hay, 'utf8');
  for (let i = 0, k = 0; i < b.length; k++) {
    const n = sizes[k % sizes.length]!;
    cut.feed(b.subarray(i, i + n));
    i += n;
  }
  cut.end();
  return { out, res };
}

const lineCount = (hay: string) => hay.split('\n').length - (hay.endsWith('\n') ? 1 : 0);

const shipped = shippedNeedles();

describe('byte search', () => {
  it('hands on the lines the regex finds, with the shipped HttpProxy needles, however the bytes are cut', () => {
    const r = rng(11);
    let found = 0;
    for (let round = 0; round < 200; round++) {
      const hay = text(r, shipped, 400 + Math.floor(r() * 3000)) + (round % 2 ? '\n' : '');
      const sample = round % 3 === 0 ? hay : round % 3 === 1 ? text(r, shipped, 3000) : '';
      const sizes = round % 4 === 0 ? [1 << 20] : [1 + Math.floor(r() * 40), 1 + Math.floor(r() * 400)];
      const want = byRegex(shipped, hay);
      const got = byBytes(shipped, hay, sample, sizes);
      expect(got.out).toEqual(want);
      expect(got.res).toEqual({ lines: lineCount(hay), malformedLines: 0 });
      found += want.length;
    }
    expect(found).toBeGreaterThan(1000);
  });

  it('hands on the lines the regex finds, with random needle sets', () => {
    const r = rng(12);
    const alphabet = 'abcxyzKk=/&~?@.-_%#3';
    for (let round = 0; round < 1500; round++) {
      const needles = randomNeedles(r, alphabet);
      const hay = text(r, needles, 300 + Math.floor(r() * 700)) + '\n';
      const got = byBytes(needles, hay, hay.slice(0, 200), [1 + Math.floor(r() * 300)]);
      expect(got.out).toEqual(byRegex(needles, hay));
    }
  });

  it('folds ASCII letters; a long s or a Kelvin sign (which fold to s and k) makes a line a candidate, a dotted İ not', () => {
    const hay = 'GET /ECP/x\nsecurityto\u212aen=1\nplain=1\np\u0130ng\nP%4Fwershell\npower\u017fhell\n';
    const got = byBytes(['/ecp/', 'securitytoken', 'ping'], hay, hay, [7]);
    expect(got.out).toEqual([
      [1, 'GET /ECP/x'],
      [2, 'securityto\u212aen=1'],
      [5, 'P%4Fwershell'],
      [6, 'power\u017fhell'],
    ]);
  });

  it('reports every line when candidates fill more blocks than the kernel can report at once', () => {
    // A 20,000-byte line held from the first piece, then 64 KiB of candidate lines: about 5,300 blocks of 16 bytes
    // with a candidate in one region, more than the kernel's 4,096 results per call.
    const hay = `${'/ecp/'.repeat(4000)}\n${Array.from({ length: 12_000 }, (_, i) => (i % 3 ? '/ecp/' : 'x')).join('\n')}\n`;
    const got = byBytes(['/ecp/'], hay, hay, [20_000, 64 * 1024]);
    expect(got.out).toEqual(byRegex(['/ecp/'], hay));
    expect(got.out.length).toBe(8001);
    expect(got.res.lines).toBe(12_001);
  });

  it('counts an over-long line once as malformed and never hands it on', () => {
    const long = `${'a'.repeat(300)}/ecp/`;
    const hay = `/ecp/ 1\n${long}\n/ecp/ 3\n${long}`;
    const cands = ByteCandidates.of(['/ecp/'], Buffer.from(hay))!;
    for (const size of [7, 100, 4096]) {
      const out: [number, string][] = [];
      const res = { lines: 0, malformedLines: 0 };
      const cut = ByteLineCutter.open(cands, (l, n) => out.push([n, l]), res, 200)!;
      const b = Buffer.from(hay);
      for (let i = 0; i < b.length; i += size) cut.feed(b.subarray(i, i + size));
      cut.end();
      expect(out).toEqual([
        [1, '/ecp/ 1'],
        [3, '/ecp/ 3'],
      ]);
      expect(res).toEqual({ lines: 4, malformedLines: 2 });
    }
  });

  it('refuses needles that are not printable ASCII (the text search takes them)', () => {
    expect(ByteCandidates.of(['pöwershell'], Buffer.from('x'))).toBeUndefined();
    expect(ByteCandidates.of(['a\nb'], Buffer.from('x'))).toBeUndefined();
  });

  it('finds what the text search finds in every fixture log, chunked as files are read', async () => {
    const rules = loadIndicators().map(compile);
    const root = fileURLToPath(new URL('../../fixtures/', import.meta.url));
    const files = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile() && /\.(log|csv|txt)$/i.test(d.name))
      .map((d) => join(d.parentPath, d.name));
    expect(files.length).toBeGreaterThan(15);
    let hits = 0;
    for (const f of files) {
      const bytes = readFileSync(f);
      const sweep = async (set: RuleSet) => {
        const res = emptyUnit();
        const pieces = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) =>
          bytes.subarray(i * 4096, (i + 1) * 4096),
        );
        await scanChunks(f, bytes.length, pieces, set, res);
        return res;
      };
      const got = await sweep(new RuleSet(rules));
      expect(got, f).toEqual(await sweep(new RuleSet(rules, { bytes: false })));
      hits += got.hits.length;
    }
    expect(hits).toBeGreaterThan(20);
  });
});

describe('teddy.wasm', () => {
  it('is the assembled teddy.wat (npm run build:wasm)', async () => {
    // @ts-expect-error: a plain script without types
    const { assemble } = (await import('../../scripts/build-wasm.mjs')) as { assemble(): Promise<string> };
    const src = await assemble();
    expect(src).toContain(TEDDY_WASM.slice(0, 100));
    expect(src.replace(/\s|'|,|\+/g, '')).toContain(TEDDY_WASM);
  });
});
