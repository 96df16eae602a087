import { describe, expect, it } from 'vitest';
import check from '../../checks/exchange-build.js';
import { facts, run } from './_facts.js';

describe('exchange-build', () => {
  it('passes for a known exact build', () => {
    expect(run(check, facts('15.2.1544.14'))[0]).toMatchObject({ status: 'pass', code: 'build-identified' });
  });
  it('is indeterminate at CU precision and for builds the catalog does not know', () => {
    expect(run(check, facts('15.2.1544', {}, 'cu'))[0]).toMatchObject({ status: 'indeterminate', code: 'build-cu-only' });
    expect(run(check, facts('15.2.1544.12'))[0]).toMatchObject({ status: 'indeterminate', code: 'build-unknown-to-catalog' });
    expect(run(check, facts(undefined, {}, 'none'))[0]).toMatchObject({ status: 'indeterminate', code: 'build-unknown' });
    expect(run(check, facts('14.3.513.0'))[0]).toMatchObject({ status: 'indeterminate', code: 'build-not-recognised' });
  });
  it('is not applicable to Exchange Online', () => {
    const f = facts('15.20.8000.1');
    f.exchange!.online = true;
    expect(run(check, f)[0]).toMatchObject({ status: 'not_applicable', code: 'exchange-online' });
  });
});
