import { describe, expect, it } from 'vitest';
import check from '../../checks/iis-modules.js';
import { facts, run } from './_facts.js';

const MS = 'CN=Microsoft Windows, O=Microsoft Corporation, L=Redmond, S=Washington, C=US';
const mod = (name: string, signatureStatus?: string, signer?: string, fileFound?: boolean) => ({
  name,
  image: `C:\\Windows\\System32\\inetsrv\\${name}.dll`,
  ...(signatureStatus ? { signatureStatus } : {}),
  ...(signer ? { signer } : {}),
  ...(fileFound === undefined ? {} : { fileFound }),
});
const iis = (mods: object[]) => ({
  iis: { source: 'applicationHost.config; Get-AuthenticodeSignature', globalModules: mods },
});

describe('iis-modules', () => {
  it('passes when every module is signed by Microsoft (HealthChecker E19/E16 recordings)', () => {
    expect(
      run(check, facts('15.2.986.5', iis([mod('cachtokn', 'Valid', MS), mod('kerbauth', 'Valid', MS)])))[0],
    ).toMatchObject({
      status: 'pass',
    });
  });
  it('fails unsigned, missing or tampered modules (critical) and ones signed by others', () => {
    const r = run(
      check,
      facts(
        '15.2.986.5',
        iis([
          mod('backdoor', 'NotSigned'),
          mod('gone', undefined, undefined, false),
          mod('patched', 'HashMismatch', MS),
          mod('agent', 'Valid', 'CN=Contoso Load Balancer, O=Contoso'),
        ]),
      ),
    );
    expect(r).toMatchObject([
      {
        status: 'fail',
        code: 'iis-module-unsigned',
        severity: 'critical',
        message: expect.stringMatching(/backdoor.*gone.*patched/),
      },
      { status: 'fail', code: 'iis-module-not-microsoft' },
    ]);
  });
  it('is indeterminate when modules or their signatures were not read; not applicable on Edge', () => {
    expect(run(check, facts('15.2.986.5'))[0]).toMatchObject({ status: 'indeterminate', code: 'iis-modules-unknown' });
    expect(run(check, facts('15.2.986.5', iis([mod('cachtokn')])))[0]).toMatchObject({ status: 'indeterminate' });
    const edge = facts('15.2.986.5');
    edge.exchange!.edge = true;
    expect(run(check, edge)[0]).toMatchObject({ status: 'not_applicable' });
  });
});
