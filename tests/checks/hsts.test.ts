import { describe, expect, it } from 'vitest';
import check from '../../checks/hsts.js';
import { facts, run } from './_facts.js';

const h = (site: string, via: 'native' | 'customHeader', extra: object = {}) => ({
  site,
  via,
  enabled: true,
  maxAge: 31536000,
  ...extra,
});
const iis = (hsts: object[]) => ({ iis: { source: 'applicationHost.config', hsts } });

describe('hsts', () => {
  it('passes without HSTS, or with a one-year max-age on the front end only', () => {
    expect(run(check, facts('15.2.1748.49', iis([])))[0]).toMatchObject({
      status: 'pass',
      code: 'hsts-not-configured',
    });
    expect(run(check, facts('15.2.1748.49', iis([h('Default Web Site', 'native')])))[0]).toMatchObject({
      status: 'pass',
      code: 'hsts-ok',
    });
  });
  it('fails HealthChecker Scenario 1: back end HSTS with redirect, a 300 s max-age on the front end', () => {
    const r = run(
      check,
      facts(
        '15.2.986.5',
        iis([
          h('Default Web Site', 'native', { maxAge: 300 }),
          h('Exchange Back End', 'native', { redirectHttpToHttps: true }),
        ]),
      ),
    );
    expect(r.map((x) => x.code)).toEqual(['hsts-max-age-short', 'hsts-on-back-end', 'hsts-redirect']);
    expect(r[1]).toMatchObject({ status: 'fail', severity: 'medium' });
    // native and header together (HealthChecker Physical: hsts-conflict)
    expect(
      run(
        check,
        facts(
          '15.2.1118.25',
          iis([h('Default Web Site', 'native', { maxAge: 300 }), h('Default Web Site', 'customHeader')]),
        ),
      ).map((x) => x.code),
    ).toEqual(['hsts-conflict', 'hsts-max-age-short']);
  });
  it('is indeterminate when not collected', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate', code: 'hsts-unknown' });
  });
});
