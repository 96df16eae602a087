/**
 * AES256-CBC protected content as HealthChecker judges it (Get-ExchangeAES256CBCDetails.ps1, rules in
 * rules/healthchecker/exchange.yaml): builds below the August 2023 SU cannot decrypt it; from that SU, with IRM
 * licensing on, NETWORK SERVICE needs full control of HKLM\SOFTWARE\Microsoft\MSIPC\Server. Exchange 2013 never got
 * the August 2023 SU and is judged unsupported (HealthChecker's build test counts a product without the SU as
 * having it; Microsoft added AES256-CBC support to 2016 and 2019 only).
 */
import { defineCheck } from '../src/contract/check.js';
import { updateState } from '../src/catalog/lookup.js';
import { notCollected, withBuild, withSettingRules } from './_shared.js';

export default defineCheck({
  meta: {
    id: 'aes256-cbc',
    title: 'AES256-CBC protected content supported',
    severity: 'medium',
    requires: ['exchange'],
    references: ['https://aka.ms/ExchangeCBCKB', 'https://aka.ms/Purview/CBCDetails'],
  },
  evaluate(facts, catalog, ctx) {
    return withBuild(facts, catalog, ctx.asOf, 'AES256-CBC protected content', (info) =>
      withSettingRules(facts, catalog, 'aes256Cbc', null, (spec) => {
        const st = updateState(catalog, info, spec.supportedFrom);
        if (info.product === '2013' || st === 'missing')
          return [
            {
              status: 'fail',
              code: 'aes256cbc-unsupported-build',
              message: `${info.name} cannot decrypt AES256-CBC protected content (support came with the ${spec.supportedFrom} for Exchange 2016 and 2019): eDiscovery, journaling and transport decryption of such messages fail.`,
              remediation:
                info.product === '2013'
                  ? 'Move to a supported Exchange version.'
                  : `Install ${spec.supportedFrom} or later.`,
            },
          ];
        if (st === 'unknown')
          return [
            {
              status: 'indeterminate',
              code: 'aes256cbc-build-unknown',
              message: `Whether the ${spec.supportedFrom} (AES256-CBC support) is installed is unknown at this precision.`,
            },
          ];
        const irm = facts.config?.irm;
        if (!irm)
          return [
            notCollected(facts, 'config.irm', 'the IRM configuration (Get-IRMConfiguration)', 'aes256cbc-unknown'),
          ];
        if (!irm.internalLicensingEnabled && !irm.externalLicensingEnabled)
          return [
            {
              status: 'pass',
              code: 'aes256cbc-not-used',
              message: 'The build supports AES256-CBC; IRM licensing is off, so the MSIPC key needs nothing.',
              evidence: [{ fact: 'config.irm', observed: irm, source: facts.config?.source }],
            },
          ];
        const key = facts.config?.msipcServerKey;
        if (!key)
          return [notCollected(facts, 'config.msipcServerKey', `the ACL of ${spec.registryKey}`, 'aes256cbc-unknown')];
        const r = spec.rule;
        const ok =
          key.exists &&
          (key.rules ?? []).some(
            (x) =>
              x.identity.toUpperCase() === r.sid &&
              x.rights === r.rights &&
              x.type === r.type &&
              x.inheritanceFlags === r.inheritanceFlags &&
              x.propagationFlags === r.propagationFlags,
          );
        const evidence = [
          {
            fact: 'config.msipcServerKey',
            observed: key.exists ? (key.rules ?? []) : 'the key does not exist',
            expected: `${r.type} ${r.sid} rights ${r.rights} inheritance ${r.inheritanceFlags} propagation ${r.propagationFlags}`,
            source: facts.config?.source,
          },
        ];
        if (ok)
          return [
            {
              status: 'pass',
              code: 'aes256cbc-configured',
              message: 'AES256-CBC protected content is supported and the MSIPC key is set up.',
              evidence,
            },
          ];
        return [
          {
            status: 'fail',
            code: 'aes256cbc-not-configured',
            severity: irm.internalLicensingEnabled ? 'medium' : 'low',
            message: `The build supports AES256-CBC, but NETWORK SERVICE lacks full control of ${spec.registryKey} while IRM ${irm.internalLicensingEnabled ? 'internal' : 'external'} licensing is on: Exchange cannot decrypt such messages.`,
            evidence,
            remediation:
              'Follow https://aka.ms/ExchangeCBCKB to create the key and grant NETWORK SERVICE full control.',
          },
        ];
      }),
    );
  },
});
