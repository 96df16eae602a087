/**
 * Is the build identified, and how precisely? Unknown builds and imprecise sources are flagged (indeterminate);
 * a pre-2013 build (Exchange 2010 and older) fails: it is known to be out of support and unpatchable.
 */
import { defineCheck } from '../src/contract/check.js';
import { buildEvidence, buildOf } from './_shared.js';

export default defineCheck({
  meta: {
    id: 'exchange-build',
    title: 'Exchange build identified',
    severity: 'info',
    requires: ['exchange'],
    directives: ['ed-21-02', 'ed-25-02'],
  },
  evaluate(facts, catalog, ctx) {
    const r = buildOf(facts, catalog, ctx.asOf);
    if ('result' in r) {
      // A pre-2013 build is identified well enough to know it is unpatchable: that is a fail, not an unknown.
      if (r.result.code === 'build-pre-2013')
        return [
          {
            ...r.result,
            status: 'fail',
            severity: 'critical',
            remediation: 'Replace it with a supported version (Exchange Server SE); no security update exists for it.',
          },
        ];
      return [r.result];
    }
    const { info } = r;
    const ev = [
      buildEvidence(facts, info),
      ...(facts.exchange?.observations ?? []).map((o) => ({
        fact: 'exchange.observations',
        observed: `${o.build} (${o.precision})${o.frontEnd ? ` from ${o.frontEnd}` : ''}`,
        source: o.source,
      })),
    ];
    if (info.precision === 'product') {
      const why = facts.exchange?.inconsistent
        ? ` The observations disagree on the CU (${facts.exchange.inconsistent}).`
        : '';
      return [
        {
          status: 'indeterminate',
          code: 'build-product-only',
          message: `Only the product is known (${info.productName}); no CU or update level could be read.${why}`,
          evidence: ev,
        },
      ];
    }
    if (info.precision === 'cu') {
      return [
        {
          status: 'indeterminate',
          code: 'build-cu-only',
          message: `${info.name}: the build is known only to the CU (${info.build}); security updates on that CU cannot be confirmed.`,
          evidence: ev,
          remediation:
            'Collect the ExSetup.exe file version on the server (exaudit audit --ssh, or the collector script) for an exact build.',
        },
      ];
    }
    if (!info.known) {
      return [
        {
          status: 'indeterminate',
          code: 'build-unknown-to-catalog',
          message: `${info.build} is not in the catalog (${catalog.meta.version}); it is judged as ${info.judgedAs ?? info.cu} on ${info.cu}.`,
          evidence: ev,
          remediation: 'Use a newer catalog (--rules DIR) if this build is newer than the catalog.',
        },
      ];
    }
    return [
      {
        status: 'pass',
        code: 'build-identified',
        message: `${info.name} (${info.build})${info.releaseDate ? `, released ${info.releaseDate}` : ''}.`,
        evidence: ev,
      },
    ];
  },
});
