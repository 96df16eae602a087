/** Generated log-like texts for the candidate-line tests (src/ioc/candidates.ts, src/ioc/byte-lines.ts). */
import { loadIndicators } from '../../src/ioc/sweep.js';

/** The needles of the shipped HttpProxy rules. */
export const shippedNeedles = (): string[] => [
  ...new Set(
    loadIndicators()
      .filter((i) => i.source.includes('httpproxy'))
      .flatMap((i) => i.prefilter ?? []),
  ),
];

/** A small deterministic generator (mulberry32). */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function text(r: () => number, needles: string[], n: number): string {
  const pieces = [
    '\n',
    '\r\n',
    '\r',
    '\u2028',
    '#',
    '%',
    '%4',
    '%5a',
    '%40',
    '%7B',
    '%6A',
    'a',
    'B',
    '=',
    '/',
    ' ',
    ',',
    'ſ',
    'é',
    'x',
    '0',
    'f',
  ];
  let s = '';
  while (s.length < n) {
    const k = r();
    if (k < 0.25) {
      const nd = needles[Math.floor(r() * needles.length)]!;
      // a whole needle, one cut short, or one in upper case
      const cut = r() < 0.5 ? nd : nd.slice(0, Math.max(1, Math.floor(r() * nd.length)));
      s += r() < 0.3 ? cut.toUpperCase() : cut;
    } else s += pieces[Math.floor(r() * pieces.length)]!;
  }
  return s;
}

/** 1 to 8 random needles of 1 to 5 characters from `alphabet`. */
export function randomNeedles(r: () => number, alphabet: string): string[] {
  return Array.from({ length: 1 + Math.floor(r() * 8) }, () =>
    Array.from({ length: 1 + Math.floor(r() * 5) }, () => alphabet[Math.floor(r() * alphabet.length)]).join(''),
  );
}
