/**
 * HealthChecker import: HealthChecker.ps1 writes, per server, `HealthChecker-<server>-<time>.xml` with
 * `Export-Clixml -Depth 2` of {HealthCheckerExchangeServer, HtmlServerValues, DisplayResults}
 * (Features/Invoke-HealthCheckerMainReport.ps1 in microsoft/CSS-Exchange).
 *
 * Depth 2 matters. Past two levels Export-Clixml writes an object as its ToString text, so in the usual file
 * `HealthCheckerExchangeServer.ExchangeInformation` is a string and the raw data (ExSetup version, IIS, setting
 * overrides) is gone. What survives is HealthChecker's own analysed lines (`DisplayResults`: one list per
 * section, each line with Name and DisplayValue as primitives), and those are read here: "Build Number" is the
 * ExSetup.exe file version, so the build is exact. A file exported deeper (or re-exported by hand) keeps the raw
 * objects; they are preferred where present. Everything else is recorded as not collected, with why, so the
 * checks say `indeterminate` instead of guessing. HealthChecker's own verdicts are kept as evidence in
 * `facts.healthChecker`, never used as exaudit's.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { PsDictionary, PsObject, itemsOf, parseClixml, pathOf } from './clixml.js';
import { parseFacts } from '../../facts/validate.js';
import { InputError } from '../../util/errors.js';
import { parseBuild, productOfBuild } from '../../util/version.js';
import type { FactsInput } from '../../facts/schema.js';
import { loadEachFile, type OfflineLoad } from './facts-files.js';
import { securityFactsFromHealthChecker } from './healthchecker-security.js';

/** Largest export read: a real one is 0.5–3 MB; anything far larger is not a HealthChecker file. */
const MAX_BYTES = 64 * 1024 * 1024;
const HINT = 'pass the HealthChecker-<server>-<time>.xml file that HealthChecker.ps1 writes next to its HTML report';

interface Line {
  section: string;
  name: string;
  value: string;
}

const str = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (v instanceof PsObject)
    return (
      v.toStringValue ??
      (v.value !== undefined && !(v.value instanceof PsDictionary) && !Array.isArray(v.value)
        ? String(v.value)
        : undefined)
    );
  if (typeof v === 'object') return undefined;
  return String(v);
};
/** A raw object only: a string here is depth-truncated text, not data. */
const obj = (v: unknown): PsObject | undefined => (v instanceof PsObject ? v : undefined);

/** DisplayResults → lines in section order (DisplayOrder), each with HealthChecker's name and displayed value. */
function displayLines(displayResults: unknown): Line[] {
  const dict =
    displayResults instanceof PsDictionary
      ? displayResults
      : obj(displayResults)?.value instanceof PsDictionary
        ? (obj(displayResults)!.value as PsDictionary)
        : undefined;
  if (!dict) return [];
  const sections = dict.entries
    .map((e) => ({
      name: str(pathOf(e.key, ['Name'])) ?? str(e.key) ?? '',
      order: Number(pathOf(e.key, ['DisplayOrder']) ?? 0),
      items: itemsOf(e.value),
    }))
    .sort((a, b) => a.order - b.order);
  const lines: Line[] = [];
  for (const s of sections) {
    for (const item of s.items) {
      const name = str(pathOf(item, ['Name'])) ?? '';
      const custom = str(pathOf(item, ['CustomName']));
      const value = str(pathOf(item, ['DisplayValue'])) ?? '';
      if (!name && !value) continue; // table rows (OutColumns) do not survive depth 2
      lines.push({ section: s.name, name: name || (custom ?? ''), value: value.replace(/\r?\n\t*/g, ' ').trim() });
    }
  }
  return lines;
}

const lineValue = (lines: Line[], section: string, name: string): string | undefined =>
  lines.find((l) => l.section === section && l.name === name)?.value;

const CVE_RE = /\b(CVE-\d{4}-\d{4,7}|ADV\d{6,8})\b/g;

/** One HealthChecker export → Facts (validated by the Facts schema, like every other source). */
export function factsFromHealthChecker(root: unknown, file: string): FactsInput {
  const hc = pathOf(root, ['HealthCheckerExchangeServer']);
  if (!(hc instanceof PsObject)) {
    throw new InputError(
      `${file}: a PowerShell CLIXML file, but not a HealthChecker export (no HealthCheckerExchangeServer object)`,
      HINT,
    );
  }
  const lines = displayLines(pathOf(root, ['DisplayResults']));
  const exInfo = obj(pathOf(hc, ['ExchangeInformation']));
  const osInfo = obj(pathOf(hc, ['OSInformation']));
  const serverName = str(pathOf(hc, ['ServerName'])) ?? lineValue(lines, 'Exchange Information', 'Name');
  if (!serverName)
    throw new InputError(
      `${file}: HealthChecker export without a server name (HealthCheckerExchangeServer.ServerName)`,
      HINT,
    );
  const generated = pathOf(hc, ['GenerationTime']);
  const generatedAt =
    typeof generated === 'string' && !Number.isNaN(Date.parse(generated))
      ? new Date(generated).toISOString()
      : undefined;
  const hcVersion = str(pathOf(hc, ['HealthCheckerVersion']));
  const depth = exInfo ? 'full' : 'display';
  const source = `HealthChecker ${hcVersion ?? '(version unknown)'} export ${basename(file)}${generatedAt ? ` of ${generatedAt}` : ''}`;
  const notCollected: Array<{ group: string; reason: string }> = [];
  const truncated =
    "the export holds only HealthChecker's displayed results (Export-Clixml -Depth 2 turns the raw data into text)";

  // Build: the raw ExSetup file version when the export kept it, otherwise the "Build Number" line (the same value).
  const rawBuild =
    str(pathOf(exInfo, ['BuildInformation', 'ExchangeSetup', 'FileVersion'])) ??
    str(pathOf(exInfo, ['BuildInformation', 'VersionInformation', 'BuildVersion']));
  const shownBuild = lineValue(lines, 'Exchange Information', 'Build Number');
  // Get-ExchangeServer's AdminDisplayVersion names the CU only (SUs do not change it): CU precision, last resort.
  const adminDisplayVersion = str(pathOf(exInfo, ['GetExchangeServer', 'AdminDisplayVersion']));
  const buildText = rawBuild || shownBuild || adminDisplayVersion;
  const build = buildText ? parseBuild(buildText) : undefined;
  const versionName =
    str(pathOf(exInfo, ['BuildInformation', 'VersionInformation', 'FriendlyName'])) ??
    lineValue(lines, 'Exchange Information', 'Version');
  const role =
    str(pathOf(exInfo, ['BuildInformation', 'ServerRole'])) ?? lineValue(lines, 'Exchange Information', 'Server Role');
  const edgeRaw = pathOf(exInfo, ['GetExchangeServer', 'IsEdgeServer']);
  const exchange: NonNullable<FactsInput['exchange']> = {
    source: `${source}: ${rawBuild ? 'BuildInformation.ExchangeSetup (ExSetup.exe file version)' : shownBuild ? '"Build Number" (ExSetup.exe file version)' : 'GetExchangeServer.AdminDisplayVersion (CU only)'}`,
    precision: build ? (build.parts.length === 4 ? 'exact' : 'cu') : 'none',
  };
  if (adminDisplayVersion) exchange.adminDisplayVersion = adminDisplayVersion;
  if (build) {
    exchange.build = build.text;
    const product = productOfBuild(build.text);
    if (product) exchange.product = product;
    exchange.observations = [
      {
        build: build.text,
        precision: build.parts.length === 4 ? 'exact' : 'cu',
        source: exchange.source,
        ...(versionName ? { evidence: `${versionName} (${buildText})` } : { evidence: buildText! }),
      },
    ];
  } else {
    notCollected.push({
      group: 'exchange.build',
      reason: buildText
        ? `HealthChecker's build "${buildText}" is not a build number`
        : 'the export has no build number',
    });
  }
  if (role) {
    exchange.roles = role.split(/[,\s]+/).filter(Boolean);
    exchange.edge = typeof edgeRaw === 'boolean' ? edgeRaw : /edge/i.test(role);
  }

  const facts: FactsInput = {
    schemaVersion: '1',
    target: { name: serverName },
    ...(generatedAt ? { collectedAt: generatedAt } : {}),
    collectors: [
      {
        name: 'healthchecker',
        ...(hcVersion ? { version: hcVersion } : {}),
        ...(generatedAt ? { startedAt: generatedAt } : {}),
      },
    ],
    exchange,
  };

  // Operating system.
  const osName =
    str(pathOf(osInfo, ['BuildInformation', 'FriendlyName'])) ??
    lineValue(lines, 'Operating System Information', 'Product Name');
  const osVersion =
    str(pathOf(osInfo, ['BuildInformation', 'BuildVersion'])) ??
    lineValue(lines, 'Operating System Information', 'Version');
  if (osName || osVersion) {
    const m = osVersion?.match(/^(\d+\.\d+)\.(\d+)(?:\.(\d+))?/);
    facts.os = {
      source: `${source}: Operating System Information`,
      ...(osName ? { caption: osName } : {}),
      ...(m ? { version: `${m[1]}.${m[2]}`, build: Number(m[2]), ...(m[3] ? { ubr: Number(m[3]) } : {}) } : {}),
    };
  }

  // Configuration HealthChecker shows in a form that maps without guessing: EEMS.
  const config: NonNullable<FactsInput['config']> = { source: `${source}: Security Settings` };
  const eems = eemsFacts(exInfo, root, lines);
  if (eems) config.eems = eems;
  // The security settings (issue 16): raw objects when the export kept them, else the displayed lines.
  const security = securityFactsFromHealthChecker(hc, lines, generatedAt, source);
  Object.assign(config, security.config);
  if (!config.settingOverrides && !config.effectiveOverrides)
    notCollected.push({
      group: 'config.settingOverrides',
      reason: `${truncated}; HealthChecker shows only whether overrides exist ("Setting Overrides Detected: ${lineValue(lines, 'Exchange Information', 'Setting Overrides Detected') ?? 'not shown'}")`,
    });
  if (config.eems || config.settingOverrides || config.effectiveOverrides || config.irm) facts.config = config;
  if (security.tls) facts.tls = security.tls;
  if (security.windows) facts.windows = security.windows;
  if (security.certificates) facts.certificates = security.certificates;
  if (security.iis)
    facts.iis = { source: `${source}: ExchangeInformation.IISSettings; Exchange IIS Information`, ...security.iis };
  notCollected.push(
    {
      group: 'iis.virtualDirectories',
      reason: `${truncated}: per-virtual-directory Extended Protection, URL-rewrite rules and app pools are not in it; run exaudit's collector (exaudit audit --ssh or --local)`,
    },
    {
      group: 'config.diagnosticsRegistry',
      reason: `${truncated}; serialization signing, AMSI providers and download domains need exaudit's collector`,
    },
    ...security.notCollected,
  );
  facts.notCollected = notCollected;

  // HealthChecker's own verdicts, kept as evidence (exaudit judges from its catalog, not from these).
  const vulnerabilities = [
    ...new Set(lines.filter((l) => l.name === 'Security Vulnerability').flatMap((l) => l.value.match(CVE_RE) ?? [])),
  ].sort();
  facts.healthChecker = {
    file: basename(file),
    ...(hcVersion ? { version: hcVersion } : {}),
    ...(generatedAt ? { generatedAt } : {}),
    export: depth,
    vulnerabilities,
    lines: lines.map((l) => ({ section: l.section, name: l.name, value: l.value })),
  };
  return facts;
}

/** EEMS from the raw objects (MitigationsEnabled at org and server) or HealthChecker's displayed state. */
function eemsFacts(
  exInfo: PsObject | undefined,
  root: unknown,
  lines: Line[],
): NonNullable<FactsInput['config']>['eems'] | undefined {
  const server = obj(pathOf(exInfo, ['GetExchangeServer']));
  const org = obj(pathOf(root, ['HealthCheckerExchangeServer', 'OrganizationInformation', 'GetOrganizationConfig']));
  const out: NonNullable<NonNullable<FactsInput['config']>['eems']> = {};
  if (server && typeof server.props['MitigationsEnabled'] === 'boolean')
    out.serverEnabled = server.props['MitigationsEnabled'] as boolean;
  if (org && typeof org.props['MitigationsEnabled'] === 'boolean')
    out.orgEnabled = org.props['MitigationsEnabled'] as boolean;
  const section = 'Security Settings';
  const state = lineValue(lines, section, 'Exchange Emergency Mitigation Service');
  // Invoke-AnalyzerSecurityMitigationService.ps1: the four displayed states and what each means.
  const STATES: Record<string, { orgEnabled: boolean; serverEnabled: boolean }> = {
    Enabled: { orgEnabled: true, serverEnabled: true },
    'Disabled on org level': { orgEnabled: false, serverEnabled: true },
    'Disabled on server level': { orgEnabled: true, serverEnabled: false },
    Disabled: { orgEnabled: false, serverEnabled: false },
  };
  const shown = state ? STATES[state] : undefined;
  if (shown) {
    out.orgEnabled ??= shown.orgEnabled;
    out.serverEnabled ??= shown.serverEnabled;
  }
  const service = lineValue(lines, section, 'Windows service');
  // "Running" means Running and Automatic; "Investigate" means not both.
  if (service === 'Running') {
    out.serviceStatus = 'Running';
    out.serviceStartMode = 'Automatic';
  } else if (service === 'Investigate')
    out.serviceStatus = 'Investigate (HealthChecker found it stopped or not set to start automatically)';
  const pattern = lineValue(lines, section, 'Pattern service');
  if (pattern) out.patternServiceReachable = /^200\b/.test(pattern);
  const applied = lines.filter((l) => l.section === section && l.name === 'Mitigation applied').map((l) => l.value);
  const blocked = lines.filter((l) => l.section === section && l.name === 'Mitigation blocked').map((l) => l.value);
  if (applied.length) out.applied = applied;
  if (blocked.length) out.blocked = blocked;
  return Object.keys(out).length ? out : undefined;
}

/** HealthChecker's own file pattern, without its DC core-ratio report (Get-ExportedHealthCheckerFiles.ps1). */
const HEALTHCHECKER_FILES = {
  option: '--healthchecker',
  matches: (f: string) => /^HealthChecker-.+-.+\.xml$/i.test(f) && !/^HealthChecker-ExchangeDCCoreRatio-/i.test(f),
  noneInFolder: 'no HealthChecker-<server>-<time>.xml files in this folder',
};

/** Reads HealthChecker exports (files or folders); a bad file is a problem for that file only. */
export function loadHealthCheckerFiles(paths: string[]): OfflineLoad {
  return loadEachFile(paths, HEALTHCHECKER_FILES, (file) => {
    const size = statSync(file).size;
    if (size > MAX_BYTES) throw new InputError(`${file}: ${size} bytes, too large for a HealthChecker export`, HINT);
    const objects = parseClixml(readFileSync(file, 'utf8'), file);
    if (objects.length !== 1)
      throw new InputError(`${file}: holds ${objects.length} objects; a HealthChecker export holds one`, HINT);
    const facts = parseFacts(factsFromHealthChecker(objects[0], file), file);
    return [{ target: facts.target.name, facts }];
  });
}
