/** Edge Transport servers: which checks do not apply (HealthChecker skips them), and that the build is judged. */
import { defineCheck } from '../src/engine/check.js';
import { outOfScope } from './_shared.js';

const SKIPPED = ['extended-protection', 'emergency-mitigation-service', 'amsi', 'serialization-signing'];

export default defineCheck({
  meta: { id: 'edge-transport', title: 'Edge Transport role', severity: 'info', requires: ['exchange'] },
  evaluate(facts) {
    const scope = outOfScope(facts);
    if (scope) return [scope];
    const ex = facts.exchange!;
    const edge = ex.edge ?? (ex.roles ? ex.roles.some((r) => /^edge/i.test(r)) : undefined);
    if (edge === undefined) return [{ status: 'indeterminate', code: 'roles-unknown', message: 'The server roles were not collected.' }];
    if (!edge) return [{ status: 'not_applicable', code: 'not-edge', message: 'Not an Edge Transport server.' }];
    return [{ status: 'pass', code: 'edge-server', message: `Edge Transport server: the build and CVE checks apply; ${SKIPPED.join(', ')} do not (no IIS client access or Exchange cmdlets on Edge).` }];
  },
});
