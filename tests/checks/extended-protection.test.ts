import { describe, expect, it } from 'vitest';
import check from '../../checks/extended-protection.js';
import { facts, run } from './_facts.js';

const vdirs = (overrides: Record<string, string> = {}) => {
  const list = [['Default Web Site', 'OWA', 'Require'], ['Default Web Site', 'ECP', 'Require'], ['Default Web Site', 'EWS', 'Allow'], ['Exchange Back End', 'EWS', 'Require'], ['Default Web Site', 'Powershell', 'None'], ['Exchange Back End', 'Powershell', 'Require']];
  return { iis: { source: 'applicationHost.config', virtualDirectories: list.map(([site, path, t]) => ({ site: site!, path: path!, tokenChecking: (overrides[`${site}/${path}`] ?? t) as 'None' })) } };
};

describe('extended-protection', () => {
  it('passes when every vdir is as required', () => {
    expect(run(check, facts('15.2.1748.49', vdirs()))[0]).toMatchObject({ status: 'pass', code: 'ep-configured' });
  });
  it('fails on 2019 CU14 fully patched but EP off, and on builds that cannot take EP', () => {
    const off = run(check, facts('15.2.1544.44', vdirs({ 'Default Web Site/OWA': 'None', 'Default Web Site/ECP': 'None' })))[0]!;
    expect(off).toMatchObject({ status: 'fail', code: 'ep-not-configured' });
    expect(off.message).toMatch(/Default Web Site\/OWA: None, expected Require/);
    expect(run(check, facts('15.2.986.5', vdirs()))[0]).toMatchObject({ status: 'fail', code: 'ep-unsupported-build' });
  });
  it('accepts Require where Allow is expected and the EWS back-end IP filter; LSA suppression fails it', () => {
    expect(run(check, facts('15.2.1748.49', vdirs({ 'Default Web Site/EWS': 'Require' })))[0]).toMatchObject({ status: 'pass' });
    const f = facts('15.2.1748.49', { ...vdirs(), config: { source: 'registry', suppressExtendedProtection: 1 } });
    expect(run(check, f)[0]).toMatchObject({ status: 'fail' });
  });
  it('is indeterminate without IIS facts or at CU precision on a CU where EP support depends on the SU', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate', code: 'ep-config-unknown' });
    expect(run(check, facts('15.2.1118', vdirs(), 'cu'))[0]).toMatchObject({ status: 'indeterminate', code: 'ep-build-unknown' });
  });
  it('does not apply to Edge', () => {
    const f = facts('15.2.1748.49');
    f.exchange!.edge = true;
    expect(run(check, f)[0]).toMatchObject({ status: 'not_applicable' });
  });
});
