/**
 * The Facts model (DESIGN.md §2): one object per server, produced by collectors, read by checks.
 * Every group is optional; a check whose facts are missing says `indeterminate`, never guesses.
 * Groups carry `source` (where the fact was read) so evidence can cite it. The schema accepts the
 * shapes Windows PowerShell 5.1's ConvertTo-Json produces (numbers for enums are normalised by the
 * collector script, not here), and rejects unknown top-level groups so typos surface.
 */
import { z } from 'zod';

export const FACTS_SCHEMA_VERSION = '1';

const source = z
  .string()
  .min(1)
  .describe('Where the fact was read, e.g. "ExSetup.exe FileVersion" or "X-OWA-Version header"');
const isoTime = z.string().describe('ISO 8601 / RFC 3339 timestamp');

export const Product = z.enum(['2013', '2016', '2019', 'SE']);
export type Product = z.infer<typeof Product>;

export const Precision = z.enum(['exact', 'cu', 'product', 'none']);
export type Precision = z.infer<typeof Precision>;

export const Transport = z.enum(['http', 'ssh', 'local', 'facts', 'healthchecker', 'lab']);

/** A group that a collector tried and could not read, with why (so "missing" is never silent). */
export const NotCollected = z.object({
  group: z.string(),
  reason: z.string(),
});

export const Target = z.object({
  name: z.string().min(1).describe('Host name as given in the inventory or on the command line'),
  address: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  transport: Transport.optional(),
  inventoryFile: z.string().optional().describe('Inventory file that declared this target (for SARIF locations)'),
  inventoryLine: z.number().int().min(1).optional(),
  tags: z.array(z.string()).optional(),
});

export const CollectorRun = z.object({
  name: z.string(),
  version: z.string().optional(),
  startedAt: isoTime.optional(),
  finishedAt: isoTime.optional(),
  durationMs: z.number().nonnegative().optional(),
  errors: z.array(z.object({ group: z.string(), message: z.string() })).optional(),
});

/** One build observation (several per target behind a load balancer). */
export const BuildObservation = z.object({
  build: z.string(),
  precision: Precision,
  source,
  frontEnd: z.string().optional().describe('X-FEServer or the server name that answered'),
  evidence: z.string().optional().describe('Raw header, path or file version as observed'),
});

export const InstalledUpdate = z.object({
  kb: z.string().optional(),
  name: z.string(),
  installedOn: z.string().optional(),
});

export const Exchange = z.object({
  product: Product.optional(),
  build: z.string().optional().describe('Four-part build (exact), three-part (cu) or absent'),
  precision: Precision,
  source,
  observations: z.array(BuildObservation).optional(),
  roles: z.array(z.string()).optional().describe('e.g. Mailbox, ClientAccess, Edge'),
  edge: z.boolean().optional(),
  installPath: z.string().optional(),
  adminDisplayVersion: z.string().optional(),
  installedUpdates: z.array(InstalledUpdate).optional(),
  online: z.boolean().optional().describe('Exchange Online (15.20.x) answered, not an on-premises server'),
  notExchange: z.string().optional().describe('Reason the target is judged not to be Exchange'),
  inconsistent: z
    .string()
    .optional()
    .describe('Remote fingerprints contradict each other (spoofing, stale caches): why; the build is then not claimed'),
  esuEnrolled: z
    .boolean()
    .optional()
    .describe(
      'Attested enrollment in the current Extended Security Update period (Exchange 2016/2019 after 2025-10-14); no collector can read it: set it from licensing records',
    ),
});

/**
 * The exchange group as a facts file may give it: precision and source may be left out (a file with only
 * target and exchange.build is valid). `parseFacts` fills them in: precision from the build's parts, source
 * "facts file (no source given)".
 */
export const ExchangeInput = Exchange.extend({ precision: Precision.optional(), source: source.optional() });

export const Os = z.object({
  caption: z.string().optional(),
  version: z.string().optional().describe('e.g. 10.0.17763'),
  build: z.number().int().optional(),
  ubr: z.number().int().optional(),
  source,
});

export const ServiceState = z.object({
  name: z.string(),
  status: z.string().describe('Running, Stopped, …'),
  startMode: z.string().optional().describe('Automatic, Manual, Disabled'),
  present: z.boolean().optional(),
  source: z.string().optional().describe('Where the state was read, e.g. "Get-Service"'),
});

export const TokenChecking = z.enum(['None', 'Allow', 'Require']);

export const VirtualDirectory = z.object({
  site: z.string().describe('Default Web Site or Exchange Back End'),
  path: z.string().describe('Virtual directory, e.g. OWA, EWS, Microsoft-Server-ActiveSync/Proxy'),
  tokenChecking: TokenChecking.optional(),
  sslFlags: z.string().optional(),
  ipFilterAllowUnlisted: z.boolean().optional().describe('ipSecurity allowUnlisted (false = IP filter in place)'),
});

export const RewriteCondition = z.object({
  input: z.string(),
  pattern: z.string(),
  negate: z.boolean().optional(),
  ignoreCase: z.boolean().optional(),
});

export const RewriteRule = z.object({
  name: z.string(),
  site: z.string().optional().describe('IIS site, default "Default Web Site"'),
  configPath: z.string().optional().describe('web.config or applicationHost.config location that defines it'),
  enabled: z.boolean().optional(),
  patternSyntax: z.string().optional(),
  stopProcessing: z.boolean().optional(),
  matchUrl: z.string().optional(),
  conditions: z.array(RewriteCondition).default([]),
  actionType: z.string().optional().describe('AbortRequest, CustomResponse, Rewrite, …'),
});

export const AppPool = z.object({
  name: z.string(),
  state: z.string().describe('Started, Stopped'),
  autoStart: z.boolean().optional(),
  startMode: z.string().optional(),
});

export const Iis = z.object({
  source,
  virtualDirectories: z.array(VirtualDirectory).optional(),
  rewriteRules: z.array(RewriteRule).optional(),
  rewriteRulesClearedIn: z
    .array(z.string())
    .optional()
    .describe(
      'Child configs (e.g. HttpProxy web.config) whose rewrite/rules has <clear/> or removes the mitigation rules',
    ),
  appPools: z.array(AppPool).optional(),
  globalModules: z
    .array(
      z.object({
        name: z.string(),
        image: z.string().optional(),
        /** Get-AuthenticodeSignature: Valid, NotSigned, HashMismatch, UnknownError, … (absent: not read). */
        signatureStatus: z.string().optional(),
        signer: z.string().optional().describe("The signer certificate's subject"),
        fileFound: z.boolean().optional(),
      }),
    )
    .optional()
    .describe('applicationHost.config system.webServer/globalModules (IIS native modules)'),
  /** %windir%\System32\inetsrv\cachtokn.dll (TokenCacheModule's image; CVE-2023-36434). */
  tokenCacheFile: z
    .object({ productVersion: z.string(), fileBuildPart: z.number().int().optional(), path: z.string().optional() })
    .optional(),
  hsts: z
    .array(
      z.object({
        site: z.string(),
        via: z.enum(['native', 'customHeader']),
        enabled: z.boolean(),
        maxAge: z.number().int().optional(),
        includeSubDomains: z.boolean().optional(),
        preload: z.boolean().optional(),
        redirectHttpToHttps: z.boolean().optional(),
        configPath: z.string().optional(),
      }),
    )
    .optional()
    .describe('HSTS per site: the native <hsts> element and a Strict-Transport-Security custom header; [] = none'),
  configFiles: z
    .array(z.object({ path: z.string(), valid: z.boolean(), error: z.string().optional() }))
    .optional()
    .describe('Every IIS configuration file the collector read, and whether it is well-formed XML'),
  urlRewriteInstalled: z.boolean().optional(),
});

export const SettingOverride = z.object({
  name: z.string(),
  component: z.string(),
  section: z.string(),
  parameters: z.array(z.string()).describe('As Exchange shows them: "Enabled=false"'),
  status: z.string().optional().describe('Accepted, …; only Accepted overrides are effective'),
  server: z.array(z.string()).optional().describe('Servers the override is scoped to; absent or empty = every server'),
  minVersion: z
    .string()
    .optional()
    .describe('Lowest Exchange build the override applies to (Get-SettingOverride MinVersion)'),
  maxVersion: z
    .string()
    .optional()
    .describe('Highest Exchange build the override applies to (Get-SettingOverride MaxVersion)'),
});

/**
 * The overrides this server's processes have loaded: Get-ExchangeDiagnosticInfo -Process
 * Microsoft.Exchange.Directory.TopologyService -Component VariantConfiguration -Argument Overrides (read-only), the
 * view HealthChecker prefers to Get-SettingOverride (which is what AD holds, for every server and version).
 */
export const EffectiveOverrides = z.object({
  source,
  server: z.string().optional(),
  updated: z.string().optional().describe('When the process last refreshed its overrides'),
  overrides: z.array(SettingOverride),
});

/** One access rule of an ACL as Windows reports it (numbers are the .NET enum values). */
export const AclRule = z.object({
  identity: z.string().describe('SID (S-1-5-20) or account name'),
  rights: z.number().int(),
  type: z.enum(['Allow', 'Deny']),
  inheritanceFlags: z.number().int().optional(),
  propagationFlags: z.number().int().optional(),
});

export const Eems = z.object({
  orgEnabled: z.boolean().optional(),
  serverEnabled: z.boolean().optional(),
  serviceStatus: z.string().optional(),
  serviceStartMode: z.string().optional(),
  applied: z.array(z.string()).optional(),
  blocked: z.array(z.string()).optional(),
  dataCollectionEnabled: z.boolean().optional(),
  patternServiceReachable: z.boolean().optional(),
});

export const Amsi = z.object({
  providers: z.array(z.string()).optional().describe('Registered AMSI provider CLSIDs or names'),
});

export const DownloadDomains = z.object({
  enabled: z.boolean().optional(),
  externalHostName: z.string().optional(),
  internalHostName: z.string().optional(),
  owaExternalUrl: z.string().optional(),
  owaInternalUrl: z.string().optional(),
});

export const Config = z.object({
  source,
  settingOverrides: z.array(SettingOverride).optional().describe('Absent = not collected; [] = none exist'),
  eems: Eems.optional(),
  amsi: Amsi.optional(),
  /** HKLM\SOFTWARE\Microsoft\ExchangeServer\v15\Diagnostics values (serialization signing on 2013, base type check, ECC). */
  diagnosticsRegistry: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  /** HKLM\SYSTEM\CurrentControlSet\Control\LSA SuppressExtendedProtection; absent means 0. */
  suppressExtendedProtection: z.number().int().optional(),
  downloadDomains: DownloadDomains.optional(),
  /** FIP-FS Configuration.xml contains the "|NO" OutsideIn override (re-opens ADV24199947). */
  outsideInDisabled: z.boolean().optional(),
  sslOffloading: z.boolean().optional(),
  effectiveOverrides: EffectiveOverrides.optional(),
  /** Get-IRMConfiguration: IRM licensing (AES256-CBC protected content matters only when it is on). */
  irm: z
    .object({ internalLicensingEnabled: z.boolean().optional(), externalLicensingEnabled: z.boolean().optional() })
    .optional(),
  /** HKLM\SOFTWARE\Microsoft\MSIPC\Server: whether it exists and its access rules (AES256-CBC support). */
  msipcServerKey: z.object({ exists: z.boolean(), rules: z.array(AclRule).optional() }).optional(),
  remotePowerShellNonAdminUsers: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('Count of non-admin users with RemotePowerShellEnabled'),
});

export const Hybrid = z.object({
  source,
  configured: z.boolean().describe('Get-HybridConfiguration returned an object, or OAuth to EXO is configured'),
  evoStsAuthServers: z
    .array(
      z.object({
        name: z.string(),
        applicationIdentifier: z.string().optional(),
        enabled: z.boolean().optional(),
      }),
    )
    .optional(),
  firstPartySpKeyCredentials: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('keyCredentials left on the shared Office 365 Exchange Online service principal (tenant side)'),
});

export const TlsInfo = z.object({
  verified: z.boolean(),
  insecure: z.boolean().optional().describe('--insecure was used'),
  subject: z.string().optional(),
  issuer: z.string().optional(),
  altNames: z.array(z.string()).optional(),
  validFrom: z.string().optional(),
  validTo: z.string().optional(),
  fingerprint256: z.string().optional(),
  error: z.string().optional(),
});

export const HttpObservation = z.object({
  technique: z.string().describe('x-owa-version-401, ecp-exporttool-manifest, owa-resource-path, …'),
  method: z.string(),
  path: z.string(),
  status: z.number().int().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  build: z.string().optional(),
  precision: Precision.optional(),
  frontEnd: z.string().optional(),
  evidence: z
    .string()
    .optional()
    .describe('The raw text the build was read from (header, manifest element, resource path)'),
  markers: z
    .array(z.string())
    .optional()
    .describe('Product fingerprints seen (owa-logon-page, proxy-kemp-esp, exo-redirect, …)'),
  error: z.string().optional(),
  durationMs: z.number().optional(),
});

export const MitigationProbe = z.object({
  id: z.string().describe('proxylogon-cookie-rule, proxynotshell-uri-rule'),
  method: z.string(),
  path: z.string(),
  sent: z.string().describe('Exactly what was sent beyond a plain GET'),
  outcome: z.enum(['blocked', 'not-blocked', 'indeterminate']),
  detail: z.string(),
});

export const Http = z.object({
  baseUrl: z.string(),
  hostHeader: z.string().optional(),
  tls: TlsInfo.optional(),
  observations: z.array(HttpObservation),
  mitigationProbes: z.array(MitigationProbe).optional(),
  behindProxy: z.boolean().optional(),
});

/** One SCHANNEL protocol version: the registry values as set (null = not set: the Windows default applies). */
export const TlsProtocol = z.object({
  version: z.enum(['1.0', '1.1', '1.2', '1.3']),
  serverEnabled: z.number().nullable().optional(),
  serverDisabledByDefault: z.number().nullable().optional(),
  clientEnabled: z.number().nullable().optional(),
  clientDisabledByDefault: z.number().nullable().optional(),
  /** HealthChecker's classification, when only that is known (a HealthChecker export); the values win when read. */
  configuration: z.enum(['Enabled', 'Disabled', 'Half Disabled', 'Misconfigured']).optional(),
});

/** TLS: SCHANNEL protocols, .NET Framework TLS values, cipher suites. */
export const Tls = z.object({
  source,
  protocols: z.array(TlsProtocol),
  dotNet: z
    .array(
      z.object({
        version: z.string().describe('v4.0.30319 or v2.0.50727'),
        systemDefaultTlsVersions: z.number().nullable(),
        schUseStrongCrypto: z.number().nullable(),
        wowSystemDefaultTlsVersions: z.number().nullable(),
        wowSchUseStrongCrypto: z.number().nullable(),
      }),
    )
    .optional(),
  cipherSuites: z.array(z.string()).optional(),
  cipherSuitesSource: z.string().optional(),
});

/** Windows settings HealthChecker judges: SMB, LSA, Device Guard, .NET Framework file versions. */
export const Windows = z.object({
  smb: z
    .object({
      source,
      smb1Installed: z.boolean().optional().describe('Get-WindowsFeature FS-SMB1 Installed'),
      smb1Enabled: z.boolean().optional().describe('Get-SmbServerConfiguration EnableSMB1Protocol'),
      disableCompression: z.number().nullable().optional().describe('LanmanServer\\Parameters DisableCompression'),
    })
    .optional(),
  lsa: z
    .object({
      source,
      lmCompatibilityLevel: z.number().nullable().optional(),
      lsaCfgFlags: z.number().nullable().optional(),
      fipsAlgorithmPolicy: z.number().nullable().optional(),
    })
    .optional(),
  deviceGuard: z.object({ source, securityServicesRunning: z.array(z.number()) }).optional(),
  dotNet: z
    .object({
      source,
      release: z.number().int().optional().describe('NDP\\v4\\Full Release (528040 = 4.8)'),
      files: z.array(
        z.object({
          name: z.string(),
          fileVersion: z.string().optional(),
          fileBuildPart: z.number().int(),
          lastWriteTimeUtc: z.string(),
        }),
      ),
    })
    .optional(),
});

/** Active Directory state read over LDAP ([adsi], read-only): schema and per-domain ACLs behind two CVEs. */
export const ActiveDirectory = z.object({
  source,
  schema: z
    .object({
      storageGroupClassFound: z.boolean().describe('classSchema ms-Exch-Storage-Group exists'),
      storageGroupPossSuperiors: z.array(z.string()).optional(),
      schemaVersionRangeUpper: z.number().int().optional().describe('ms-Exch-Schema-Version-Pt rangeUpper'),
    })
    .optional(),
  splitPermissions: z.boolean().optional(),
  groups: z.array(z.object({ name: z.string(), sid: z.string() })).optional(),
  domains: z
    .array(
      z.object({
        name: z.string(),
        dn: z.string().optional(),
        mesoObjectVersion: z.number().int().optional(),
        /** Deny ACEs on the domain root (the ones CVE-2022-21978 needs), as read. */
        denyAces: z
          .array(
            z.object({
              sid: z.string(),
              rights: z.string().describe('ActiveDirectoryRights, e.g. WriteProperty'),
              objectType: z.string(),
              inheritedObjectType: z.string(),
              inheritance: z.string().describe('ActiveDirectorySecurityInheritance, e.g. All'),
            }),
          )
          .optional(),
        error: z.string().optional().describe('Why this domain could not be read'),
      }),
    )
    .optional(),
});

/** Exchange certificates on this server, and which one OAuth uses. */
export const Certificates = z.object({
  source,
  authCurrentThumbprint: z.string().optional(),
  authNextThumbprint: z.string().optional(),
  list: z.array(
    z.object({
      thumbprint: z.string(),
      subject: z.string().optional(),
      friendlyName: z.string().optional(),
      notAfter: isoTime,
      keySize: z.number().int().optional(),
      keyAlgorithmOid: z.string().optional(),
      signatureAlgorithmOid: z.string().optional(),
      signatureAlgorithm: z.string().optional(),
      services: z.string().optional(),
      status: z.string().optional(),
    }),
  ),
});

/** What HealthChecker itself concluded, kept as evidence from an imported export; never used as exaudit's verdict. */
export const HealthCheckerEvidence = z.object({
  file: z.string(),
  version: z.string().optional().describe('HealthCheckerVersion of the script that wrote the export'),
  generatedAt: isoTime.optional(),
  export: z
    .enum(['full', 'display'])
    .describe(
      "full: the raw data objects survived; display: only HealthChecker's displayed results (Export-Clixml -Depth 2)",
    ),
  vulnerabilities: z.array(z.string()).describe('CVE and ADV ids HealthChecker reported as "Security Vulnerability"'),
  lines: z
    .array(z.object({ section: z.string(), name: z.string(), value: z.string() }))
    .describe("HealthChecker's displayed results, section by section"),
});

export const Facts = z
  .object({
    schemaVersion: z.literal(FACTS_SCHEMA_VERSION).optional(),
    target: Target,
    collectedAt: isoTime.optional(),
    collectors: z.array(CollectorRun).optional(),
    notCollected: z.array(NotCollected).optional(),
    exchange: Exchange.optional(),
    os: Os.optional(),
    services: z.array(ServiceState).optional(),
    iis: Iis.optional(),
    config: Config.optional(),
    hybrid: Hybrid.optional(),
    tls: Tls.optional(),
    windows: Windows.optional(),
    ad: ActiveDirectory.optional(),
    certificates: Certificates.optional(),
    http: Http.optional(),
    healthChecker: HealthCheckerEvidence.optional(),
  })
  .strict()
  .meta({ id: 'ExauditFacts', title: 'exaudit facts: what was observed about one Exchange server' });

/** A facts file as people write it (published as reports/schema/facts.schema.json); parseFacts turns it into Facts. */
export const FactsFile = Facts.extend({ exchange: ExchangeInput.optional() })
  .strict()
  .meta({ id: 'ExauditFactsFile', title: 'exaudit facts file: what was observed about one Exchange server' });

export type Facts = z.infer<typeof Facts>;
export type FactsInput = z.input<typeof Facts>;
export type RewriteRule = z.infer<typeof RewriteRule>;
export type VirtualDirectory = z.infer<typeof VirtualDirectory>;
export type SettingOverride = z.infer<typeof SettingOverride>;
export type ServiceState = z.infer<typeof ServiceState>;
export type HttpObservation = z.infer<typeof HttpObservation>;
export type MitigationProbe = z.infer<typeof MitigationProbe>;
export type BuildObservation = z.infer<typeof BuildObservation>;

export { factAt } from './path.js';
