/** ProxyNotShell: exposure by build and the advisory's interim mitigations (rules/advisories/proxynotshell.yaml). */
import { defineCheck } from '../src/contract/check.js';
import { evaluateAdvisory } from './_advisory.js';

export default defineCheck({
  meta: {
    id: 'proxynotshell',
    title: 'ProxyNotShell',
    severity: 'critical',
    requires: ['exchange'],
    advisories: ['proxynotshell'],
    directives: ['bod-22-01'],
  },
  evaluate: (facts, catalog, ctx) => evaluateAdvisory('proxynotshell', facts, catalog, ctx.asOf),
});
