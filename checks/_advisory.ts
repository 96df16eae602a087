/**
 * Advisory checks (ProxyLogon, ProxyShell, ProxyNotShell): exposure by build for the advisory's CVEs, and the
 * advisory's interim mitigations judged from facts (rules/advisories/<id>.yaml). Status `mitigated` when every
 * open CVE is covered by a mitigation that is in place; each partial mitigation is listed with what it does and
 * does not cover. Mitigations never turn an exposure into `pass`: only the update does.
 */
import type { CheckResult, Evidence } from '../src/contract.js';
import type { Catalog } from '../src/catalog/catalog.js';
import type { Mitigation, RewriteRuleSpec } from '../src/catalog/schema.js';
import type { Facts, RewriteRule } from '../src/facts/schema.js';
import { currentUpdate, cveStates, type BuildInfo } from '../src/catalog/lookup.js';
import { buildEvidence, eemsAvailable, withBuild } from './_shared.js';
import { installText, valueText } from '../src/util/text.js';

/** not-needed: the attack path does not exist on the product; not-available: the product cannot take the mitigation. */
export type MitigationState = 'in-place' | 'absent' | 'unknown' | 'not-needed' | 'not-available';

/** Why a collected rule does not satisfy a spec (HealthChecker's validity criteria); empty when it does. */
export function ruleDefects(rule: RewriteRule, spec: RewriteRuleSpec, ruleCount: number): string[] {
  const out: string[] = [];
  if (spec.name && rule.name.toLowerCase() !== spec.name.toLowerCase())
    out.push(`named "${rule.name}", not "${spec.name}"`);
  if (rule.enabled === false) out.push('disabled');
  if (rule.patternSyntax && /wildcard/i.test(rule.patternSyntax)) out.push('patternSyntax Wildcard');
  if (spec.matchUrl !== undefined && rule.matchUrl !== undefined && rule.matchUrl !== spec.matchUrl)
    out.push(`match url "${rule.matchUrl}", expected "${spec.matchUrl}"`);
  if (!spec.actions.some((a) => a.toLowerCase() === (rule.actionType ?? '').toLowerCase()))
    out.push(`action ${rule.actionType ?? '(none)'}, expected ${spec.actions.join(' or ')}`);
  if (!spec.name && rule.stopProcessing === false && ruleCount > 1)
    out.push('stopProcessing false while other rules exist'); // content-matched rules must stop processing
  const good = rule.conditions.some(
    (c) => !c.negate && c.pattern === spec.pattern && (spec.input === undefined || c.input === spec.input),
  );
  if (!good) {
    const same = rule.conditions.find((c) => c.pattern === spec.pattern);
    if (same?.negate) out.push('its condition is negated');
    else if (same) out.push(`condition input ${same.input}, expected ${spec.input}`);
    else
      out.push(
        `pattern ${rule.conditions.map((c) => `"${c.pattern}"`).join(', ') || '(none)'} is not the required "${spec.pattern}"${spec.input ? ` on ${spec.input}` : ''}`,
      );
  }
  return out;
}

/** Does a collected rule satisfy a spec? */
export function ruleMatches(rule: RewriteRule, spec: RewriteRuleSpec, ruleCount: number): boolean {
  return ruleDefects(rule, spec, ruleCount).length === 0;
}

/** Rules that look like attempts at the spec: same name, or conditions naming the spec pattern's words (e.g. an older pattern). */
function candidates(rules: RewriteRule[], spec: RewriteRuleSpec): RewriteRule[] {
  if (spec.name) return rules.filter((r) => r.name.toLowerCase() === spec.name!.toLowerCase());
  const words = (spec.pattern.match(/[a-z]{4,}/gi) ?? []).map((w) => w.toLowerCase());
  return rules.filter(
    (r) => words.length > 0 && r.conditions.some((c) => words.every((w) => c.pattern.toLowerCase().includes(w))),
  );
}

/** The list a mitigation kind is judged by (undefined for kinds judged by one fact). */
function listOf(m: Mitigation): unknown[] | undefined {
  const lists = m as { rules?: unknown[]; services?: unknown[]; appPools?: unknown[]; eemsIds?: unknown[] };
  const list = {
    'rewrite-rules': lists.rules,
    'services-disabled': lists.services,
    'app-pools-stopped': lists.appPools,
    'eems-applied': lists.eemsIds,
  }[m.kind as string];
  return m.kind === 'remote-powershell-restricted' ? undefined : (list ?? []);
}

export function mitigationState(
  m: Mitigation,
  facts: Facts,
  info: BuildInfo,
): { state: MitigationState; evidence: Evidence } {
  const product = info.product;
  if (m.products && !m.products.includes(product))
    return { state: 'not-needed', evidence: { fact: m.id, observed: `not applicable to Exchange ${product}` } };
  if (m.kind === 'eems-applied' && eemsAvailable(info) === false)
    return {
      state: 'not-available',
      evidence: {
        fact: 'config.eems',
        observed: `${info.name} has no Emergency Mitigation Service (2016 CU22, 2019 CU11 and later)`,
      },
    };
  // The catalog requires each kind's list; should one arrive empty anyway, nothing was checked: unknown.
  const list = listOf(m);
  if (list && !list.length)
    return { state: 'unknown', evidence: { fact: m.id, observed: `the catalog lists nothing for ${m.kind} to check` } };
  switch (m.kind) {
    case 'rewrite-rules': {
      const rules = facts.iis?.rewriteRules;
      if (rules) {
        const site = rules.filter((r) => !r.site || /default web site/i.test(r.site));
        const missing = m.rules.filter((spec) => !site.some((r) => ruleMatches(r, spec, site.length)));
        const cleared = facts.iis?.rewriteRulesClearedIn ?? [];
        const state: MitigationState = missing.length || cleared.length ? 'absent' : 'in-place';
        // Say why each missing rule does not count: absent, or present with a defect (disabled, an older pattern, …).
        const why = missing.map((spec) => {
          const near = candidates(site, spec);
          const label = spec.name ?? `a rule with pattern "${spec.pattern}"`;
          return near.length
            ? near
                .map((r) => `rule "${r.name}" does not count: ${ruleDefects(r, spec, site.length).join(', ')}`)
                .join('; ')
            : `${label}: not present`;
        });
        const observed = cleared.length
          ? `rules cancelled by <clear/>/<remove> in ${cleared.join(', ')}`
          : missing.length
            ? why.join('; ')
            : 'all rules present and valid';
        return {
          state,
          evidence: {
            fact: 'iis.rewriteRules',
            observed,
            expected: m.rules.map((x) => x.name ?? x.pattern),
            source: facts.iis?.source,
          },
        };
      }
      const probe = facts.http?.mitigationProbes?.find((p) => p.id === m.probe);
      if (probe) {
        const state: MitigationState =
          probe.outcome === 'blocked' ? 'in-place' : probe.outcome === 'not-blocked' ? 'absent' : 'unknown';
        return {
          state,
          evidence: {
            fact: 'http.mitigationProbes',
            observed: `${probe.id}: ${probe.outcome} (${probe.detail})`,
            source: `${probe.method} ${probe.path}`,
          },
        };
      }
      return { state: 'unknown', evidence: { fact: 'iis.rewriteRules', observed: null, expected: 'collected' } };
    }
    case 'services-disabled': {
      if (!facts.services)
        return { state: 'unknown', evidence: { fact: 'services', observed: null, expected: 'collected' } };
      const bad = m.services.filter((name) => {
        const s = facts.services!.find((x) => x.name.toLowerCase() === name.toLowerCase());
        return s && s.present !== false && !(/disabled/i.test(s.startMode ?? '') && /stopped/i.test(s.status));
      });
      // A service missing from the list was not looked at (the collector lists absent services with present: false).
      const unlisted = m.services.filter(
        (name) => !facts.services!.some((x) => x.name.toLowerCase() === name.toLowerCase()),
      );
      const state: MitigationState = bad.length ? 'absent' : unlisted.length ? 'unknown' : 'in-place';
      const observed = bad.length
        ? `not disabled: ${bad.join(', ')}`
        : unlisted.length
          ? `not collected: ${unlisted.join(', ')}`
          : 'disabled or not installed';
      const source = [...new Set(facts.services.map((x) => x.source).filter(Boolean))].join('; ') || undefined;
      return {
        state,
        evidence: {
          fact: 'services',
          observed,
          expected: `${m.services.join(', ')} Stopped and Disabled`,
          ...(source ? { source } : {}),
        },
      };
    }
    case 'app-pools-stopped': {
      const pools = facts.iis?.appPools;
      if (!pools)
        return { state: 'unknown', evidence: { fact: 'iis.appPools', observed: null, expected: 'collected' } };
      const find = (name: string) => pools.find((x) => x.name.toLowerCase() === name.toLowerCase());
      const bad = m.appPools.filter((name) => {
        const p = find(name);
        return p && (!/stopped/i.test(p.state) || p.autoStart === true);
      });
      // A pool missing from the collected list was not looked at: unknown, never "stopped".
      const unlisted = m.appPools.filter((name) => !find(name));
      return {
        state: bad.length ? 'absent' : unlisted.length ? 'unknown' : 'in-place',
        evidence: {
          fact: 'iis.appPools',
          observed: bad.length
            ? `running: ${bad.join(', ')}`
            : unlisted.length
              ? `not collected: ${unlisted.join(', ')}`
              : 'stopped',
          expected: `${m.appPools.join(', ')} stopped, autoStart false`,
          source: facts.iis?.source,
        },
      };
    }
    case 'eems-applied': {
      const applied = facts.config?.eems?.applied;
      if (!applied)
        return { state: 'unknown', evidence: { fact: 'config.eems.applied', observed: null, expected: 'collected' } };
      const hit = applied.some((id) => m.eemsIds.includes(id));
      return {
        state: hit ? 'in-place' : 'absent',
        evidence: { fact: 'config.eems.applied', observed: applied, expected: m.eemsIds, source: facts.config?.source },
      };
    }
    case 'remote-powershell-restricted': {
      const n = facts.config?.remotePowerShellNonAdminUsers;
      if (n === undefined)
        return {
          state: 'unknown',
          evidence: { fact: 'config.remotePowerShellNonAdminUsers', observed: null, expected: 'collected' },
        };
      return {
        state: n === 0 ? 'in-place' : 'absent',
        evidence: {
          fact: 'config.remotePowerShellNonAdminUsers',
          observed: n,
          expected: 0,
          source: facts.config?.source,
        },
      };
    }
    default: {
      // A kind this version of exaudit cannot judge (a newer catalog): never "in place".
      const kind = (m as { kind?: unknown }).kind;
      return { state: 'unknown', evidence: { fact: `mitigation kind ${String(kind)}`, observed: 'not judged' } };
    }
  }
}

export function evaluateAdvisory(advisoryId: string, facts: Facts, catalog: Catalog, asOf: string): CheckResult[] {
  const adv = catalog.advisory(advisoryId);
  if (!adv)
    return [{ status: 'error', code: 'advisory-missing', message: `The catalog has no advisory ${advisoryId}.` }];
  return withBuild(facts, catalog, asOf, null, (info) => {
    const states = cveStates(catalog, info).filter((s) => adv.cves.includes(s.id) && s.state !== 'not-affected');
    const open = states.filter((s) => s.state === 'open').map((s) => s.id);
    const unknown = states.filter((s) => s.state === 'indeterminate').map((s) => s.id);
    const base = buildEvidence(facts, info);
    const mits = adv.mitigations.map((m) => ({ m, ...mitigationState(m, facts, info) }));
    const missing = [...new Set(states.flatMap((s) => s.missingUpdates))];
    // The one install that brings the server current names the updates it includes (SUs are cumulative per CU).
    const current = missing.length ? currentUpdate(catalog, info) : undefined;
    const remediation = missing.length
      ? current
        ? `${installText(current)}, which includes ${missing.join(', ')}.`
        : `Install ${missing.join(', ')} (or a later CU with its latest SU).`
      : undefined;
    const scope = (m: Mitigation) =>
      `covers ${m.covers.join(', ')}${m.doesNotCover ? `; does not cover: ${m.doesNotCover}` : ''}`;
    const expectedText = (e: unknown) => valueText(e);
    const mitEvidence = mits.map(({ m, state, evidence }) => ({
      ...evidence,
      fact: `mitigation ${m.id} (${state})${m.verified ? '' : ' [not verified]'}: ${m.title}`,
      expected: `${expectedText(evidence.expected)}${evidence.expected === undefined ? '' : '. '}This mitigation ${scope(m)}`,
    }));
    /** Each mitigation in place, with what it covers and what it leaves open (they are all partial by nature). */
    const listInPlace = (xs: typeof mits) => xs.map((x, i) => `(${i + 1}) ${x.m.title}: ${scope(x.m)}`).join(' ');
    if (!open.length && !unknown.length) {
      const leftovers = mits.filter((x) => x.state === 'in-place' && x.m.sideEffects);
      return [
        {
          status: 'pass',
          code: 'patched',
          message: `${info.name} has the updates that fix ${adv.cves.join(', ')}.${leftovers.length ? ` Interim mitigations are still in place and can be rolled back: ${leftovers.map((x) => x.m.sideEffects).join(' ')}` : ''}`,
          cves: adv.cves,
          evidence: [base],
        },
      ];
    }
    // Covered: a mitigation for it is in place, or every mitigation for it is not needed on this product
    // (2019 has no Unified Messaging, so the UM path of CVE-2021-26857 does not exist there).
    const covered = (id: string) => {
      const relevant = mits.filter((x) => x.m.covers.includes(id));
      return (
        relevant.some((x) => x.state === 'in-place') ||
        (relevant.length > 0 && relevant.every((x) => x.state === 'not-needed'))
      );
    };
    const inPlace = mits.filter((x) => x.state === 'in-place');
    const exposed = [...open, ...unknown];
    if (unknown.length && !open.length) {
      return [
        {
          status: 'indeterminate',
          code: 'su-unknown',
          message: `${info.name}: the build is known only to the CU; whether the updates for ${unknown.join(', ')} are installed is unknown.${mits.length ? ` Interim mitigations: ${mits.map((x) => `${x.m.id} ${x.state}`).join(', ')}.` : ''}`,
          cves: unknown,
          evidence: [base, ...mitEvidence],
          ...(remediation ? { remediation } : {}),
        },
      ];
    }
    if (!adv.mitigations.length) {
      return [
        {
          status: 'fail',
          code: 'exposed',
          severity: 'critical',
          message: `${info.name} is exposed to ${open.join(', ')} (${adv.title}); no interim mitigation exists, only the update.`,
          cves: open,
          evidence: [base],
          ...(remediation ? { remediation } : {}),
        },
      ];
    }
    if (exposed.every(covered)) {
      const notNeeded = mits.filter((x) => x.state === 'not-needed');
      return [
        {
          status: 'mitigated',
          code: 'mitigated',
          severity: 'high',
          message: `${info.name} is exposed by build to ${exposed.join(', ')}; interim mitigations cover each of them, every one only in part: ${listInPlace(inPlace)}${notNeeded.length ? ` Not needed on Exchange ${info.product}: ${notNeeded.map((x) => x.m.title).join('; ')}.` : ''} Install the update: mitigations only block known attack paths.`,
          cves: exposed,
          evidence: [base, ...mitEvidence],
          ...(remediation ? { remediation } : {}),
        },
      ];
    }
    const anyUnknown = mits.some((x) => x.state === 'unknown');
    const partial = mits.filter((x) => x.state === 'in-place');
    const uncovered = exposed.filter((id) => !covered(id));
    return [
      {
        status: 'fail',
        code: partial.length ? 'partially-mitigated' : anyUnknown ? 'exposed-mitigations-unknown' : 'exposed',
        severity: 'critical',
        message: `${info.name} is exposed to ${exposed.join(', ')} (${adv.title}).${partial.length ? ` In place, each only in part: ${listInPlace(partial)}` : ''} Not covered: ${uncovered.join(', ')}.${
          anyUnknown
            ? ` Not collected: ${mits
                .filter((x) => x.state === 'unknown')
                .map((x) => x.m.id)
                .join(', ')}.`
            : ''
        }`,
        cves: exposed,
        evidence: [base, ...mitEvidence],
        ...(remediation ? { remediation } : {}),
      },
    ];
  });
}
