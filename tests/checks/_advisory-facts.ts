/** Facts fragments for the advisory checks: the March 2021 interim mitigations and the EOMTv2 rule. */
import type { Facts } from '../../src/facts/schema.js';

export const EOMT_RULES = [
  {
    name: 'X-AnonResource-Backend Abort - inbound',
    site: 'Default Web Site',
    matchUrl: '.*',
    actionType: 'AbortRequest',
    stopProcessing: false,
    conditions: [{ input: '{HTTP_COOKIE}', pattern: '(.*)X-AnonResource-Backend(.*)' }],
  },
  {
    name: 'X-BEResource Abort - inbound',
    site: 'Default Web Site',
    matchUrl: '.*',
    actionType: 'AbortRequest',
    stopProcessing: true,
    conditions: [{ input: '{HTTP_COOKIE}', pattern: '(.*)X-BEResource=(.+)/(.+)~(.+)' }],
  },
];
export const EOMTV2_RULE = {
  name: 'PowerShell - inbound',
  site: 'Default Web Site',
  matchUrl: '.*',
  actionType: 'AbortRequest',
  stopProcessing: true,
  patternSyntax: 'ECMAScript',
  conditions: [{ input: '{UrlDecode:{REQUEST_URI}}', pattern: '(?=.*autodiscover)(?=.*powershell)' }],
};

export function march2021Mitigations(rules = EOMT_RULES): Partial<Facts> {
  return {
    iis: {
      source: 'applicationHost.config; web.config',
      rewriteRules: rules as never,
      appPools: [
        { name: 'MSExchangeECPAppPool', state: 'Stopped', autoStart: false },
        { name: 'MSExchangeOABAppPool', state: 'Stopped', autoStart: false },
      ],
    },
    services: [
      { name: 'MSExchangeUM', status: 'Stopped', startMode: 'Disabled' },
      { name: 'MSExchangeUMCR', status: 'Stopped', startMode: 'Disabled' },
    ],
  };
}
