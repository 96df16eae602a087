import { describe, expect, it } from 'vitest';
import check from '../../checks/lifecycle.js';
import { facts, run } from './_facts.js';

describe('lifecycle', () => {
  it('passes for SE and for a supported CU before its end of support', () => {
    expect(run(check, facts('15.2.2562.46'))[0]).toMatchObject({ status: 'pass', code: 'supported' });
    expect(run(check, facts('15.2.1748.10'), '2025-06-01')[0]).toMatchObject({ status: 'pass' });
  });
  it('fails out of support (2013 since April 2023, 2019 since October 2025) and old CUs', () => {
    expect(run(check, facts('15.0.1497.48'))[0]).toMatchObject({ status: 'fail', code: 'out-of-support' });
    const esu = run(check, facts('15.2.1748.49'), '2026-01-10')[0]!;
    expect(esu).toMatchObject({ status: 'fail', code: 'out-of-support' });
    expect(esu.message).toMatch(/ESU period 1 covers this CU/);
    expect(run(check, facts('15.2.1258.12'), '2025-06-01')[0]).toMatchObject({ status: 'fail', code: 'cu-not-supported' });
  });
  it('is indeterminate when only the product is known and it is in support', () => {
    const f = facts(undefined, {}, 'product');
    f.exchange!.product = 'SE';
    expect(run(check, f)[0]).toMatchObject({ status: 'indeterminate', code: 'cu-unknown' });
  });
});
