/** ProxyShell and ProxyToken: exposure by build and the advisory's interim mitigations (rules/advisories/proxyshell.yaml). */
import { defineCheck } from '../src/contract/check.js';
import { evaluateAdvisory } from './_advisory.js';

export default defineCheck({
  meta: {
    id: 'proxyshell',
    title: 'ProxyShell and ProxyToken',
    severity: 'critical',
    requires: ['exchange'],
    advisories: ['proxyshell'],
    directives: ['bod-22-01'],
  },
  evaluate: (facts, catalog, ctx) => evaluateAdvisory('proxyshell', facts, catalog, ctx.asOf),
});
