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
