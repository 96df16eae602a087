import { describe, expect, it } from 'vitest';
import check from '../../checks/exchange-build.js';
import { facts, run } from './_facts.js';

describe('exchange-build', () => {
  it('passes for a known exact build, naming it and its precision source', () => {
    const r = run(check, facts('15.2.1544.14'))[0]!;
    expect(r).toMatchObject({ status: 'pass', code: 'build-identified' });
    expect(JSON.stringify(r.evidence)).toMatch(/precision exact/);
  });
  it('fails a pre-2013 build: identified as out of support and unpatchable', () => {
    expect(run(check, facts('14.3.513.0'))[0]).toMatchObject({
      status: 'fail',
      code: 'build-pre-2013',
      severity: 'critical',
      message: expect.stringMatching(/Exchange 2010/),
    });
    expect(run(check, facts('8.3.83.6'))[0]).toMatchObject({
      status: 'fail',
      code: 'build-pre-2013',
      message: expect.stringMatching(/Exchange 2007/),
    });
  });
  it('is indeterminate at CU or product precision and for builds the catalog does not know', () => {
    expect(run(check, facts('15.2.1544', {}, 'cu'))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'build-cu-only',
    });
    expect(run(check, facts('15.2.1544.12'))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'build-unknown-to-catalog',
    });
    expect(run(check, facts(undefined, {}, 'none'))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'build-unknown',
    });
    expect(run(check, facts('99.1.2.3'))[0]).toMatchObject({ status: 'indeterminate', code: 'build-not-recognised' });
    const product = facts(undefined, {}, 'product');
    product.exchange!.product = '2019';
    product.exchange!.inconsistent = 'X-OWA-Version says CU14, the OWA path says CU15';
    expect(run(check, product)[0]).toMatchObject({
      status: 'indeterminate',
      code: 'build-product-only',
      message: expect.stringMatching(/disagree.*CU14/),
    });
    const spoofed = facts(undefined, {}, 'none');
    spoofed.exchange!.inconsistent = 'an Exchange 2019 header on an Exchange 2013 logon page';
    expect(run(check, spoofed)[0]).toMatchObject({ status: 'indeterminate', code: 'build-inconsistent' });
  });
  it('is not applicable to Exchange Online', () => {
    const f = facts('15.20.8000.1');
    f.exchange!.online = true;
    f.exchange!.source = 'X-OWA-Version 15.20.8000.1 on the 401 of /autodiscover/autodiscover.xml';
    const r = run(check, f)[0]!;
    expect(r).toMatchObject({ status: 'not_applicable', code: 'exchange-online' });
    // The reason travels with the finding: the build seen and what showed it.
    expect(r.message).toContain('15.20.8000.1');
    expect(r.evidence).toEqual([{ fact: 'exchange.source', observed: f.exchange!.source }]);
  });
});
