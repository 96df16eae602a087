/** ProxyLogon / HAFNIUM (ED 21-02): exposure by build and the advisory's interim mitigations (rules/advisories/proxylogon.yaml). */
import { defineCheck } from '../src/contract/check.js';
import { evaluateAdvisory } from './_advisory.js';

export default defineCheck({
  meta: {
    id: 'proxylogon',
    title: 'ProxyLogon / HAFNIUM (ED 21-02)',
    severity: 'critical',
    requires: ['exchange'],
    advisories: ['proxylogon'],
    directives: ['ed-21-02', 'bod-22-01'],
  },
  evaluate: (facts, catalog, ctx) => evaluateAdvisory('proxylogon', facts, catalog, ctx.asOf),
});
