/**
 * Setting overrides as Exchange applies them: the one reader every check that needs an override uses.
 *
 * HealthChecker's order (Get-FilteredSettingOverrideInformation.ps1): the overrides this server's processes loaded
 * (VariantConfiguration, config.effectiveOverrides) when that list has any entry; otherwise what Active Directory
 * holds (Get-SettingOverride, config.settingOverrides), kept only when Accepted and in scope: MinVersion ≤ build ≤
 * MaxVersion and no Server list or one naming this server. Parameters match by name (case-insensitive). Two
 * applicable overrides that set different values are reported as conflicting, never resolved by order.
 */
import type { BuildInfo } from '../src/catalog/lookup.js';
import type { Facts, SettingOverride } from '../src/facts/schema.js';
import { compareBuilds, parseBuild } from '../src/util/version.js';

export interface OverrideValue {
  name: string;
  value: string;
}

export interface OverrideReading {
  /** false: neither list was collected, or an override's scope cannot be decided at this build precision. */
  known: boolean;
  /** Values of the parameter set by the overrides that apply to this server. */
  values: OverrideValue[];
  /** effective: VariantConfiguration; ad: Get-SettingOverride filtered by version and server. */
  from?: 'effective' | 'ad';
  source?: string;
  /** Why `known` is false. */
  reason?: string;
}

const accepted = (o: SettingOverride) => o.status === undefined || /^accepted$/i.test(o.status.trim());
const shortName = (name: string) => name.split('.')[0]!.trim().toLowerCase();

/** Does an AD override apply to this server and build? undefined when the build is not precise enough to say. */
function inScope(o: SettingOverride, server: string, info: BuildInfo | undefined): boolean | undefined {
  if (o.server?.length && !o.server.some((s) => shortName(s) === shortName(server))) return false;
  if (!o.minVersion && !o.maxVersion) return true;
  if (!info?.build || info.precision !== 'exact') return undefined;
  const v = (text: string | undefined) => (text ? parseBuild(text)?.text : undefined);
  const min = v(o.minVersion);
  const max = v(o.maxVersion);
  if (min && compareBuilds(info.build, min) < 0) return false;
  if (max && compareBuilds(info.build, max) > 0) return false;
  return true;
}

/** The overrides that apply to this server, from the best list collected. */
export function applicableOverrides(
  facts: Facts,
  info: BuildInfo | undefined,
): { known: boolean; overrides: SettingOverride[]; from?: 'effective' | 'ad'; source?: string; reason?: string } {
  const cfg = facts.config;
  const effective = cfg?.effectiveOverrides;
  if (effective && effective.overrides.length)
    return {
      known: true,
      overrides: effective.overrides.filter(accepted),
      from: 'effective',
      source: effective.source,
    };
  const ad = cfg?.settingOverrides;
  if (!ad)
    return effective
      ? { known: true, overrides: [], from: 'effective', source: effective.source }
      : { known: false, overrides: [], reason: 'setting overrides were not collected' };
  const kept: SettingOverride[] = [];
  const undecided: string[] = [];
  for (const o of ad.filter(accepted)) {
    const scope = inScope(o, facts.target.name, info);
    if (scope === undefined) undecided.push(o.name);
    else if (scope) kept.push(o);
  }
  const source = cfg.source;
  if (undecided.length)
    return {
      known: false,
      overrides: kept,
      from: 'ad',
      source,
      reason: `whether ${undecided.join(', ')} applies depends on the exact build (MinVersion/MaxVersion)`,
    };
  return { known: true, overrides: kept, from: 'ad', source };
}

/** One parameter of Component\Section as the server applies it. */
export function readOverride(
  facts: Facts,
  info: BuildInfo | undefined,
  component: string,
  section: string,
  parameter: string,
): OverrideReading {
  const list = applicableOverrides(facts, info);
  const values: OverrideValue[] = [];
  for (const o of list.overrides) {
    if (o.component.toLowerCase() !== component.toLowerCase() || o.section.toLowerCase() !== section.toLowerCase())
      continue;
    for (const p of o.parameters) {
      const eq = p.indexOf('=');
      if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== parameter.toLowerCase()) continue;
      values.push({ name: o.name, value: p.slice(eq + 1).trim() });
    }
  }
  return {
    known: list.known,
    values,
    ...(list.from ? { from: list.from } : {}),
    ...(list.source ? { source: list.source } : {}),
    ...(list.reason ? { reason: list.reason } : {}),
  };
}

/** The one value the server applies: undefined when none; 'conflict' when applicable overrides disagree. */
export function overrideValue(r: OverrideReading): string | undefined | 'conflict' {
  const distinct = [...new Set(r.values.map((v) => v.value.toLowerCase()))];
  if (!distinct.length) return undefined;
  return distinct.length > 1 ? 'conflict' : r.values[0]!.value;
}

/** Where an override reading came from, for evidence. */
export function overrideSource(r: { from?: 'effective' | 'ad'; source?: string }): string {
  const via =
    r.from === 'effective'
      ? "the server's effective overrides (VariantConfiguration)"
      : r.from === 'ad'
        ? 'Get-SettingOverride, filtered by MinVersion, MaxVersion and Server'
        : 'not collected';
  return r.source ? `${via}: ${r.source}` : via;
}
