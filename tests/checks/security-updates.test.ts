import { describe, expect, it } from 'vitest';
import check from '../../checks/security-updates.js';
import { facts, run } from './_facts.js';

describe('security-updates', () => {
  it('passes on the newest build of a CU', () => {
    expect(run(check, facts('15.2.1748.53'))).toMatchObject([{ status: 'pass', code: 'updates-current' }]);
  });
  it('lists each missing update with KB, date and build', () => {
    const r = run(check, facts('15.2.1544.14'));
    const apr = r.find((x) => x.key === 'Apr25HU')!;
    expect(apr).toMatchObject({ status: 'fail', code: 'update-missing', cves: ['CVE-2025-53786'] });
    expect(apr.message).toMatch(/2025-04-18.*15\.2\.1544\.25 \(KB5050673\)/);
    expect(r.find((x) => x.key === 'May25HU')).toMatchObject({ severity: 'low', cves: [] });
    expect(r.find((x) => x.key === 'Aug26SU')!.message).toMatch(/Extended Security Update customers/);
  });
  it('says to move CU when the CU never got the update', () => {
    const jun = run(check, facts('15.2.986.42')).find((x) => x.key === 'Jun23SU')!;
    expect(jun.message).toMatch(/move to a newer CU/);
  });
  it('is indeterminate at CU precision for updates released on that CU', () => {
    const r = run(check, facts('15.2.1544', {}, 'cu'));
    expect(r.find((x) => x.code === 'updates-su-unknown')).toMatchObject({
      status: 'indeterminate',
      message: expect.stringMatching(/known only to the CU/),
    });
    expect(r.some((x) => x.status === 'pass')).toBe(false);
    // A CU that never received updates it needs is a fail even at CU precision.
    expect(run(check, facts('15.2.986', {}, 'cu')).find((x) => x.key === 'Jun23SU')).toMatchObject({
      status: 'fail',
      code: 'update-missing',
    });
  });
});
