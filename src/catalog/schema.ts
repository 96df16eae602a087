/**
 * zod schemas for the rules catalog (DESIGN.md §3). The catalog is data in rules/, validated at load;
 * every entry names its sources (keys of `catalog.sources` or URLs). A fact that could not be verified
 * carries `verified: false` and reports say so.
 */
import { RE2JS } from 're2js';
import { z } from 'zod';
import { Product } from '../facts/schema.js';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a YYYY-MM-DD date');
const build4 = z
  .string()
  .regex(/^15\.[0-2]\.\d{1,4}\.\d{1,3}$/, 'expected a four-part 15.x build without zero padding');
const sources = z.array(z.string().min(1)).min(1, 'every entry names at least one source');
const cveId = z.string().regex(/^(CVE-\d{4}-\d{4,7}|ADV\d{6,8})$/, 'expected CVE-YYYY-NNNN or ADVnnnnnn');

/** A required, non-empty list; "missing" says which list when it is left out. */
const requiredList = <T extends z.ZodType>(item: T, what: string) =>
  z
    .array(item, { error: (iss) => (iss.input === undefined ? `missing: list the ${what}` : undefined) })
    .min(1, `empty: list at least one of the ${what}`);

export const SourceRef = z.object({
  title: z.string(),
  url: z.string().optional(),
  snapshot: z.string().optional().describe('commit or retrieval date of the copy that was read'),
});

export const CatalogMeta = z.object({
  name: z.string(),
  version: z.string(),
  date,
  description: z.string().optional(),
  sources: z.record(z.string(), SourceRef),
  notes: z.array(z.string()).optional(),
});

export const Esu = z.object({
  name: z.string(),
  start: date,
  end: date,
  covers: z.array(z.string()).describe('CUs covered, e.g. ["CU23"]'),
  verified: z.boolean().default(true),
  sources,
});

export const ProductEntry = z.object({
  id: Product,
  name: z.string(),
  majorMinor: z.enum(['15.0', '15.1', '15.2']),
  releaseDate: date,
  mainstreamEnd: date.nullable(),
  extendedEnd: date.nullable().describe('null when Microsoft published no end date (Modern Lifecycle)'),
  supportedCus: z.array(z.string()).describe('CUs Microsoft still serviced at the end of support, or now'),
  esu: z.array(Esu).default([]),
  notes: z.array(z.string()).optional(),
  sources,
});

export const BuildEntry = z.object({
  build: build4,
  product: Product,
  cu: z.string().describe('RTM, CU1 … CU23, SP1 (= 2013 CU4)'),
  update: z.string().nullable().describe('Update id (Mar21SU) or null for the CU itself'),
  name: z.string(),
  kb: z
    .string()
    .regex(/^KB\d{6,7}$/)
    .nullable(),
  releaseDate: date.nullable(),
  esuOnly: z.boolean().optional().describe('Distributed only to Extended Security Update customers'),
  /**
   * Another source's number for `update` on this CU (HealthChecker's 15.1.1415.8 for Microsoft's 15.1.1415.10). The
   * build is known, but it is judged below `aliasOf`: the update counts as installed only from Microsoft's build on.
   */
  aliasOf: build4.optional(),
  verified: z.boolean().default(true),
  notes: z.array(z.string()).optional(),
  sources,
});

export const UpdateFix = z.object({
  product: Product,
  cu: z.string(),
  build: build4,
  kb: z
    .string()
    .regex(/^KB\d{6,7}$/)
    .nullable()
    .optional(),
  esuOnly: z.boolean().optional().describe('Distributed only to Extended Security Update customers'),
});

export const UpdateEntry = z.object({
  id: z
    .string()
    .regex(/^[A-Z][a-z]{2}\d{2}(SU|HU|RU\d*)(v\d)?$/, 'expected an id such as Mar21SU, Apr25HU or Nov24SUv2'),
  type: z.enum(['SU', 'HU', 'RU']),
  title: z.string(),
  releaseDate: date,
  kbs: z.array(z.string()).default([]),
  fixes: z.array(UpdateFix).min(1),
  esuOnly: z.boolean().optional(),
  /** CVEs listed as fixed by this update, in any product (the CVE entry says for which products). */
  cves: z.array(cveId).default([]),
  cvesVerified: z.boolean().default(true),
  verified: z.boolean().default(true),
  notes: z.array(z.string()).optional(),
  sources,
});

/**
 * A configuration that changes a CVE's state on a build. Kinds (each judged by the cve-exposure check):
 *  - override-reopens: the update's fix is turned off by an Accepted SettingOverride (parameter=false).
 *  - serialization-signing: needs signing of PowerShell serialization payloads enabled (2016/2019/SE
 *    SettingOverride, 2013 registry); before the update the build alone decides.
 *  - extended-protection: needs Extended Protection configured; on a build that cannot take EP, open by build.
 *  - download-domains, outside-in, token-cache-module, net-framework, ad-schema, ad-acl, os-smb: closed or opened
 *    by facts outside the build (on the server, in AD or in the OS).
 *  - hybrid-app: a hybrid organization needs the dedicated Exchange hybrid application and the shared service
 *    principal's keyCredentials cleaned up (CVE-2025-53786, CISA ED 25-02); judged from facts.hybrid.
 * A discriminated union: a kind that is judged from a list (overrides, builds) cannot leave it out or empty, so a
 * condition with nothing to check is a catalog error, never a silent "closed".
 */
const conditionBase = {
  products: z.array(Product).optional().describe('Products the condition applies to; all affected when absent'),
  /** The condition only exists below these builds (e.g. the AD schema issue is fixed by 2016 CU21's schema). */
  appliesBelow: z.record(z.string(), build4).optional(),
  description: z.string(),
  remediation: z.string().optional(),
};
/**
 * Builds that can take the closing step (EP support, download domains). A build can when it is at or above the
 * listed build of its own CU, or on a CU newer than every listed CU of its product; otherwise the CVE is open by build.
 */
const requiresBuild = requiredList(build4, 'builds that can take the step');
export const CveCondition = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('override-reopens'),
    ...conditionBase,
    /** Any of these Component\\Section\\Parameter set to false re-opens the CVE. */
    overrides: requiredList(z.string().min(1), 'overrides that re-open the CVE'),
  }),
  z.object({
    kind: z.literal('serialization-signing'),
    ...conditionBase,
    /** True when a default installation is exposed once the updates are in (e.g. 2013 serialization signing is off). */
    defaultOpen: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('extended-protection'), ...conditionBase, requiresBuild }),
  z.object({ kind: z.literal('download-domains'), ...conditionBase, requiresBuild }),
  ...(
    ['outside-in', 'token-cache-module', 'net-framework', 'ad-schema', 'ad-acl', 'os-smb', 'hybrid-app'] as const
  ).map((kind) => z.object({ kind: z.literal(kind), ...conditionBase })),
]);

export const CveEntry = z.object({
  id: cveId,
  title: z.string().nullable(),
  cvss: z.number().min(0).max(10).nullable(),
  cvssVector: z.string().nullable().optional(),
  published: date.nullable().optional(),
  exploited: z.boolean().describe('Exploited in the wild (KEV-listed or MSRC/CISA says so)'),
  kev: z
    .object({
      dateAdded: date,
      dueDate: date.nullable(),
      ransomware: z.enum(['Known', 'Unknown']).nullable().optional(),
      verified: z.boolean().default(true),
    })
    .nullable()
    .optional(),
  products: z.array(Product).describe('Products whose builds the catalog judges for this CVE'),
  /** Updates that fix it; a CVE is open on a build while any of these is missing for the build's product. */
  fixedBy: z.array(z.object({ update: z.string(), products: z.array(Product).min(1) })).default([]),
  conditions: z.array(CveCondition).default([]),
  advisories: z.array(z.string()).optional(),
  verified: z.boolean().default(true),
  notes: z.array(z.string()).optional(),
  sources,
});

export type CatalogMeta = z.infer<typeof CatalogMeta>;
export type ProductEntry = z.infer<typeof ProductEntry>;
export type BuildEntry = z.infer<typeof BuildEntry>;
export type UpdateEntry = z.infer<typeof UpdateEntry>;
export type UpdateFix = z.infer<typeof UpdateFix>;
export type CveEntry = z.infer<typeof CveEntry>;
export type CveCondition = z.infer<typeof CveCondition>;

/** A URL-rewrite rule that counts as a mitigation (matched against facts.iis.rewriteRules). */
export const RewriteRuleSpec = z.object({
  name: z
    .string()
    .optional()
    .describe('Required rule name; absent = any name (HealthChecker matches ProxyNotShell rules by content)'),
  input: z.string().optional(),
  pattern: z.string(),
  actions: z.array(z.string()).min(1),
  matchUrl: z.string().optional(),
});

const mitigationBase = {
  id: z.string(),
  title: z.string(),
  covers: z.array(z.string()).min(1).describe('CVEs this mitigation addresses while the update is missing'),
  doesNotCover: z.string().optional(),
  products: z.array(Product).optional(),
  sideEffects: z.string().optional(),
  verified: z.boolean().default(true),
  sources,
};
const names = (what: string) => requiredList(z.string().min(1), `${what} this mitigation needs`);
/**
 * An interim mitigation, discriminated by kind: each kind carries the non-empty list it is judged by, so a
 * mitigation with nothing to check is a catalog error and can never be judged "in place". Unknown keys are errors
 * too (a misspelt list name would otherwise leave the list out).
 */
export const Mitigation = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('rewrite-rules'),
      ...mitigationBase,
      rules: requiredList(RewriteRuleSpec, 'rewrite rules this mitigation needs'),
      /** Remote evidence: the scan probe whose "blocked" outcome shows the rewrite rules act. */
      probe: z.string().optional(),
    })
    .strict(),
  z.object({ kind: z.literal('services-disabled'), ...mitigationBase, services: names('services') }).strict(),
  z.object({ kind: z.literal('app-pools-stopped'), ...mitigationBase, appPools: names('application pools') }).strict(),
  z.object({ kind: z.literal('eems-applied'), ...mitigationBase, eemsIds: names('EEMS mitigation ids') }).strict(),
  z.object({ kind: z.literal('remote-powershell-restricted'), ...mitigationBase }).strict(),
]);

export const Advisory = z.object({
  id: z.string(),
  title: z.string(),
  cves: z.array(cveId).min(1),
  published: date,
  summary: z.string(),
  mitigations: z.array(Mitigation).default([]),
  references: z.array(z.string()).default([]),
  sources,
});
export type Mitigation = z.infer<typeof Mitigation>;
export type Advisory = z.infer<typeof Advisory>;
export type RewriteRuleSpec = z.infer<typeof RewriteRuleSpec>;

/** Extended Protection expectations per virtual directory (HealthChecker's table, css-exchange.md §d). */
export const ExtendedProtectionSpec = z.object({
  cves: z.array(cveId),
  /** Builds from which EP is supported, per CU (same semantics as CveCondition.requiresBuild). */
  supportedFrom: z.array(build4),
  virtualDirectories: z.array(
    z.object({
      site: z.string(),
      path: z.string(),
      expected: z.enum(['None', 'Allow', 'Require']),
      notOn2013: z.boolean().optional(),
    }),
  ),
  sources,
});
export type ExtendedProtectionSpec = z.infer<typeof ExtendedProtectionSpec>;

/**
 * What an indicator reads (the sweep tells inputs apart by path and first lines): log records (HttpProxy and IIS
 * W3C logs, ECP server and OAB generator logs, event logs in every exported shape), web page contents (.aspx .ashx
 * .asmx .asax .config), file paths (files found by the walk, inside archives and in listings) and Test-ProxyLogon's
 * own exports. `listing` is the older name of `path`.
 */
export const LogSource = z.enum(['httpproxy', 'iis', 'ecp', 'oabgen', 'eventlog', 'aspx', 'path', 'tplexport']);
export type LogSource = z.infer<typeof LogSource>;
const SourceName = z.preprocess((v) => (v === 'listing' ? 'path' : v), LogSource);

/**
 * Patterns run on RE2's linear-time engine (re2js), so a crafted record can never make a rule backtrack: RE2 has no
 * look-around and no back-references, and a pattern that uses them does not load.
 */
const compiles = (pattern: string) => {
  try {
    RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
    return true;
  } catch {
    return false;
  }
};
const regexText = z
  .string()
  .min(1)
  .refine(compiles, 'not a valid RE2 pattern (RE2 has no look-around or back-references: use allOf / noneOf)');
const regexList = z.array(regexText).min(1);

/**
 * An indicator of compromise (rules/iocs/*.yaml). Strict, and it must match on something: an indicator with no
 * criterion, or wildcards with no field to apply them to, would match every record. Every criterion given must
 * hold. Text criteria (regex, allOf, anyOf, noneOf, flow) read the record's text: the fields named in `fields`
 * joined by spaces, else the whole record (a log line, an event's fields, a page's contents, a path), percent-decoded
 * when it holds a %XX escape; for web pages, `squeeze` reads the contents lower-cased with white space, comments and
 * string concatenation ("ev"+"al") removed.
 */
export const Indicator = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a kebab-case id'),
    advisory: z.string(),
    severity: z.enum(['critical', 'high', 'medium', 'low', 'info']),
    /** One kind of input or several (a rule on URLs reads HttpProxy and IIS logs alike), always a list once parsed. */
    source: z.union([SourceName, z.array(SourceName).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
    explanation: z.string(),
    field: z.string().optional(),
    like: z.array(z.string().min(1)).min(1).optional(),
    notLike: z.array(z.string().min(1)).min(1).optional(),
    equals: z.record(z.string(), z.string()).optional(),
    /** Like equals, any one of the values. */
    oneOf: z.record(z.string(), z.array(z.string()).min(1)).optional(),
    contains: z.record(z.string(), z.string()).optional(),
    level: z
      .string()
      .regex(/^[A-Za-z]+$/, 'expected a level name such as Error')
      .optional(),
    fields: z.array(z.string()).min(1).optional(),
    squeeze: z.boolean().optional(),
    regex: regexText.optional(),
    captureNotContains: z.string().optional(),
    allOf: regexList.optional(),
    anyOf: regexList.optional(),
    noneOf: regexList.optional(),
    /** Data flow in a page: a name assigned from request input (group 1 of `from`) reaching `to` ({1} is the name). */
    flow: z
      .object({ from: regexText, to: z.string().min(1).includes('{1}') })
      .strict()
      .optional(),
    /** The input's file name (without its folder) must match. */
    fileName: regexText.optional(),
    /** The input's size must be below this (bytes), as YARA's filesize conditions. */
    maxBytes: z.number().int().positive().optional(),
    stronger: z.object({ field: z.string(), empty: z.boolean(), note: z.string() }).strict().optional(),
    /**
     * Text a matching record must contain (any one, case-insensitive, literal): the sweep finds these in the raw
     * input and judges only the records that hold one. A rule that reads a log and has none makes every record of
     * its kind be parsed.
     */
    prefilter: z.array(z.string().min(1)).optional(),
    sources,
  })
  .strict()
  .refine(
    (i) =>
      !!(
        i.like ||
        i.equals ||
        i.oneOf ||
        i.contains ||
        i.level ||
        i.regex ||
        i.allOf ||
        i.anyOf ||
        i.flow ||
        i.fileName
      ),
    {
      message:
        'an indicator needs a criterion (like, equals, oneOf, contains, level, regex, allOf, anyOf, flow or fileName)',
    },
  )
  .refine((i) => !(i.like || i.notLike) || !!i.field, {
    message: 'like and notLike need the field they apply to',
    path: ['field'],
  });
export type Indicator = z.output<typeof Indicator>;

const EvidenceRuleObject = z
  .object({
    check: z.string(),
    /** Only findings about these CVEs. */
    cves: z.array(cveId).min(1).optional(),
    /** Only findings about these catalog updates or the CVEs they fix. */
    updates: z.array(z.string()).min(1).optional(),
    /** Only findings about CVEs listed in CISA KEV (per the catalog). */
    kev: z.boolean().optional(),
    codes: z.array(z.string()).min(1).optional(),
  })
  .strict();
/** A check name alone, or a check narrowed to CVEs, updates, KEV or codes; always the object form once parsed. */
const EvidenceRule = z.union([
  z.string().transform((check): z.output<typeof EvidenceRuleObject> => ({ check })),
  EvidenceRuleObject,
]);
export type EvidenceRule = z.output<typeof EvidenceRule>;

/** One required action of a directive and what evidences it (see reports/directives.ts for the judging). */
export const DirectiveAction = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    ref: z.string(),
    title: z.string(),
    requires: z.string(),
    due: date.optional(),
    dueText: z.string().optional(),
    evidence: z.array(EvidenceRule).default([]),
    /** The server's CU must be one of these (per product; "*" = any) for the named update. */
    eligible: z
      .object({ update: z.string(), cus: z.record(z.string(), z.array(z.string()).min(1)) })
      .strict()
      .optional(),
    /** sweep: hits mean not met; trigger: hits mean the action is required. */
    ioc: z.enum(['sweep', 'trigger']).optional(),
    /** The action is not applicable on a server where this check is not_applicable (e.g. hybrid-app). */
    appliesIf: z.string().optional(),
    /** What the agency attests by hand. */
    manual: z.string().optional(),
    /** The limits of the automated evidence. */
    note: z.string().optional(),
  })
  .strict();
export type DirectiveAction = z.output<typeof DirectiveAction>;

/** A CISA directive (rules/directives/*.yaml): each required action mapped to evidence. */
export const Directive = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a directive id such as ed-21-02'),
    title: z.string(),
    issued: date,
    source: z.string().url(),
    sources,
    verified: z.boolean().default(true),
    scope: z.string(),
    actions: z.array(DirectiveAction).min(1),
  })
  .strict();
export type Directive = z.output<typeof Directive>;

/**
 * Thresholds and expected values of the security settings HealthChecker judges (rules/healthchecker/*.yaml): each
 * section is one setting's data, citing HealthChecker's file (repository, path, commit) or Microsoft's page. The
 * files of the folder are merged into one object; a section defined twice is an error.
 */
const Citation = z
  .object({
    repository: z.string().min(1),
    path: z.string().min(1),
    commit: z.string().regex(/^[0-9a-f]{7,40}$/, 'expected a git commit'),
  })
  .strict();
const version4 = z.string().regex(/^\d+\.\d+\.\d+\.\d+$/, 'expected a four-part file version');
const settingBase = {
  sources,
  /** HealthChecker's files this section restates. */
  cite: z.array(Citation).default([]),
  notes: z.array(z.string()).optional(),
  verified: z.boolean().default(true),
};
const section = <T extends z.ZodRawShape>(shape: T) => z.object({ ...shape, ...settingBase }).strict();

export const SecuritySettingsRules = z
  .object({
    /** CVE-2023-36434 / CVE-2023-21709: IIS TokenCacheModule loaded and cachtokn.dll below the fixed version. */
    tokenCache: section({
      cves: z.array(cveId).min(1),
      module: z.string().min(1),
      /** Fixed cachtokn.dll product version per Windows build (the file's build part). */
      fixedVersions: z.record(z.string().regex(/^\d+$/), version4),
      /** Windows builds from this one on are not affected (HealthChecker skips them). */
      notAffectedFromOsBuild: z.number().int(),
    }).optional(),
    /** CVE-2020-1147: .NET Framework System.Data.dll and System.Configuration.dll. */
    netFramework: section({
      cves: z.array(cveId).min(1),
      files: z.array(z.string().min(1)).min(1),
      minFileBuildPart: z.number().int(),
      /** With .NET 4.8 (this release or later) the build part must reach net48MinFileBuildPart. */
      net48MinRelease: z.number().int(),
      net48MinFileBuildPart: z.number().int(),
      minLastWriteUtc: date,
    }).optional(),
    /** CVE-2020-0796: SMBv3 compression on Windows Server 1903/1909 below the fixed UBR. */
    smbCompression: section({
      cves: z.array(cveId).min(1),
      products: z.array(Product).min(1),
      osBuilds: z.array(z.number().int()).min(1),
      fixedUbr: z.number().int(),
      /** LanmanServer\Parameters DisableCompression value that works around it. */
      workaroundDisableCompression: z.number().int(),
    }).optional(),
    /** CVE-2022-21978: Deny WriteProperty ACEs on each domain root and the MESO container version. */
    adAcl: section({
      cves: z.array(cveId).min(1),
      inheritedObjectType: z.string().uuid(),
      aces: z
        .array(z.object({ group: z.string().min(1), objectType: z.string().uuid(), attribute: z.string() }).strict())
        .min(1),
      mesoMinObjectVersion: z.number().int(),
      /** Schema at the Exchange 2013 level (ms-Exch-Schema-Version-Pt rangeUpper below this): mesoMinObjectVersion2013. */
      schema2013BelowRangeUpper: z.number().int(),
      mesoMinObjectVersion2013: z.number().int(),
    }).optional(),
    /** CVE-2021-34470: the schema class that must not list computer in possSuperiors. */
    adSchema: section({
      cves: z.array(cveId).min(1),
      schemaClass: z.string().min(1),
      badPossSuperior: z.string().min(1),
    }).optional(),
    /** TLS: SCHANNEL protocol settings, .NET strong crypto, cipher suites. */
    tls: section({
      /** required: must be enabled; disable: should be disabled; conditional: only where supportedWhere holds. */
      protocols: z
        .array(
          z
            .object({
              version: z.enum(['1.0', '1.1', '1.2', '1.3']),
              expect: z.enum(['required', 'disable', 'conditional']),
              /** Enabled (absent registry values) by default on the OS. */
              enabledByDefault: z.boolean(),
              /** For conditional: the builds (per product, or any build of the product) and the OS build from which it is supported. */
              supportedFrom: z
                .object({
                  builds: z.array(build4).default([]),
                  products: z.array(Product).default([]),
                  osBuild: z.number().int(),
                })
                .strict()
                .optional(),
            })
            .strict(),
        )
        .length(4),
      /** .NET Framework v4 values that must be 1 (native and WOW6432Node). */
      dotNetRequired: z.array(z.string().min(1)).min(1),
      /** Cipher suite names matching any of these (case-insensitive substrings) are weak. */
      weakCipherSuites: z.array(z.string().min(1)).min(1),
    }).optional(),
    /** Exchange certificates. */
    certificates: section({
      minRsaKeySize: z.number().int(),
      expiryFailDays: z.number().int(),
      expiryWarnDays: z.number().int(),
      /** Signature algorithm OIDs of weak hashes, with the hash's name. */
      weakSignatureOids: z.record(z.string().regex(/^\d+(\.\d+)+$/), z.string()),
      eccKeyOid: z.string().regex(/^\d+(\.\d+)+$/),
    }).optional(),
    /** IIS native (global) modules. */
    iisModules: section({
      /** A module counts as signed by Microsoft when the signer's subject contains this (case-sensitive). */
      microsoftSigner: z.string().min(1),
    }).optional(),
    /** HTTP Strict Transport Security. */
    hsts: section({
      minMaxAge: z.number().int(),
      frontEndSite: z.string().min(1),
      backEndSite: z.string().min(1),
    }).optional(),
    /** AES256-CBC protected content: the build and the MSIPC registry ACL. */
    aes256Cbc: section({
      supportedFrom: z.string().min(1),
      registryKey: z.string().min(1),
      rule: z
        .object({
          sid: z.string().regex(/^S-\d+(-\d+)+$/),
          rights: z.number().int(),
          type: z.enum(['Allow', 'Deny']),
          inheritanceFlags: z.number().int(),
          propagationFlags: z.number().int(),
        })
        .strict(),
    }).optional(),
    /** LSA settings: LAN Manager authentication level, Credential Guard, FIPS. */
    lsa: section({
      lmCompatibilityLevelMinimum: z.number().int().min(0).max(5),
      /** Windows' behaviour when LmCompatibilityLevel is not set. */
      lmCompatibilityLevelDefault: z.number().int().min(0).max(5),
      /** Win32_DeviceGuard SecurityServicesRunning value that means Credential Guard runs. */
      credentialGuardService: z.number().int(),
    }).optional(),
  })
  .strict();
export type SecuritySettingsRules = z.infer<typeof SecuritySettingsRules>;
export const SECURITY_SETTINGS_FOLDER = 'healthchecker';
