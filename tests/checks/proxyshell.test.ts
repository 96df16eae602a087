import { describe, expect, it } from 'vitest';
import check from '../../checks/proxyshell.js';
import { facts, run } from './_facts.js';

describe('proxyshell', () => {
  it('fails on 2016 CU19 with only the March 2021 SU (ProxyShell and ProxyToken open)', () => {
    const r = run(check, facts('15.1.2176.9'))[0]!;
    expect(r).toMatchObject({ status: 'fail', code: 'exposed' });
    expect(r.cves).toEqual(
      expect.arrayContaining(['CVE-2021-34473', 'CVE-2021-34523', 'CVE-2021-31207', 'CVE-2021-33766']),
    );
  });
  it('passes on a build with the July 2021 SU', () => {
    expect(run(check, facts('15.2.922.13'))[0]).toMatchObject({ status: 'pass', code: 'patched' });
  });
  it('is indeterminate at CU precision on a CU that received the fixes', () => {
    expect(run(check, facts('15.2.858', {}, 'cu'))[0]).toMatchObject({ status: 'indeterminate' });
  });
});
