import { describe, expect, it } from 'vitest';
import check from '../../checks/lifecycle.js';
import { facts, run } from './_facts.js';

describe('lifecycle', () => {
  it('passes for SE and for a supported CU before its end of support', () => {
    expect(run(check, facts('15.2.2562.46'))[0]).toMatchObject({
      status: 'pass',
      code: 'supported',
      message: expect.stringMatching(/Modern Lifecycle/),
    });
    expect(run(check, facts('15.2.1748.10'), '2025-06-01')[0]).toMatchObject({ status: 'pass' });
  });

  it('Exchange 2013 is supported through 2023-04-11 and out of support from 2023-04-12', () => {
    expect(run(check, facts('15.0.1497.48'), '2023-04-11')[0]).toMatchObject({ status: 'pass', code: 'supported' });
    const out = run(check, facts('15.0.1497.48'), '2023-04-12')[0]!;
    expect(out).toMatchObject({ status: 'fail', code: 'out-of-support', severity: 'high' });
    expect(out.message).toMatch(/2023-04-11/);
    expect(run(check, facts('15.0.1497.48'))[0]).toMatchObject({ status: 'fail', code: 'out-of-support' });
  });

  it('Exchange 2016 and 2019 are supported through 2025-10-14 and fail after it without ESU', () => {
    expect(run(check, facts('15.1.2507.61'), '2025-10-14')[0]).toMatchObject({ status: 'pass', code: 'supported' });
    expect(run(check, facts('15.2.1748.39'), '2025-10-14')[0]).toMatchObject({ status: 'pass', code: 'supported' });
    for (const build of ['15.1.2507.61', '15.2.1748.39']) {
      const r = run(check, facts(build), '2025-10-15')[0]!;
      expect(r, build).toMatchObject({ status: 'fail', code: 'out-of-support' });
      expect(r.message).toMatch(
        /2025-10-14.*ESU period 1 covers CU\d+ until 2026-04-14.*nothing shows this server is enrolled/,
      );
    }
  });

  it('passes inside an ESU period when an ESU-only update of that period is installed, or enrollment is attested', () => {
    // 2019 CU15 Dec25SU (ESU-only, 2025-12-09) on 2026-01-10: inside ESU period 1.
    const esu = run(check, facts('15.2.1748.42'), '2026-01-10')[0]!;
    expect(esu).toMatchObject({ status: 'pass', code: 'esu-covered' });
    expect(esu.message).toMatch(/ESU period 1 covers CU15 until 2026-04-14.*Dec25SU/);
    // Period 2 (May-October 2026): the period-1 update Feb26SU proves nothing about period 2 …
    expect(run(check, facts('15.2.1748.43'), '2026-07-20')[0]).toMatchObject({
      status: 'fail',
      code: 'out-of-support',
    });
    // … Jun26SU does, and an attestation does.
    expect(run(check, facts('15.2.1748.46'), '2026-07-20')[0]).toMatchObject({ status: 'pass', code: 'esu-covered' });
    const attested = facts('15.1.2507.61');
    attested.exchange!.esuEnrolled = true;
    expect(run(check, attested, '2026-07-20')[0]).toMatchObject({
      status: 'pass',
      code: 'esu-covered',
      message: expect.stringMatching(/attested/),
    });
    // An explicit "not enrolled" wins over an installed update; a CU that ESU does not cover fails.
    const denied = facts('15.2.1748.46');
    denied.exchange!.esuEnrolled = false;
    expect(run(check, denied, '2026-07-20')[0]).toMatchObject({ status: 'fail', code: 'out-of-support' });
    expect(run(check, facts('15.2.1258.12'), '2026-07-20')[0]).toMatchObject({
      status: 'fail',
      code: 'out-of-support',
    });
  });

  it('fails after the last ESU period ends, saying so', () => {
    const r = run(check, facts('15.2.1748.49'))[0]!;
    expect(r).toMatchObject({ status: 'fail', code: 'out-of-support' });
    expect(r.message).toMatch(/ESU period 2\) ended on 2026-10-31/);
  });

  it('fails old CUs and pre-2013 versions', () => {
    expect(run(check, facts('15.2.1258.12'), '2025-06-01')[0]).toMatchObject({
      status: 'fail',
      code: 'cu-not-supported',
    });
    expect(run(check, facts('14.3.513.0'))[0]).toMatchObject({
      status: 'fail',
      code: 'out-of-support',
      message: expect.stringMatching(/Exchange 2010/),
    });
  });

  it('is indeterminate when only the product is known and it is in support, or nothing is known', () => {
    const f = facts(undefined, {}, 'product');
    f.exchange!.product = 'SE';
    expect(run(check, f)[0]).toMatchObject({ status: 'indeterminate', code: 'cu-unknown' });
    expect(run(check, facts(undefined, {}, 'none'))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'build-unknown',
    });
  });
});
