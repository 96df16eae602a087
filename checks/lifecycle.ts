/** Is the product and CU still supported on the reference date (or covered by an ESU period)? */
import { defineCheck } from '../src/engine/check.js';
import { buildEvidence, buildOf } from './_shared.js';

export default defineCheck({
  meta: {
    id: 'lifecycle',
    title: 'Supported version',
    severity: 'high',
    requires: ['exchange'],
    directives: ['ed-21-02', 'ed-25-02'],
    references: ['https://learn.microsoft.com/lifecycle/products/'],
  },
  evaluate(facts, catalog, ctx) {
    const r = buildOf(facts, catalog, ctx.asOf);
    if ('result' in r) return [r.result];
    const { info } = r;
    const product = catalog.product(info.product);
    const ev = [buildEvidence(facts, info), { fact: 'lifecycle', observed: { extendedEnd: product.extendedEnd, supportedCus: product.supportedCus, asOf: ctx.asOf }, source: 'rules/products.yaml' }];
    const pastEnd = product.extendedEnd !== null && ctx.asOf > product.extendedEnd;
    if (pastEnd) {
      const esu = info.esu ? ` ${info.esu.name} covers this CU until ${info.esu.end}, but ESU does not restore support.` : '';
      return [{
        status: 'fail', code: 'out-of-support', severity: 'high',
        message: `${product.name} left extended support on ${product.extendedEnd}; it receives no public security updates.${esu}`,
        evidence: ev, remediation: 'Move to Exchange Server Subscription Edition (SE), or disconnect the server (CISA ED 25-02 step 2).',
      }];
    }
    if (info.cu && !product.supportedCus.includes(info.cu)) {
      return [{
        status: 'fail', code: 'cu-not-supported', severity: 'high',
        message: `${info.productName} ${info.cu} is not a supported CU (supported: ${product.supportedCus.join(', ')}); it gets no security updates.`,
        evidence: ev, remediation: `Install ${product.supportedCus.at(-1)} and its latest security update.`,
      }];
    }
    if (info.precision === 'product') {
      return [{ status: 'indeterminate', code: 'cu-unknown', message: `${product.name} is in support, but the CU is unknown.`, evidence: ev }];
    }
    const until = product.extendedEnd ? `until ${product.extendedEnd}` : 'under the Modern Lifecycle policy (no end date published)';
    return [{ status: 'pass', code: 'supported', message: `${info.productName} ${info.cu} is supported ${until}.`, evidence: ev }];
  },
});
