import { describe, expect, it } from 'vitest';
import check from '../../checks/edge-transport.js';
import { facts, run } from './_facts.js';

describe('edge-transport', () => {
  it('passes for an Edge server and names the checks that do not apply', () => {
    const f = facts('15.2.1748.49');
    f.exchange!.roles = ['Edge'];
    expect(run(check, f)[0]).toMatchObject({
      status: 'pass',
      code: 'edge-server',
      message: expect.stringMatching(/extended-protection/),
    });
  });
  it('is not applicable to a Mailbox server and indeterminate when roles are unknown', () => {
    const f = facts('15.2.1748.49');
    f.exchange!.edge = false;
    expect(run(check, f)[0]).toMatchObject({ status: 'not_applicable' });
    expect(run(check, facts('15.2.1748.49'))[0]).toMatchObject({ status: 'indeterminate' });
  });
});
