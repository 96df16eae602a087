import { describe, expect, it } from 'vitest';
import { compareBuilds, parseBuild, productOfBuild } from '../../src/util/version.js';

describe('parseBuild', () => {
  it('accepts four-part, zero-padded and three-part builds', () => {
    expect(parseBuild('15.2.1544.14')?.text).toBe('15.2.1544.14');
    expect(parseBuild('15.02.1544.014')?.text).toBe('15.2.1544.14');
    expect(parseBuild('15.2.1544')?.parts).toEqual([15, 2, 1544]);
  });
  it('rejects text that is not a build', () => {
    expect(parseBuild('Exchange 2019')).toBeUndefined();
    expect(parseBuild('15.2')).toBeUndefined();
    expect(parseBuild('15.2.1544.14.1')).toBeUndefined();
  });
});

describe('compareBuilds', () => {
  it('compares numerically, not as text', () => {
    expect(compareBuilds('15.2.986.5', '15.2.1118.7')).toBe(-1);
    expect(compareBuilds('15.1.2507.10', '15.1.2507.9')).toBe(1);
    expect(compareBuilds('15.2.1544', '15.2.1544.0')).toBe(0);
  });
});

describe('product from build', () => {
  it.each([
    ['15.0.1497.48', '2013'],
    ['15.1.2507.61', '2016'],
    ['15.2.1748.49', '2019'],
    ['15.2.2561.9', '2019'],
    ['15.2.2562.17', 'SE'],
    ['15.2.858', '2019'],
    ['14.3.513.0', undefined],
    ['15.20.8606.20', undefined],
  ])('%s → %s', (b, p) => {
    expect(productOfBuild(b)).toBe(p);
  });
});

describe('compareBuilds, digit by digit', () => {
  it('agrees with the split-and-compare rule on random builds (padded, three- and four-part)', () => {
    const slow = (a: string, b: string) => {
      const pa = a.split('.').map(Number);
      const pb = b.split('.').map(Number);
      for (let i = 0; i < 4; i++) {
        const d = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (d !== 0) return d < 0 ? -1 : 1;
      }
      return 0;
    };
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const build = () => {
      const parts = ['15', String(rnd(3)).padStart(rnd(2) + 1, '0'), String(rnd(2600)), String(rnd(60))];
      return parts.slice(0, 3 + rnd(2)).join('.');
    };
    for (let k = 0; k < 5000; k++) {
      const a = build();
      const b = rnd(5) ? build() : a;
      expect(compareBuilds(a, b), `${a} vs ${b}`).toBe(slow(a, b));
    }
  });
});
