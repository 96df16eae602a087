import { describe, expect, it } from 'vitest';
import { catalogAge, catalogStamp, latestPatchTuesday, patchTuesday } from '../../src/catalog/age.js';

describe('Patch Tuesday', () => {
  it.each([
    // Microsoft's own release dates: March 2021 SU 2021-03-02 was out of band; the April 2021 SU shipped on 2021-04-13.
    [2021, 3, '2021-04-13'],
    [2024, 10, '2024-11-12'], // Nov24SU
    [2026, 7, '2026-08-11'], // Aug26SU
    [2026, 8, '2026-09-08'], // Sep26SU
    [2026, 11, '2026-12-08'], // the 1st is a Tuesday: the second Tuesday is the 8th
    [2027, 0, '2027-01-12'],
    [2026, 1, '2026-02-10'], // Feb26SU
  ])('%i-%i: %s', (y, m, day) => {
    expect(patchTuesday(y, m)).toBe(day);
  });

  it('the latest one on or before a date', () => {
    expect(latestPatchTuesday('2026-12-08')).toBe('2026-12-08');
    expect(latestPatchTuesday('2026-12-07')).toBe('2026-11-10');
    expect(latestPatchTuesday('2027-01-01')).toBe('2026-12-08');
  });
});

describe('catalog age', () => {
  it('counts days to the reference date, negative before the catalog date', () => {
    expect(catalogAge('2026-11-25', '2026-12-02').ageDays).toBe(7);
    expect(catalogAge('2026-11-25', '2026-11-25').ageDays).toBe(0);
    expect(catalogAge('2026-11-25', '2026-01-10').ageDays).toBe(-319);
  });

  it('is stale when it predates the latest Patch Tuesday by more than a week', () => {
    expect(catalogAge('2026-11-25', '2026-12-07').stale).toBe(false); // latest is 2026-11-10: the catalog is newer
    expect(catalogAge('2026-11-25', '2026-12-08')).toMatchObject({ patchTuesday: '2026-12-08', stale: true });
    expect(catalogAge('2026-12-02', '2026-12-08').stale).toBe(false); // 6 days before it, and it is today
  });

  it('is stale when it predates it at all once a week has passed since', () => {
    expect(catalogAge('2026-12-02', '2026-12-15').stale).toBe(false); // 7 days after: still the grace week
    expect(catalogAge('2026-12-02', '2026-12-16').stale).toBe(true);
    expect(catalogAge('2026-12-08', '2027-01-05').stale).toBe(false); // released on Patch Tuesday itself
  });

  it('stamps the result document with the date, its age and staleness', () => {
    const c = { meta: { version: '2026.11.25', date: '2026-11-25' }, sha256: 'abc' };
    expect(catalogStamp(c, '2027-01-20')).toEqual({
      version: '2026.11.25',
      date: '2026-11-25',
      sha256: 'abc',
      asOf: '2027-01-20',
      ageDays: 56,
      stale: true,
    });
  });
});
