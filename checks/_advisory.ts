/**
 * Advisory checks (ProxyLogon, ProxyShell, ProxyNotShell): exposure by build for the advisory's CVEs, and the
 * advisory's interim mitigations judged from facts (rules/advisories/<id>.yaml). Status `mitigated` when every
 * open CVE is covered by a mitigation that is in place; each partial mitigation is listed with what it does and
 * does not cover. Mitigations never turn an exposure into `pass`: only the update does.
 */
import type { CheckResult } from '../src/engine/check.js';
import type { Catalog } from '../src/catalog/catalog.js';
import type { Mitigation, RewriteRuleSpec } from '../src/catalog/schema.js';
import type { Facts, RewriteRule } from '../src/facts/schema.js';
import type { Evidence } from '../src/engine/result.js';
import { cveStates } from '../src/catalog/lookup.js';
import { buildEvidence, buildOf } from './_shared.js';

export type MitigationState = 'in-place' | 'absent' | 'unknown' | 'not-needed';

const norm = (s?: string) => (s ?? '').replace(/\s+/g, '').toLowerCase();

/** Does a collected rule satisfy a spec (HealthChecker's validity criteria)? */
export function ruleMatches(rule: RewriteRule, spec: RewriteRuleSpec, ruleCount: number): boolean {
  if (spec.name && rule.name.toLowerCase() !== spec.name.toLowerCase()) return false;
  if (rule.enabled === false) return false;
  if (rule.patternSyntax && /wildcard/i.test(rule.patternSyntax)) return false;
  if (spec.matchUrl !== undefined && rule.matchUrl !== undefined && rule.matchUrl !== spec.matchUrl) return false;
  if (!spec.actions.some((a) => a.toLowerCase() === (rule.actionType ?? '').toLowerCase())) return false;
  if (!spec.name && rule.stopProcessing === false && ruleCount > 1) return false; // content-matched rules must stop processing
  return rule.conditions.some((c) => !c.negate && c.pattern === spec.pattern && (spec.input === undefined || c.input === spec.input));
}

export function mitigationState(m: Mitigation, facts: Facts, product: string): { state: MitigationState; evidence: Evidence } {
  if (m.products && !m.products.includes(product as never)) return { state: 'not-needed', evidence: { fact: m.id, observed: `not applicable to Exchange ${product}` } };
  switch (m.kind) {
    case 'rewrite-rules': {
      const rules = facts.iis?.rewriteRules;
      if (rules) {
        const site = rules.filter((r) => !r.site || /default web site/i.test(r.site));
        const missing = (m.rules ?? []).filter((spec) => !site.some((r) => ruleMatches(r, spec, site.length)));
        const cleared = facts.iis?.rewriteRulesClearedIn ?? [];
        const state: MitigationState = missing.length || cleared.length ? 'absent' : 'in-place';
        const observed = cleared.length ? `rules cancelled by <clear/>/<remove> in ${cleared.join(', ')}` : missing.length ? `missing or invalid: ${missing.map((x) => x.name ?? x.pattern).join('; ')}` : 'all rules present and valid';
        return { state, evidence: { fact: 'iis.rewriteRules', observed, expected: (m.rules ?? []).map((x) => x.name ?? x.pattern), source: facts.iis?.source } };
      }
      const probe = facts.http?.mitigationProbes?.find((p) => p.id === m.probe);
      if (probe) {
        const state: MitigationState = probe.outcome === 'blocked' ? 'in-place' : probe.outcome === 'not-blocked' ? 'absent' : 'unknown';
        return { state, evidence: { fact: 'http.mitigationProbes', observed: `${probe.id}: ${probe.outcome} (${probe.detail})`, source: `${probe.method} ${probe.path}` } };
      }
      return { state: 'unknown', evidence: { fact: 'iis.rewriteRules', observed: null, expected: 'collected' } };
    }
    case 'services-disabled': {
      if (!facts.services) return { state: 'unknown', evidence: { fact: 'services', observed: null, expected: 'collected' } };
      const bad = (m.services ?? []).filter((name) => {
        const s = facts.services!.find((x) => x.name.toLowerCase() === name.toLowerCase());
        return s && s.present !== false && !(/disabled/i.test(s.startMode ?? '') && /stopped/i.test(s.status));
      });
      return { state: bad.length ? 'absent' : 'in-place', evidence: { fact: 'services', observed: bad.length ? `not disabled: ${bad.join(', ')}` : 'disabled or absent', expected: `${m.services?.join(', ')} Stopped and Disabled` } };
    }
    case 'app-pools-stopped': {
      const pools = facts.iis?.appPools;
      if (!pools) return { state: 'unknown', evidence: { fact: 'iis.appPools', observed: null, expected: 'collected' } };
      const bad = (m.appPools ?? []).filter((name) => {
        const p = pools.find((x) => x.name.toLowerCase() === name.toLowerCase());
        return !p || !/stopped/i.test(p.state) || p.autoStart === true;
      });
      return { state: bad.length ? 'absent' : 'in-place', evidence: { fact: 'iis.appPools', observed: bad.length ? `running: ${bad.join(', ')}` : 'stopped', expected: `${m.appPools?.join(', ')} stopped, autoStart false`, source: facts.iis?.source } };
    }
    case 'eems-applied': {
      const applied = facts.config?.eems?.applied;
      if (!applied) return { state: 'unknown', evidence: { fact: 'config.eems.applied', observed: null, expected: 'collected' } };
      const hit = applied.some((id) => (m.eemsIds ?? []).includes(id));
      return { state: hit ? 'in-place' : 'absent', evidence: { fact: 'config.eems.applied', observed: applied, expected: m.eemsIds, source: facts.config?.source } };
    }
    case 'remote-powershell-restricted': {
      const n = facts.config?.remotePowerShellNonAdminUsers;
      if (n === undefined) return { state: 'unknown', evidence: { fact: 'config.remotePowerShellNonAdminUsers', observed: null, expected: 'collected' } };
      return { state: n === 0 ? 'in-place' : 'absent', evidence: { fact: 'config.remotePowerShellNonAdminUsers', observed: n, expected: 0, source: facts.config?.source } };
    }
  }
}

export function evaluateAdvisory(advisoryId: string, facts: Facts, catalog: Catalog, asOf: string): CheckResult[] {
  const adv = catalog.advisory(advisoryId);
  if (!adv) return [{ status: 'error', code: 'advisory-missing', message: `The catalog has no advisory ${advisoryId}.` }];
  const r = buildOf(facts, catalog, asOf);
  if ('result' in r) return [r.result];
  const { info } = r;
  const states = cveStates(catalog, info).filter((s) => adv.cves.includes(s.id) && s.state !== 'not-affected');
  const open = states.filter((s) => s.state === 'open').map((s) => s.id);
  const unknown = states.filter((s) => s.state === 'indeterminate').map((s) => s.id);
  const base = buildEvidence(facts, info);
  const mits = adv.mitigations.map((m) => ({ m, ...mitigationState(m, facts, info.product) }));
  const missing = [...new Set(states.flatMap((s) => s.missingUpdates))];
  const remediation = missing.length ? `Install ${missing.join(', ')} (or a later CU with its latest SU).` : undefined;
  const mitEvidence = mits.map(({ m, state, evidence }) => ({ ...evidence, fact: `mitigation ${m.id} (${state})${m.verified ? '' : ' [not verified]'}`, expected: `${evidence.expected ?? ''}${m.doesNotCover ? `; does not cover: ${m.doesNotCover}` : ''}` }));
  if (!open.length && !unknown.length) {
    const leftovers = mits.filter((x) => x.state === 'in-place' && x.m.sideEffects);
    return [{ status: 'pass', code: 'patched', message: `${info.name} has the updates that fix ${adv.cves.join(', ')}.${leftovers.length ? ` Interim mitigations are still in place and can be rolled back: ${leftovers.map((x) => x.m.sideEffects).join(' ')}` : ''}`, cves: adv.cves, evidence: [base] }];
  }
  // Covered: a mitigation for it is in place, or every mitigation for it is not needed on this product
  // (2019 has no Unified Messaging, so the UM path of CVE-2021-26857 does not exist there).
  const covered = (id: string) => {
    const relevant = mits.filter((x) => x.m.covers.includes(id));
    return relevant.some((x) => x.state === 'in-place') || (relevant.length > 0 && relevant.every((x) => x.state === 'not-needed'));
  };
  const inPlace = mits.filter((x) => x.state === 'in-place');
  const exposed = [...open, ...unknown];
  if (unknown.length && !open.length) {
    return [{ status: 'indeterminate', code: 'su-unknown', message: `${info.name}: the build is known only to the CU; whether the updates for ${unknown.join(', ')} are installed is unknown.${mits.length ? ` Interim mitigations: ${mits.map((x) => `${x.m.id} ${x.state}`).join(', ')}.` : ''}`, cves: unknown, evidence: [base, ...mitEvidence], ...(remediation ? { remediation } : {}) }];
  }
  if (!adv.mitigations.length) {
    return [{ status: 'fail', code: 'exposed', severity: 'critical', message: `${info.name} is exposed to ${open.join(', ')} (${adv.title}); no interim mitigation exists, only the update.`, cves: open, evidence: [base], ...(remediation ? { remediation } : {}) }];
  }
  if (exposed.every(covered)) {
    return [{ status: 'mitigated', code: 'mitigated', severity: 'high', message: `${info.name} is exposed by build to ${exposed.join(', ')}, and the interim mitigations cover them: ${inPlace.map((x) => x.m.title).join('; ')}. Install the update: mitigations only block known attack paths.`, cves: exposed, evidence: [base, ...mitEvidence], ...(remediation ? { remediation } : {}) }];
  }
  const anyUnknown = mits.some((x) => x.state === 'unknown');
  const partial = mits.filter((x) => x.state === 'in-place');
  const uncovered = exposed.filter((id) => !covered(id));
  return [{
    status: 'fail',
    code: partial.length ? 'partially-mitigated' : anyUnknown ? 'exposed-mitigations-unknown' : 'exposed',
    severity: 'critical',
    message: `${info.name} is exposed to ${exposed.join(', ')} (${adv.title}).${partial.length ? ` In place: ${partial.map((x) => `${x.m.id} (covers ${x.m.covers.join(', ')})`).join('; ')}.` : ''} Not covered: ${uncovered.join(', ')}.${anyUnknown ? ' Some mitigation facts were not collected.' : ''}`,
    cves: exposed, evidence: [base, ...mitEvidence], ...(remediation ? { remediation } : {}),
  }];
}
