/**
 * Is the product and CU still supported on the reference date? Exchange 2013 left extended support on
 * 2023-04-11, 2016 and 2019 on 2025-10-14 (rules/products.yaml); SE follows the Modern Lifecycle. After the end
 * date a 2016/2019 server passes only while an Extended Security Update period covers its CU and the server shows
 * enrollment: an ESU-only update of the current period installed, or enrollment attested in exchange.esuEnrolled.
 */
import { defineCheck, type CheckResult } from '../src/contract/check.js';
import { updateState, type BuildInfo } from '../src/catalog/lookup.js';
import type { Catalog } from '../src/catalog/catalog.js';
import type { Facts } from '../src/facts/schema.js';
import { buildEvidence, buildOf } from './_shared.js';

/** ESU-only updates released in [start, asOf] that this build has: proof of enrollment in that period. */
function esuUpdatesInstalled(catalog: Catalog, info: BuildInfo, start: string, asOf: string): string[] {
  if (info.precision !== 'exact') return [];
  return catalog.updates
    .filter((u) => u.releaseDate >= start && u.releaseDate <= asOf)
    .filter((u) => u.fixes.some((f) => f.product === info.product && f.cu === info.cu && (f.esuOnly ?? u.esuOnly)))
    .filter((u) => updateState(catalog, info, u.id) === 'applied')
    .map((u) => u.id);
}

function esuJudgement(facts: Facts, catalog: Catalog, info: BuildInfo, asOf: string): CheckResult | undefined {
  const product = catalog.product(info.product);
  const period = product.esu.find((e) => info.cu && e.covers.includes(info.cu) && e.start <= asOf && asOf <= e.end);
  if (!period) return undefined;
  const unverified = period.verified ? '' : ' (the ESU period dates come from secondary sources: rules/products.yaml)';
  const attested = facts.exchange?.esuEnrolled;
  const installed = esuUpdatesInstalled(catalog, info, period.start, asOf);
  const ev = [
    {
      fact: 'exchange.esuEnrolled',
      observed: attested ?? null,
      expected: true,
      source: attested === undefined ? undefined : 'attested in the facts',
    },
    buildEvidence(facts, info),
    {
      fact: 'lifecycle.esu',
      observed: { period: period.name, start: period.start, end: period.end, covers: period.covers, asOf },
      source: 'rules/products.yaml',
    },
    { fact: 'ESU-only updates of this period installed', observed: installed, source: facts.exchange?.source },
  ];
  if (attested !== false && (attested || installed.length)) {
    const how = installed.length
      ? `it runs ${installed.join(', ')}, distributed only to ESU customers`
      : 'enrollment is attested in the facts (exchange.esuEnrolled)';
    return {
      status: 'pass',
      code: 'esu-covered',
      severity: 'info',
      message: `${product.name} left extended support on ${product.extendedEnd}; ${period.name} covers ${info.cu} until ${period.end}${unverified} and this server is enrolled: ${how}. ESU brings security updates only and ends on ${period.end}: plan the move to Exchange SE.`,
      evidence: ev,
    };
  }
  return {
    status: 'fail',
    code: 'out-of-support',
    severity: 'high',
    message: `${product.name} left extended support on ${product.extendedEnd}. ${period.name} covers ${info.cu} until ${period.end}${unverified}, but nothing shows this server is enrolled: ${attested === false ? 'the facts say it is not' : 'no ESU-only update of this period is installed and enrollment is not attested'}.`,
    evidence: ev,
    remediation: `Move to Exchange Server SE. If the organisation is enrolled in ${period.name}, install its updates (or record exchange.esuEnrolled: true in the facts).`,
  };
}

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
    if ('result' in r) {
      if (r.result.code === 'build-pre-2013') {
        return [
          {
            ...r.result,
            status: 'fail',
            code: 'out-of-support',
            severity: 'high',
            remediation: 'Replace it with a supported version (Exchange Server SE).',
          },
        ];
      }
      return [r.result];
    }
    const { info } = r;
    const product = catalog.product(info.product);
    const ev = [
      buildEvidence(facts, info),
      {
        fact: 'lifecycle',
        observed: { extendedEnd: product.extendedEnd, supportedCus: product.supportedCus, asOf: ctx.asOf },
        source: 'rules/products.yaml',
      },
    ];
    const pastEnd = product.extendedEnd !== null && ctx.asOf > product.extendedEnd;
    // A failure leads with what was observed against what support needs (never the same value twice).
    const support = (observed: string, expected: string) => [
      { fact: 'lifecycle', observed, expected, source: 'rules/products.yaml' },
      ...ev,
    ];
    if (pastEnd) {
      const esu = esuJudgement(facts, catalog, info, ctx.asOf);
      if (esu) return [esu];
      const last = product.esu.filter((e) => info.cu && e.covers.includes(info.cu) && e.end < ctx.asOf).at(-1);
      return [
        {
          status: 'fail',
          code: 'out-of-support',
          severity: 'high',
          message: `${product.name} left extended support on ${product.extendedEnd}; it receives no public security updates.${last ? ` The last ESU period for ${info.cu} (${last.name}) ended on ${last.end}.` : ''}`,
          evidence: support(
            `${info.productName}${info.cu ? ` ${info.cu}` : ''}: out of extended support since ${product.extendedEnd}`,
            `a product in support on ${ctx.asOf} (Exchange SE)`,
          ),
          remediation:
            'Move to Exchange Server Subscription Edition (SE), or disconnect the server (CISA ED 25-02 step 2).',
        },
      ];
    }
    if (info.cu && !product.supportedCus.includes(info.cu)) {
      return [
        {
          status: 'fail',
          code: 'cu-not-supported',
          severity: 'high',
          message: `${info.productName} ${info.cu} is not a supported CU (supported: ${product.supportedCus.join(', ')}); it gets no security updates.`,
          evidence: support(
            `${info.productName} ${info.cu}`,
            `${info.productName} ${product.supportedCus.join(' or ')}`,
          ),
          remediation: `Install ${product.supportedCus.at(-1)} and its latest security update.`,
        },
      ];
    }
    if (info.precision === 'product') {
      return [
        {
          status: 'indeterminate',
          code: 'cu-unknown',
          message: `${product.name} is in support, but the CU is unknown.`,
          evidence: ev,
          remediation: `Collect the exact build; only ${product.supportedCus.join(', ')} are supported.`,
        },
      ];
    }
    const until = product.extendedEnd
      ? `until ${product.extendedEnd}`
      : 'under the Modern Lifecycle policy (no end date published)';
    return [
      {
        status: 'pass',
        code: 'supported',
        message: `${info.productName} ${info.cu} is supported ${until}.`,
        evidence: ev,
      },
    ];
  },
});
