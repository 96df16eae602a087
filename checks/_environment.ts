/**
 * CVE conditions decided by the server's environment rather than its build, judged from the facts with the
 * thresholds in rules/healthchecker/ (HealthChecker's rules): the IIS TokenCacheModule (CVE-2023-36434), .NET
 * Framework files (CVE-2020-1147), SMBv3 compression (CVE-2020-0796), the AD domain ACLs and MESO version
 * (CVE-2022-21978) and the AD schema (CVE-2021-34470). Each says open, closed, mitigated (a workaround) or unknown,
 * with what it observed; "not collected" is always unknown, never closed.
 */
import type { Catalog } from '../src/catalog/catalog.js';
import type { BuildInfo } from '../src/catalog/lookup.js';
import type { Facts } from '../src/facts/schema.js';

export type EnvVerdict = 'open' | 'closed' | 'mitigated' | 'unknown';
export interface EnvJudgement {
  verdict: EnvVerdict;
  /** What was observed, in words, or why it is unknown. */
  observed: string;
  source?: string;
}

const unknown = (observed: string, source?: string): EnvJudgement => ({ verdict: 'unknown', observed, source });
const noRules = (what: string) => unknown(`the catalog has no ${what} rules (rules/healthchecker/)`);

/** Compares dotted numeric versions of any length (cachtokn.dll's 10.0.17763.4968). */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** CVE-2023-36434 (and CVE-2023-21709): TokenCacheModule loaded with cachtokn.dll below its fixed version. */
export function judgeTokenCache(facts: Facts, catalog: Catalog): EnvJudgement {
  const spec = catalog.securitySettings.tokenCache;
  if (!spec) return noRules('tokenCache');
  const iis = facts.iis;
  const osBuild = facts.os?.build;
  if (osBuild !== undefined && osBuild >= spec.notAffectedFromOsBuild)
    return {
      verdict: 'closed',
      observed: `Windows build ${osBuild} is not affected (from ${spec.notAffectedFromOsBuild} on)`,
      source: facts.os?.source,
    };
  if (!iis?.globalModules) return unknown('the IIS global modules were not collected');
  if (!iis.globalModules.some((m) => m.name.toLowerCase() === spec.module.toLowerCase()))
    return { verdict: 'closed', observed: `${spec.module} is not loaded by IIS`, source: iis.source };
  const file = iis.tokenCacheFile;
  if (!file) return unknown(`${spec.module} is loaded, but the version of its cachtokn.dll was not collected`);
  const buildPart = file.fileBuildPart ?? Number(file.productVersion.split('.')[2]);
  const fixed = spec.fixedVersions[String(buildPart)];
  const what = `${spec.module} is loaded; cachtokn.dll ${file.productVersion}`;
  if (!fixed)
    return {
      verdict: 'open',
      observed: `${what}, a Windows build with no known fixed version (HealthChecker counts it vulnerable)`,
      source: iis.source,
    };
  return compareVersions(file.productVersion, fixed) >= 0
    ? { verdict: 'closed', observed: `${what}, at or above the fixed ${fixed}`, source: iis.source }
    : { verdict: 'open', observed: `${what}, below the fixed ${fixed}`, source: iis.source };
}

/** CVE-2020-1147: System.Data.dll and System.Configuration.dll build part and write time. */
export function judgeNetFramework(facts: Facts, catalog: Catalog): EnvJudgement {
  const spec = catalog.securitySettings.netFramework;
  if (!spec) return noRules('netFramework');
  const dn = facts.windows?.dotNet;
  if (!dn) return unknown('the .NET Framework file versions were not collected');
  if (dn.release === undefined) return unknown('the .NET Framework release was not collected');
  const min = dn.release >= spec.net48MinRelease ? spec.net48MinFileBuildPart : spec.minFileBuildPart;
  const seen: string[] = [];
  let open = false;
  for (const name of spec.files) {
    const f = dn.files.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!f) return unknown(`${name} was not collected`, dn.source);
    const stale = f.fileBuildPart < min || f.lastWriteTimeUtc.slice(0, 10) < spec.minLastWriteUtc;
    open ||= stale;
    seen.push(`${name} build part ${f.fileBuildPart} written ${f.lastWriteTimeUtc.slice(0, 10)}`);
  }
  const expected = `build part ≥ ${min} (release ${dn.release}) and written on or after ${spec.minLastWriteUtc}`;
  return { verdict: open ? 'open' : 'closed', observed: `${seen.join('; ')}; needs ${expected}`, source: dn.source };
}

/** CVE-2020-0796: Windows Server 1903/1909 below the fixed UBR, unless SMBv3 compression is disabled. */
export function judgeSmbCompression(facts: Facts, catalog: Catalog, info: BuildInfo): EnvJudgement {
  const spec = catalog.securitySettings.smbCompression;
  if (!spec) return noRules('smbCompression');
  if (!spec.products.includes(info.product))
    return { verdict: 'closed', observed: `HealthChecker checks it on Exchange ${spec.products.join(', ')} only` };
  const os = facts.os;
  if (os?.build === undefined) return unknown('the Windows build was not collected');
  if (!spec.osBuilds.includes(os.build))
    return { verdict: 'closed', observed: `Windows build ${os.build} is not affected`, source: os.source };
  if (os.ubr === undefined) return unknown(`Windows build ${os.build}: its update revision (UBR) was not collected`);
  if (os.ubr >= spec.fixedUbr)
    return { verdict: 'closed', observed: `Windows ${os.build}.${os.ubr} has the fix`, source: os.source };
  const smb = facts.windows?.smb;
  if (smb?.disableCompression === spec.workaroundDisableCompression)
    return {
      verdict: 'mitigated',
      observed: `Windows ${os.build}.${os.ubr}, below UBR ${spec.fixedUbr}; SMBv3 compression is disabled (workaround)`,
      source: smb.source,
    };
  if (!smb || smb.disableCompression === undefined)
    return unknown(
      `Windows ${os.build}.${os.ubr} needs the fix; whether SMBv3 compression is disabled was not collected`,
    );
  return {
    verdict: 'open',
    observed: `Windows ${os.build}.${os.ubr} is below UBR ${spec.fixedUbr} and SMBv3 compression is enabled`,
    source: os.source,
  };
}

/** CVE-2022-21978: per domain, the MESO container version and the Deny ACEs /PrepareDomain sets. */
export function judgeAdAcl(facts: Facts, catalog: Catalog): EnvJudgement {
  const spec = catalog.securitySettings.adAcl;
  if (!spec) return noRules('adAcl');
  const ad = facts.ad;
  if (!ad?.domains?.length) return unknown('the Active Directory domains were not collected');
  const range = ad.schema?.schemaVersionRangeUpper;
  // An unknown schema level takes the higher (2016/2019) minimum: never a false "closed".
  const minMeso =
    range !== undefined && range < spec.schema2013BelowRangeUpper
      ? spec.mesoMinObjectVersion2013
      : spec.mesoMinObjectVersion;
  const problems: string[] = [];
  const unknowns: string[] = [];
  for (const d of ad.domains) {
    if (d.error) {
      unknowns.push(`${d.name}: ${d.error}`);
      continue;
    }
    if (d.mesoObjectVersion === undefined) unknowns.push(`${d.name}: the MESO objectVersion was not read`);
    else if (d.mesoObjectVersion < minMeso)
      problems.push(`${d.name}: Microsoft Exchange System Objects objectVersion ${d.mesoObjectVersion} < ${minMeso}`);
    if (ad.splitPermissions) continue; // with AD split permissions only the version is checked (HealthChecker)
    if (!d.denyAces) {
      unknowns.push(`${d.name}: the domain ACL was not read`);
      continue;
    }
    for (const ace of spec.aces) {
      const sid = ad.groups?.find((g) => g.name.toLowerCase() === ace.group.toLowerCase())?.sid;
      if (!sid) {
        unknowns.push(`${d.name}: the SID of ${ace.group} was not read`);
        continue;
      }
      const found = d.denyAces.some(
        (a) =>
          a.sid === sid &&
          /\bWriteProperty\b/.test(a.rights) &&
          a.objectType.toLowerCase() === ace.objectType &&
          a.inheritedObjectType.toLowerCase() === spec.inheritedObjectType &&
          a.inheritance === 'All',
      );
      if (!found) problems.push(`${d.name}: no Deny WriteProperty ${ace.attribute} ACE for ${ace.group}`);
    }
  }
  if (problems.length) return { verdict: 'open', observed: problems.join('; '), source: ad.source };
  if (unknowns.length) return unknown(unknowns.join('; '), ad.source);
  return {
    verdict: 'closed',
    observed: `every domain (${ad.domains.map((d) => d.name).join(', ')}) has MESO objectVersion ≥ ${minMeso}${ad.splitPermissions ? ' (AD split permissions: ACEs not checked)' : ' and the Deny ACEs'}`,
    source: ad.source,
  };
}

/** CVE-2021-34470: the ms-Exch-Storage-Group schema class must not list computer as a possible superior. */
export function judgeAdSchema(facts: Facts, catalog: Catalog): EnvJudgement {
  const spec = catalog.securitySettings.adSchema;
  if (!spec) return noRules('adSchema');
  const s = facts.ad?.schema;
  if (!s) return unknown('the Active Directory schema was not collected');
  if (!s.storageGroupClassFound)
    return { verdict: 'closed', observed: `classSchema ${spec.schemaClass} is not present`, source: facts.ad!.source };
  if (!s.storageGroupPossSuperiors) return unknown(`the possSuperiors of ${spec.schemaClass} were not read`);
  const bad = s.storageGroupPossSuperiors.some((v) => v.toLowerCase() === spec.badPossSuperior.toLowerCase());
  return {
    verdict: bad ? 'open' : 'closed',
    observed: `${spec.schemaClass} possSuperiors: ${s.storageGroupPossSuperiors.join(', ') || '(none)'}`,
    source: facts.ad!.source,
  };
}
