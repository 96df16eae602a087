import { describe, expect, it } from 'vitest';
import check from '../../checks/smb1.js';
import { facts, run } from './_facts.js';

const smb = (smb1Installed?: boolean, smb1Enabled?: boolean) => ({
  windows: { smb: { source: 'Get-WindowsFeature; Get-SmbServerConfiguration', smb1Installed, smb1Enabled } },
});

describe('smb1', () => {
  it('passes when SMBv1 is neither installed nor accepted', () => {
    expect(run(check, facts('15.2.1748.49', smb(false, false)))[0]).toMatchObject({ status: 'pass', code: 'smb1-off' });
  });
  it('fails when SMBv1 is installed or accepted (HealthChecker E16: installed True, blocked False)', () => {
    expect(run(check, facts('15.1.2375.7', smb(true, true)))[0]).toMatchObject({
      status: 'fail',
      code: 'smb1-present',
      message: expect.stringMatching(/installed.*accepts SMB1/),
    });
    expect(run(check, facts('15.1.2375.7', smb(false, true)))[0]).toMatchObject({ status: 'fail' });
  });
  it('is indeterminate when not collected or half known', () => {
    expect(
      run(
        check,
        facts('15.2.1748.49', {
          notCollected: [{ group: 'windows.smb', reason: 'Get-SmbServerConfiguration failed' }],
        }),
      )[0],
    ).toMatchObject({
      status: 'indeterminate',
      code: 'smb1-unknown',
      message: expect.stringMatching(/Get-SmbServerConfiguration failed/),
    });
    expect(run(check, facts('15.2.1748.49', smb(false, undefined)))[0]).toMatchObject({
      status: 'indeterminate',
      code: 'smb1-partly-unknown',
    });
  });
});
