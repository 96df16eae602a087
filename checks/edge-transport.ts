/** Edge Transport servers: which checks do not apply (HealthChecker skips them), and that the build is judged. */
import { defineCheck } from '../src/contract/check.js';
import { isEdge, outOfScope } from './_shared.js';

const SKIPPED = ['extended-protection', 'emergency-mitigation-service', 'amsi', 'serialization-signing'];

export default defineCheck({
  meta: { id: 'edge-transport', title: 'Edge Transport role', severity: 'info', requires: ['exchange'] },
  evaluate(facts) {
    const scope = outOfScope(facts);
    if (scope) return [scope];
    const edge = isEdge(facts);
    if (edge === undefined)
      return [
        {
          status: 'indeterminate',
          code: 'roles-unknown',
          message:
            'The server roles were not collected, so whether the Edge Transport rules apply is unknown; the other checks judge it as a Mailbox server.',
          remediation: 'Collect the roles (exaudit audit --ssh/--local reads the *Role registry keys).',
        },
      ];
    if (!edge) return [{ status: 'not_applicable', code: 'not-edge', message: 'Not an Edge Transport server.' }];
    return [
      {
        status: 'pass',
        code: 'edge-server',
        message: `Edge Transport server: the build, security-update, lifecycle, ProxyLogon/ProxyShell/ProxyNotShell-by-build and override checks apply; ${SKIPPED.join(', ')} do not, nor do the CVE judgements that depend on IIS, Extended Protection, serialization signing, download domains, OutsideIn or Active Directory (HealthChecker skips them on Edge: no client access IIS, no Exchange cmdlets).`,
      },
    ];
  },
});
