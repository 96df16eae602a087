/**
 * The candidate-line search (src/ioc/candidates.ts) must pick exactly the lines the regex it replaced picked:
 * `^#|<percent-escaped letter>|<any needle>` (flag m) over the lower-cased text. Compared on generated texts made of
 * needle pieces, upper case, line breaks of every kind, '#', '%' and hex digits, with the shipped HttpProxy needles
 * and with random needle sets, for every anchor choice a sample can lead to.
 */
import { describe, expect, it } from 'vitest';
import { CandidateLines } from '../../src/ioc/candidates.js';
import { literalsSource } from '../../src/ioc/rules.js';
import { randomNeedles, rng, shippedNeedles, text } from './_texts.js';

const LETTER_ESCAPE = '%(?:4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])';

/** The old search: line spans [start, end) of the lines holding a match, in order. */
function byRegex(needles: string[], hay: string, from: number, last: number): [number, number][] {
  const re = new RegExp(`^#|${LETTER_ESCAPE}|${literalsSource(needles.map((n) => n.toLowerCase()))}`, 'gm');
  const out: [number, number][] = [];
  re.lastIndex = from;
  for (let m = re.exec(hay); m && m.index <= last; m = re.exec(hay)) {
    const ls = hay.lastIndexOf('\n', m.index - 1) + 1;
    const le = hay.indexOf('\n', m.index);
    out.push([ls, le]);
    re.lastIndex = le + 1;
  }
  return out;
}

function byAnchors(needles: string[], sample: string, hay: string, from: number, last: number): [number, number][] {
  const out: [number, number][] = [];
  new CandidateLines(needles, sample).each(hay, from, last, (s, e) => out.push([s, e]));
  return out;
}

const shipped = shippedNeedles();

describe('candidate lines', () => {
  it('are the lines the needle regex finds, with the shipped HttpProxy needles', () => {
    expect(shipped.length).toBeGreaterThan(5);
    const r = rng(1);
    let lines = 0;
    for (let round = 0; round < 300; round++) {
      const hay = text(r, shipped, 400 + Math.floor(r() * 1600)).toLowerCase();
      const last = hay.lastIndexOf('\n');
      if (last < 0) continue;
      const from = r() < 0.3 ? hay.indexOf('\n') + 1 : 0;
      // the sample decides the anchors: the text itself, another text, or nothing
      const sample = round % 3 === 0 ? hay : round % 3 === 1 ? text(r, shipped, 3000).toLowerCase() : '';
      const want = byRegex(shipped, hay, from, last);
      expect(byAnchors(shipped, sample, hay, from, last)).toEqual(want);
      lines += want.length;
    }
    expect(lines).toBeGreaterThan(1000); // the texts did hold candidates
  });

  it('are the lines the needle regex finds, with random needle sets', () => {
    const r = rng(2);
    const alphabet = 'abcxyz=/&~?@.-_%#3';
    for (let round = 0; round < 2000; round++) {
      const needles = randomNeedles(r, alphabet);
      const hay = text(r, needles, 300 + Math.floor(r() * 700)).toLowerCase();
      const last = hay.lastIndexOf('\n');
      if (last < 0) continue;
      expect(byAnchors(needles, hay.slice(0, 200), hay, 0, last)).toEqual(byRegex(needles, hay, 0, last));
    }
  });

  it('finds a header at the start of the text and after a carriage return, and escaped letters only', () => {
    const hay = '#fields: a\nx\r#y\nfoo %40 bar\nfoo %4a bar\n%7b\n%5a\n';
    const got = byAnchors(['zzz'], '', hay, 0, hay.length - 1).map(([s, e]) => hay.slice(s, e));
    expect(got).toEqual(['#fields: a', 'x\r#y', 'foo %4a bar', '%5a']);
  });
});
