import { describe, expect, it } from 'vitest';
import check from '../../checks/web-config.js';
import { facts, run } from './_facts.js';

const iis = (files: object[]) => ({ iis: { source: 'applicationHost.config', configFiles: files } });

describe('web-config', () => {
  it('passes when every file read is well-formed', () => {
    expect(
      run(check, facts('15.2.1748.49', iis([{ path: 'C:\\inetpub\\wwwroot\\web.config', valid: true }])))[0],
    ).toMatchObject({
      status: 'pass',
    });
  });
  it('fails a file that is not well-formed (HealthChecker Scenarios2: DefaultWebSite_web1.config)', () => {
    expect(
      run(
        check,
        facts(
          '15.2.986.5',
          iis([{ path: 'C:\\inetpub\\wwwroot\\web.config', valid: false, error: 'unexpected end of file' }]),
        ),
      )[0],
    ).toMatchObject({
      status: 'fail',
      code: 'web-config-invalid',
      message: expect.stringMatching(/wwwroot.*unexpected end/),
    });
  });
  it('is indeterminate when not collected', () => {
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate', code: 'web-config-unknown' });
  });
});
