/**
 * Helpers shared by checks (files starting with "_" are not checks). Pure: no I/O, no clock.
 */
import type { Facts } from '../src/facts/schema.js';
import type { Catalog } from '../src/catalog/catalog.js';
import type { SecuritySettingsRules } from '../src/catalog/schema.js';
import { buildInfoFromFacts, type BuildInfo } from '../src/catalog/lookup.js';
import type { CheckResult, Severity } from '../src/contract.js';
import { compareBuilds } from '../src/util/version.js';

/** Exchange Online and non-Exchange targets are out of scope for every on-premises check. */
export function outOfScope(facts: Facts): CheckResult | undefined {
  const ex = facts.exchange;
  // The evidence says what showed it (the collector's source: header, path, status), so the reason travels with the finding.
  const evidence = [{ fact: 'exchange.source', observed: ex?.source ?? null }];
  if (ex?.online) {
    const seen = ex.build ? ` (build ${ex.build})` : '';
    return {
      status: 'not_applicable',
      code: 'exchange-online',
      message: `The target answered as Exchange Online${seen}: Microsoft patches it; on-premises checks do not apply.`,
      evidence,
    };
  }
  if (ex?.notExchange)
    return {
      status: 'not_applicable',
      code: 'not-exchange',
      message: `The target does not look like Exchange: ${ex.notExchange}.`,
      evidence,
    };
  return undefined;
}

/** The build as the catalog sees it, or an indeterminate result saying why there is none. */
export function buildOf(facts: Facts, catalog: Catalog, asOf: string): { info: BuildInfo } | { result: CheckResult } {
  const scope = outOfScope(facts);
  if (scope) return { result: scope };
  const info = buildInfoFromFacts(catalog, facts, asOf);
  if (info) return { info };
  const build = facts.exchange?.build;
  const inconsistent = facts.exchange?.inconsistent;
  const legacy = build ? legacyFamily(build) : undefined;
  let code = 'build-unknown';
  let message = 'No Exchange build or product was collected.';
  if (legacy) {
    code = 'build-pre-2013';
    message = `${build} is ${legacy}: out of support with no security updates, and older than every product the catalog judges (treat it as exposed).`;
  } else if (build) {
    code = 'build-not-recognised';
    message = `The build "${build}" is not an Exchange 2013, 2016, 2019 or SE build the catalog can judge.`;
  } else if (inconsistent) {
    code = 'build-inconsistent';
    message = `The build was not claimed: the observations contradict each other (${inconsistent}).`;
  }
  return {
    result: {
      status: 'indeterminate',
      code,
      message,
      evidence: [{ fact: 'exchange.build', observed: build ?? null, source: facts.exchange?.source }],
    },
  };
}

/**
 * The prelude most checks share: not applicable on Edge when `edge` names what does not apply there (null: it
 * applies on Edge too), the
 * out-of-scope or missing-build result when there is no build to judge, otherwise `judge` with the build.
 */
export function withBuild(
  facts: Facts,
  catalog: Catalog,
  asOf: string,
  edge: string | null,
  judge: (info: BuildInfo) => CheckResult[],
): CheckResult[] {
  const onEdge = edge === null ? undefined : edgeNotApplicable(facts, edge);
  if (onEdge) return [onEdge];
  const r = buildOf(facts, catalog, asOf);
  return 'result' in r ? [r.result] : judge(r.info);
}

/** Exchange versions before 2013 by their major version (14 = 2010, 8 = 2007, 6.5 = 2003); undefined for 15.x and non-builds. */
export function legacyFamily(build: string): string | undefined {
  const m = /^\s*(\d{1,2})\.(\d{1,2})\.\d+(\.\d+)?\s*$/.exec(build);
  if (!m) return undefined;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  if (maj === 14) return 'Exchange 2010';
  if (maj === 8) return 'Exchange 2007';
  if (maj === 6 && min === 5) return 'Exchange 2003';
  return undefined;
}

/** Is this an Edge Transport server (exchange.edge, or an Edge role)? undefined when roles were not collected. */
export function isEdge(facts: Facts): boolean | undefined {
  const ex = facts.exchange;
  const byRole = ex?.roles ? ex.roles.some((r) => /^edge/i.test(r)) : undefined;
  if (ex?.edge || byRole) return true;
  return ex?.edge ?? byRole;
}

/**
 * CVSS base score to severity (≥9 critical, ≥7 high, ≥4 medium, else low). Exploited or KEV-listed CVEs are
 * critical whatever the score; an unknown score is high (never understated).
 */
export function severityFromCvss(cvss: number | null | undefined, exploited = false): Severity {
  if (exploited) return 'critical';
  if (cvss === null || cvss === undefined) return 'high';
  if (cvss >= 9) return 'critical';
  if (cvss >= 7) return 'high';
  if (cvss >= 4) return 'medium';
  return 'low';
}

export function buildEvidence(facts: Facts, info: BuildInfo) {
  return {
    fact: 'exchange.build',
    observed: info.build ?? info.productName,
    // Expected only where it differs: a current build has nothing to expect.
    expected: info.latestBuild && info.latestBuild !== info.build ? info.latestBuild : undefined,
    source: `${facts.exchange?.source ?? 'unknown'} (precision ${info.precision})`,
  };
}

/** HealthChecker skips these security checks on Edge Transport servers (css-exchange.md §a5). */
export function edgeNotApplicable(facts: Facts, what: string): CheckResult | undefined {
  if (isEdge(facts)) {
    return {
      status: 'not_applicable',
      code: 'edge-server',
      message: `${what} does not apply to an Edge Transport server.`,
    };
  }
  return undefined;
}

/** Accepted SettingOverrides for Component\Section, with a parameter's value (case-insensitive). */
export function overrideValues(facts: Facts, component: string, section: string, parameter: string): string[] {
  return (facts.config?.settingOverrides ?? [])
    .filter(
      (o) =>
        (o.status === undefined || /^accepted$/i.test(o.status)) &&
        o.component.toLowerCase() === component.toLowerCase() &&
        o.section.toLowerCase() === section.toLowerCase(),
    )
    .flatMap((o) =>
      o.parameters
        .map((p) => p.split('='))
        .filter(([k]) => k?.trim().toLowerCase() === parameter.toLowerCase())
        .map(([, v]) => (v ?? '').trim()),
    );
}

/**
 * The Emergency Mitigation Service exists from 2016 CU22 and 2019 CU11, and in SE (css-exchange.md §a5);
 * undefined when only the product (2016 or 2019) is known.
 */
export function eemsAvailable(info: BuildInfo): boolean | undefined {
  if (info.product === 'SE') return true;
  if (info.product === '2013') return false;
  const probe = info.cuBuild ?? info.build;
  if (!probe) return undefined;
  return compareBuilds(probe, info.product === '2016' ? '15.1.2375.7' : '15.2.986.5') >= 0;
}

/**
 * An indeterminate result for facts that were not collected, naming why when the collector said so (its
 * notCollected entry or its error for that group). A check never reads a missing group as "fine".
 */
export function notCollected(facts: Facts, group: string, what: string, code: string): CheckResult {
  const related = (g: string) => g === group || g.startsWith(`${group}.`) || group.startsWith(`${g}.`);
  const why = [
    ...(facts.notCollected ?? []).filter((n) => related(n.group)).map((n) => n.reason),
    ...(facts.collectors ?? [])
      .flatMap((c) => c.errors ?? [])
      .filter((e) => related(e.group))
      .map((e) => e.message),
  ];
  return {
    status: 'indeterminate',
    code,
    message: `Not collected: ${what}${why.length ? ` (${why.join('; ')})` : ''}.`,
    evidence: [{ fact: group, observed: null, expected: 'collected' }],
    remediation:
      'Run the collector (exaudit audit --ssh/--local, or the collector script in the Exchange Management Shell).',
  };
}

/** Files of rules/healthchecker/ that hold each security-setting section (for "the catalog has no … rules"). */
const SETTING_FILES: Record<keyof SecuritySettingsRules, string> = {
  tokenCache: 'windows.yaml',
  netFramework: 'windows.yaml',
  smbCompression: 'windows.yaml',
  lsa: 'windows.yaml',
  adAcl: 'ad.yaml',
  adSchema: 'ad.yaml',
  tls: 'tls.yaml',
  certificates: 'exchange.yaml',
  iisModules: 'exchange.yaml',
  hsts: 'exchange.yaml',
  aes256Cbc: 'exchange.yaml',
};

/**
 * The prelude of a security-setting check: out of scope (Exchange Online, not Exchange), not applicable on Edge when
 * `edge` names what does not apply there, indeterminate when the catalog lacks the setting's rules; otherwise
 * `judge` with them.
 */
export function withSettingRules<K extends keyof SecuritySettingsRules>(
  facts: Facts,
  catalog: Catalog,
  key: K,
  edge: string | null,
  judge: (spec: NonNullable<SecuritySettingsRules[K]>) => CheckResult[],
): CheckResult[] {
  const scope = outOfScope(facts) ?? (edge === null ? undefined : edgeNotApplicable(facts, edge));
  if (scope) return [scope];
  const spec = catalog.securitySettings[key];
  if (!spec)
    return [
      {
        status: 'indeterminate',
        code: 'no-rules',
        message: `The catalog has no ${key} rules (rules/healthchecker/${SETTING_FILES[key]}).`,
      },
    ];
  return judge(spec as NonNullable<SecuritySettingsRules[K]>);
}

/** A fail with one piece of evidence, the shape most security-setting findings take. */
export function failed(r: {
  key: string;
  code: string;
  severity?: Severity;
  message: string;
  fact: string;
  observed: unknown;
  expected?: unknown;
  source?: string;
  remediation: string;
}): CheckResult {
  return {
    status: 'fail',
    code: r.code,
    key: r.key,
    ...(r.severity ? { severity: r.severity } : {}),
    message: r.message,
    evidence: [{ fact: r.fact, observed: r.observed, expected: r.expected, source: r.source }],
    remediation: r.remediation,
  };
}

/** A function that adds a failed() result about one fact to `out` (for checks that report several problems). */
export function failsInto(out: CheckResult[], fact: string, source: string | undefined) {
  return (
    key: string,
    code: string,
    severity: Severity | undefined,
    message: string,
    observed: unknown,
    remediation: string,
  ) => out.push(failed({ key, code, severity, message, fact, observed, source, remediation }));
}
