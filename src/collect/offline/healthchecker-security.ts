/**
 * The security settings of a HealthChecker export, as facts (issue 16): from the raw objects when the export kept
 * them (a deeper Export-Clixml), otherwise from HealthChecker's displayed lines where a line says the setting without
 * guessing. What neither holds is listed as not collected, so the checks say indeterminate.
 *
 * Raw objects (HealthChecker's data collection): OSInformation.TLSSettings (Registry.TLS, Registry.NET,
 * TlsCipherSuite), OSInformation.Smb1ServerSettings, OSInformation.RegistryValues, OSInformation.
 * CredentialGuardCimInstance, OSInformation.NETFramework, ExchangeInformation.RegistryValues, ExchangeInformation.
 * IISSettings (IISModulesInformation, IISTokenCacheModuleInformation), ExchangeInformation.SettingOverrides (the
 * effective, VariantConfiguration list), OrganizationInformation.GetSettingOverride and GetIrmConfiguration.
 * Displayed lines: "TLS 1.x", "SMB1 Installed", "SMB1 Blocked", "LmCompatibilityLevel Settings", "Credential Guard
 * Enabled", "FIPS Algorithm Policy Enabled", the certificate lines and "Invalid: <file>".
 */
import { PsDictionary, PsObject, itemsOf, pathOf } from './clixml.js';
import type { FactsInput } from '../../facts/schema.js';

export interface DisplayLine {
  section: string;
  name: string;
  value: string;
}
type Config = NonNullable<FactsInput['config']>;
type Iis = NonNullable<FactsInput['iis']>;

export interface SecurityFacts {
  tls?: FactsInput['tls'];
  windows?: FactsInput['windows'];
  certificates?: FactsInput['certificates'];
  iis?: Partial<Iis>;
  config?: Partial<Config>;
  notCollected: { group: string; reason: string }[];
}

const obj = (v: unknown): PsObject | undefined => (v instanceof PsObject ? v : undefined);
const num = (v: unknown): number | null | undefined => {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
  if (v instanceof PsObject && typeof v.value === 'number') return v.value;
  return undefined;
};
const bool = (v: unknown): boolean | undefined =>
  typeof v === 'boolean' ? v : typeof v === 'string' && /^(true|false)$/i.test(v) ? /^true$/i.test(v) : undefined;
const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : v instanceof PsObject ? v.toStringValue : typeof v === 'number' ? String(v) : undefined;
/** A dictionary's value by key, whether the export kept it as a hashtable or a property bag. */
const entry = (v: unknown, key: string): unknown =>
  v instanceof PsDictionary
    ? v.get(key)
    : obj(v)?.value instanceof PsDictionary
      ? (obj(v)!.value as PsDictionary).get(key)
      : pathOf(v, [key]);

/** TLS from OSInformation.TLSSettings (raw), else the "TLS 1.x" lines (HealthChecker's classification). */
function tlsFacts(os: PsObject | undefined, lines: DisplayLine[], source: string): FactsInput['tls'] | undefined {
  const settings = obj(pathOf(os, ['TLSSettings']));
  const registry = pathOf(settings, ['Registry']);
  const protocols: NonNullable<FactsInput['tls']>['protocols'] = [];
  for (const version of ['1.0', '1.1', '1.2', '1.3'] as const) {
    const raw = obj(entry(pathOf(registry, ['TLS']), version));
    if (raw)
      protocols.push({
        version,
        serverEnabled: num(raw.props['ServerEnabledValue']) ?? null,
        serverDisabledByDefault: num(raw.props['ServerDisabledByDefaultValue']) ?? null,
        clientEnabled: num(raw.props['ClientEnabledValue']) ?? null,
        clientDisabledByDefault: num(raw.props['ClientDisabledByDefaultValue']) ?? null,
      });
    else {
      const shown = lines.find((l) => l.section === 'Security Settings' && l.name === `TLS ${version}`)?.value;
      if (shown === 'Enabled' || shown === 'Disabled' || shown === 'Half Disabled' || shown === 'Misconfigured')
        protocols.push({ version, configuration: shown });
    }
  }
  if (!protocols.length) return undefined;
  const dotNet = ['NETv4', 'NETv2']
    .map((k) => obj(entry(pathOf(registry, ['NET']), k)))
    .filter((n): n is PsObject => !!n)
    .map((n) => ({
      version: text(n.props['NetVersion']) ?? '',
      systemDefaultTlsVersions: num(n.props['SystemDefaultTlsVersionsValue']) ?? null,
      schUseStrongCrypto: num(n.props['SchUseStrongCryptoValue']) ?? null,
      wowSystemDefaultTlsVersions: num(n.props['WowSystemDefaultTlsVersionsValue']) ?? null,
      wowSchUseStrongCrypto: num(n.props['WowSchUseStrongCryptoValue']) ?? null,
    }));
  const suites = itemsOf(pathOf(settings, ['TlsCipherSuite']))
    .map((c) => text(pathOf(c, ['Name'])))
    .filter((n): n is string => !!n);
  return {
    source: `${source}: ${registry ? 'OSInformation.TLSSettings' : '"TLS 1.x" lines (HealthChecker\'s classification)'}`,
    protocols,
    ...(dotNet.length ? { dotNet } : {}),
    ...(suites.length
      ? { cipherSuites: suites, cipherSuitesSource: `${source}: OSInformation.TLSSettings.TlsCipherSuite` }
      : {}),
  };
}

/** Windows: SMB, LSA, Device Guard and .NET files, raw first, then the displayed lines. */
function windowsFacts(
  os: PsObject | undefined,
  exInfo: PsObject | undefined,
  lines: DisplayLine[],
  source: string,
): FactsInput['windows'] | undefined {
  const shown = (section: string, name: string) => lines.find((l) => l.section === section && l.name === name)?.value;
  const out: NonNullable<FactsInput['windows']> = {};
  const osRegistry = obj(pathOf(os, ['RegistryValues']));
  // SMB
  const smbRaw = obj(pathOf(os, ['Smb1ServerSettings']));
  const smb: NonNullable<NonNullable<FactsInput['windows']>['smb']> = { source: `${source}: ` };
  if (smbRaw) {
    smb.source += 'OSInformation.Smb1ServerSettings';
    if (bool(smbRaw.props['SuccessfulGetInstall'])) smb.smb1Installed = bool(smbRaw.props['Installed']);
    if (bool(smbRaw.props['SuccessfulGetBlocked'])) {
      const blocked = bool(smbRaw.props['IsBlocked']);
      if (blocked !== undefined) smb.smb1Enabled = !blocked;
    }
  } else {
    smb.source += '"SMB1 Installed" and "SMB1 Blocked" lines';
    const installed = bool(shown('Security Settings', 'SMB1 Installed'));
    const blocked = bool(shown('Security Settings', 'SMB1 Blocked'));
    if (installed !== undefined) smb.smb1Installed = installed;
    if (blocked !== undefined) smb.smb1Enabled = !blocked;
  }
  const compression = num(osRegistry?.props['LanManServerDisabledCompression']);
  if (compression !== undefined) smb.disableCompression = compression;
  if (smb.smb1Installed !== undefined || smb.smb1Enabled !== undefined || smb.disableCompression !== undefined)
    out.smb = smb;
  // LSA: HealthChecker shows LmCompatibilityLevel with Windows' default (3) already applied when the value is unset.
  const lsa: NonNullable<NonNullable<FactsInput['windows']>['lsa']> = { source: `${source}: ` };
  const exRegistry = obj(pathOf(exInfo, ['RegistryValues']));
  if (osRegistry) {
    lsa.source += 'OSInformation.RegistryValues; ExchangeInformation.RegistryValues';
    const lm = num(osRegistry.props['LmCompatibilityLevel']);
    if (lm !== undefined) lsa.lmCompatibilityLevel = lm;
    const cg = num(osRegistry.props['CredentialGuard']);
    if (cg !== undefined) lsa.lsaCfgFlags = cg;
    const fips = num(exRegistry?.props['FipsAlgorithmPolicyEnabled']);
    if (fips !== undefined) lsa.fipsAlgorithmPolicy = fips;
  } else {
    lsa.source +=
      '"LmCompatibilityLevel Settings", "Credential Guard Enabled" and "FIPS Algorithm Policy Enabled" lines';
    const lm = num(shown('Security Settings', 'LmCompatibilityLevel Settings'));
    if (lm !== undefined) lsa.lmCompatibilityLevel = lm;
    const fips = num(shown('Frequent Configuration Issues', 'FIPS Algorithm Policy Enabled'));
    if (fips !== undefined) lsa.fipsAlgorithmPolicy = fips;
    // "False" means HealthChecker found neither the LsaCfgFlags value nor the running service (its own rule).
    const cg = shown('Frequent Configuration Issues', 'Credential Guard Enabled');
    if (cg && /^false/i.test(cg)) {
      lsa.lsaCfgFlags = 0;
      out.deviceGuard = { source: `${source}: "Credential Guard Enabled" line`, securityServicesRunning: [] };
    } else if (cg && /^true/i.test(cg)) lsa.lsaCfgFlags = 1;
  }
  if (lsa.lmCompatibilityLevel !== undefined || lsa.lsaCfgFlags !== undefined || lsa.fipsAlgorithmPolicy !== undefined)
    out.lsa = lsa;
  const running = pathOf(os, ['CredentialGuardCimInstance']);
  if (Array.isArray(running) || (running instanceof PsObject && Array.isArray(running.value)))
    out.deviceGuard = {
      source: `${source}: OSInformation.CredentialGuardCimInstance`,
      securityServicesRunning: itemsOf(running)
        .map(num)
        .filter((n): n is number => typeof n === 'number'),
    };
  // .NET Framework files (CVE-2020-1147)
  const net = obj(pathOf(os, ['NETFramework']));
  const fileInfo = pathOf(net, ['FileInformation']);
  const files = ['System.Data.dll', 'System.Configuration.dll']
    .map((name) => ({ name, f: obj(entry(fileInfo, name)) }))
    .filter((x) => x.f)
    .map(({ name, f }) => ({
      name,
      fileBuildPart: num(pathOf(f, ['VersionInfo', 'FileBuildPart'])),
      lastWriteTimeUtc: text(f!.props['LastWriteTimeUtc']),
    }))
    .filter(
      (x): x is { name: string; fileBuildPart: number; lastWriteTimeUtc: string } =>
        typeof x.fileBuildPart === 'number' && !!x.lastWriteTimeUtc,
    );
  const release = num(pathOf(net, ['MajorVersion']));
  if (files.length)
    out.dotNet = {
      source: `${source}: OSInformation.NETFramework`,
      files: files.map((f) => ({ ...f, lastWriteTimeUtc: new Date(f.lastWriteTimeUtc).toISOString() })),
      ...(typeof release === 'number' ? { release } : {}),
    };
  return Object.keys(out).length ? out : undefined;
}

/** Certificates from the displayed lines: one group of lines per certificate, starting at "Certificate". */
function certificateFacts(
  lines: DisplayLine[],
  generatedAt: string | undefined,
  source: string,
): FactsInput['certificates'] | undefined {
  if (!generatedAt) return undefined;
  const list: NonNullable<FactsInput['certificates']>['list'] = [];
  let current: (typeof list)[number] | undefined;
  let auth: string | undefined;
  for (const l of lines.filter((x) => x.section === 'Security Settings')) {
    if (l.name === 'Certificate') {
      current = { thumbprint: '', notAfter: '' };
      list.push(current);
      continue;
    }
    if (!current) continue;
    if (l.name === 'FriendlyName' && l.value) current.friendlyName = l.value;
    else if (l.name === 'Thumbprint') current.thumbprint = l.value;
    else if (l.name === 'Lifetime in days' && /^-?\d+$/.test(l.value))
      // HealthChecker shows whole days left at its run: the expiry is known to the day.
      current.notAfter = new Date(Date.parse(generatedAt) + Number(l.value) * 86_400_000).toISOString();
    else if (l.name === 'Key size' && /^\d+$/.test(l.value)) {
      current.keySize = Number(l.value);
      current.keyAlgorithmOid = '1.2.840.113549.1.1.1';
    } else if (l.name === 'Signature Hash Algorithm') current.signatureAlgorithm = l.value;
    else if (l.name === 'Current Auth Certificate' && /^true$/i.test(l.value)) auth = current.thumbprint;
  }
  const complete = list.filter((c) => c.thumbprint && c.notAfter);
  if (!complete.length) return undefined;
  return {
    source: `${source}: certificate lines (expiry = export time + "Lifetime in days")`,
    list: complete,
    ...(auth ? { authCurrentThumbprint: auth } : {}),
  };
}

/** IIS: the global modules and cachtokn.dll (raw), and the files HealthChecker could not parse (lines). */
function iisFacts(exInfo: PsObject | undefined, lines: DisplayLine[]): Partial<Iis> | undefined {
  const iis = obj(pathOf(exInfo, ['IISSettings']));
  const out: Partial<Iis> = {};
  const modules = itemsOf(pathOf(iis, ['IISModulesInformation', 'ModuleList'])).filter((m) => m instanceof PsObject);
  if (modules.length)
    out.globalModules = modules.map((m) => {
      const signed = bool(pathOf(m, ['Signed']));
      const status = num(pathOf(m, ['SignatureDetails', 'SignatureStatus']));
      const signer = text(pathOf(m, ['SignatureDetails', 'Signer']));
      // HealthChecker's Signed is false for NotSigned and the like; its SignatureStatus 0 is Valid.
      const signatureStatus =
        signed === false ? 'NotSigned' : status === 0 ? 'Valid' : status === undefined ? undefined : 'UnknownError';
      return {
        name: text(pathOf(m, ['Name'])) ?? '',
        ...(text(pathOf(m, ['Path'])) ? { image: text(pathOf(m, ['Path']))! } : {}),
        ...(signatureStatus ? { signatureStatus } : {}),
        ...(signer ? { signer } : {}),
        ...(bool(pathOf(m, ['PathNotFound'])) ? { fileFound: false } : {}),
      };
    });
  const cach = obj(pathOf(iis, ['IISTokenCacheModuleInformation']));
  const productVersion = text(cach?.props['ProductVersion']);
  if (productVersion && /^\d+\.\d+\.\d+\.\d+/.test(productVersion))
    out.tokenCacheFile = {
      productVersion: productVersion.split(' ')[0]!,
      ...(typeof num(cach!.props['FileBuildPart']) === 'number'
        ? { fileBuildPart: num(cach!.props['FileBuildPart'])! }
        : {}),
    };
  const invalid = lines.filter((l) => l.section === 'Exchange IIS Information' && /^Invalid: /.test(l.name));
  if (invalid.length) out.configFiles = invalid.map((l) => ({ path: l.name.slice('Invalid: '.length), valid: false }));
  return Object.keys(out).length ? out : undefined;
}

/** Setting overrides, IRM. */
function configFacts(hc: PsObject, exInfo: PsObject | undefined, source: string): Partial<Config> {
  const out: Partial<Config> = {};
  const toOverride = (o: unknown) => ({
    name: text(pathOf(o, ['Name'])) ?? '',
    component: text(pathOf(o, ['ComponentName'])) ?? '',
    section: text(pathOf(o, ['SectionName'])) ?? '',
    parameters: itemsOf(pathOf(o, ['Parameters']))
      .map((p) => text(p) ?? '')
      .filter(Boolean),
    ...(text(pathOf(o, ['Status'])) ? { status: text(pathOf(o, ['Status']))! } : {}),
    ...(itemsOf(pathOf(o, ['Server'])).length
      ? {
          server: itemsOf(pathOf(o, ['Server']))
            .map((x) => text(x) ?? '')
            .filter(Boolean),
        }
      : {}),
    ...(text(pathOf(o, ['MinVersion'])) ? { minVersion: text(pathOf(o, ['MinVersion']))! } : {}),
    ...(text(pathOf(o, ['MaxVersion'])) ? { maxVersion: text(pathOf(o, ['MaxVersion']))! } : {}),
  });
  // HealthChecker's ExchangeInformation.SettingOverrides is Get-ExchangeSettingOverride: the VariantConfiguration list.
  const effective = obj(pathOf(exInfo, ['SettingOverrides']));
  if (effective)
    out.effectiveOverrides = {
      source: `${source}: ExchangeInformation.SettingOverrides (VariantConfiguration)`,
      overrides: itemsOf(pathOf(effective, ['SimpleSettingOverrides'])).map(toOverride),
    };
  const org = obj(pathOf(hc, ['OrganizationInformation']));
  const ad = pathOf(org, ['GetSettingOverride']);
  if (org && ad !== undefined && text(ad) !== 'Unknown') out.settingOverrides = itemsOf(ad).map(toOverride);
  const irm = obj(pathOf(org, ['GetIrmConfiguration']));
  if (irm) {
    const internal = bool(irm.props['InternalLicensingEnabled']);
    const external = bool(irm.props['ExternalLicensingEnabled']);
    out.irm = {
      ...(internal !== undefined ? { internalLicensingEnabled: internal } : {}),
      ...(external !== undefined ? { externalLicensingEnabled: external } : {}),
    };
  }
  return out;
}

/** Every security group a HealthChecker export can give, and what it cannot. */
export function securityFactsFromHealthChecker(
  hc: PsObject,
  lines: DisplayLine[],
  generatedAt: string | undefined,
  source: string,
): SecurityFacts {
  const os = obj(pathOf(hc, ['OSInformation']));
  const exInfo = obj(pathOf(hc, ['ExchangeInformation']));
  const out: SecurityFacts = { notCollected: [] };
  const missing = (group: string, what: string) =>
    out.notCollected.push({
      group,
      reason: `the export holds neither the raw data nor a displayed line for ${what} (HealthChecker's export keeps only what Export-Clixml -Depth 2 leaves)`,
    });
  const tls = tlsFacts(os, lines, source);
  if (tls) out.tls = tls;
  else missing('tls', 'the TLS settings');
  const windows = windowsFacts(os, exInfo, lines, source);
  if (windows) out.windows = windows;
  if (!windows?.smb) missing('windows.smb', 'SMBv1');
  if (!windows?.lsa) missing('windows.lsa', 'the LSA settings');
  if (!windows?.dotNet) missing('windows.dotNet', 'the .NET Framework file versions');
  const certificates = certificateFacts(lines, generatedAt, source);
  if (certificates) out.certificates = certificates;
  else missing('certificates', 'the certificates');
  const iis = iisFacts(exInfo, lines);
  if (iis) out.iis = iis;
  if (!iis?.globalModules) missing('iis.globalModules', 'the IIS modules and their signatures');
  out.config = configFacts(hc, exInfo, source);
  out.notCollected.push({
    group: 'ad',
    reason:
      "HealthChecker's export keeps its Active Directory verdicts, not the ACLs and schema they come from; run exaudit's collector in the Exchange Management Shell",
  });
  return out;
}
