/**
 * HealthChecker's own data sets as a test suite (issue 16). Each Pester context of HealthChecker's tests
 * (microsoft/CSS-Exchange f88378b, Diagnostics/HealthChecker/Tests/*.Tests.ps1; Exchange 2013 at f40726e) was run
 * through exaudit's collector under pwsh on the recorded data (fixtures/collector/, then
 * fixtures/healthchecker-contexts/<context>.json, kept current by tests/collect/ps/collector-pwsh.test.ts). Here the
 * whole engine judges each facts file and every security assertion HealthChecker's test makes is checked: the build
 * and version, the vulnerability list, and each security setting. Where exaudit differs on purpose, the expectation
 * says why, with the source. exaudit never calls patched what HealthChecker calls vulnerable.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFacts } from '../../src/facts/validate.js';
import { assess, fingerprint } from '../../src/engine/run.js';
import { loadChecks } from '../../src/engine/loader.js';
import type { Check, Finding } from '../../src/contract.js';
import { cat, AS_OF } from '../checks/_facts.js';
import { hcLines } from './hc-oracle.js';
import { DIFFERENCES } from './hc-differences.js';

const DIR = join(import.meta.dirname, '../../fixtures/healthchecker-contexts');
const HC_TESTS = 'microsoft/CSS-Exchange f88378b Diagnostics/HealthChecker/Tests';

interface Want {
  checkId: string;
  status?: Finding['status'];
  code?: string;
  cve?: string;
  key?: string;
  message?: RegExp;
}
/** One assertion of HealthChecker's test: what it asserts, and what exaudit must (or must not) report for it. */
interface Expectation {
  hc: string;
  present?: Want[];
  absent?: Want[];
  /** exaudit differs on purpose: why, and the source that says so. */
  differs?: { why: string; source: string };
}
interface Context {
  file: string;
  hcContext: string;
  build: string;
  version: string;
  vulnerable?: string[];
  notVulnerable?: string[];
  /** HealthChecker's "Security Vulnerability" line count, and the environment-decided ids among those lines. */
  count?: { lines: number; environment: string[] };
  settings: Expectation[];
}

// Differences that several contexts share, each with its source.
const NO_NETWORK = {
  why: "HealthChecker requests https://officeclient.microsoft.com/GetExchangeMitigations; exaudit's collector is read-only and sends nothing over the network, so the pattern service's reachability is not a fact and the EEMS check does not judge it",
  source: 'Invoke-AnalyzerSecurityMitigationService.ps1 (HealthChecker); DESIGN.md §5 and README "Safety" (exaudit)',
};
const TLS_RECORDED_STRING = {
  why: "HealthChecker's test mocks Get-AllTlsSettings with a recorded object whose TLSConfiguration string was set by hand; its registry values (TLS 1.1: Server Enabled 0 DisabledByDefault 1, Client Enabled 0 DisabledByDefault 1) classify as Disabled under HealthChecker's own Get-AllTlsSettingsFromRegistry.ps1, which exaudit follows on the values the collector reads",
  source:
    'Tests/DataCollection/E19/OS/GetAllTlsSettings1.xml and GetAllTlsSettings2.xml; Shared/TLS/Get-AllTlsSettingsFromRegistry.ps1',
};
const MISSING_FILES = {
  why: 'HealthChecker also lists web applications and shared configuration files it could not find (an availability check); exaudit judges the well-formedness of the files it reads, and a missing file is not among the security settings it judges',
  source:
    'Invoke-AnalyzerIISInformation.ps1 (Missing Web Application Configuration File, Missing Shared Configuration File)',
};

const CONTEXTS: Context[] = [
  {
    file: 'e19-main-cu11-hyperv',
    hcContext: 'HealthChecker.E19.Main.Tests.ps1 "Basic Exchange 2019 CU11 Testing HyperV"',
    build: '15.2.986.5',
    version: 'Exchange 2019 CU11',
    vulnerable: ['CVE-2020-1147', 'CVE-2023-36434', 'CVE-2023-36039', 'ADV24199947'],
    count: { lines: 63, environment: ['CVE-2020-1147', 'CVE-2023-36434', 'CVE-2022-21978'] },
    settings: [
      {
        hc: 'CVE-2021-1730 DownloadDomainsEnabled "False"',
        present: [{ checkId: 'cve-exposure', status: 'fail', cve: 'CVE-2021-1730' }],
      },
      {
        hc: 'Extended Protection Vulnerable True: "Your Exchange server is at risk. Install the latest SU and enable Extended Protection"; Extended Protection Enabled (Any VDir) false',
        present: [
          {
            checkId: 'extended-protection',
            status: 'fail',
            code: 'ep-unsupported-build',
            message: /cannot run Extended Protection/,
          },
        ],
      },
      {
        hc: 'Exchange Emergency Mitigation Service "Enabled"; Windows service "Running"',
        present: [{ checkId: 'emergency-mitigation-service', status: 'pass' }],
      },
      { hc: 'Pattern service "200 - Reachable"', differs: NO_NETWORK },
      { hc: 'AMSI Enabled "True"', present: [{ checkId: 'amsi', status: 'pass', code: 'amsi-on' }] },
      {
        hc: 'Strict Mode disabled "False"',
        absent: [{ checkId: 'setting-overrides', key: 'Data\\DeserializationBinderSettings\\LearningLocations' }],
      },
      {
        hc: 'BaseTypeCheckForDeserialization disabled "False"',
        absent: [{ checkId: 'setting-overrides', code: 'base-type-check-disabled' }],
      },
      {
        hc: 'AES256-CBC Protected Content Support "Not Supported Build" (Red)',
        present: [{ checkId: 'aes256-cbc', status: 'fail', code: 'aes256cbc-unsupported-build' }],
      },
      {
        hc: 'SerializedDataSigning Enabled "Unsupported Version" (Red)',
        present: [{ checkId: 'serialization-signing', status: 'fail', code: 'signing-unsupported-build' }],
      },
      {
        hc: 'Out of Date true; End Of Life true (Red)',
        present: [{ checkId: 'lifecycle', status: 'fail', code: 'out-of-support' }],
      },
      {
        hc: 'LmCompatibilityLevel Settings 3',
        present: [{ checkId: 'lsa-settings', status: 'pass', code: 'lm-level-ok', message: /is 3/ }],
      },
      {
        hc: 'SMB1 Installed "False"; SMB1 Blocked "True"',
        present: [{ checkId: 'smb1', status: 'pass', code: 'smb1-off' }],
      },
      {
        hc: 'FIPS Algorithm Policy Enabled 0',
        present: [{ checkId: 'lsa-settings', code: 'fips-recorded', message: /= 0 / }],
      },
      {
        hc: 'Credential Guard Enabled false',
        present: [{ checkId: 'lsa-settings', status: 'pass', code: 'credential-guard-off' }],
      },
      {
        hc: 'TokenCacheModule loaded (no "TokenCacheModule loaded" warning line), CVE-2023-36434 listed',
        present: [{ checkId: 'cve-exposure', status: 'fail', code: 'cve-open', cve: 'CVE-2023-36434' }],
      },
    ],
  },
  {
    file: 'e19-main-cu11-physical',
    hcContext:
      'HealthChecker.E19.Main.Tests.ps1 "Basic Exchange 2019 CU11 Testing Physical" (and HealthChecker.E19.Scenarios.Tests.ps1 "Checking Scenario 3 - Physical", the same build and applicationHost2.config)',
    build: '15.2.1118.25',
    version: 'Exchange 2019 CU12 Feb23SU',
    vulnerable: ['CVE-2023-36039'],
    notVulnerable: ['CVE-2023-36434'],
    settings: [
      {
        hc: 'Extended Protection Enabled (Any VDir) true; Extended Protection Vulnerable True: "Extended Protection isn\'t configured as expected"',
        present: [{ checkId: 'extended-protection', status: 'fail', code: 'ep-not-configured' }],
      },
      {
        hc: 'Scenario 3 Physical: "EP - Default Web Site/OAB" "Require" (Yellow)',
        present: [
          {
            checkId: 'extended-protection',
            status: 'fail',
            code: 'ep-stricter-than-expected',
            message: /Default Web Site\/OAB/,
          },
        ],
      },
      { hc: 'AMSI Enabled "True"', present: [{ checkId: 'amsi', status: 'pass', code: 'amsi-on' }] },
      {
        hc: 'SerializedDataSigning Enabled "False" (Red)',
        present: [{ checkId: 'serialization-signing', status: 'fail', code: 'signing-off' }],
      },
      {
        hc: 'CVE-2023-36434 not listed (cachtokn.dll 10.0.17763.4968 loaded)',
        present: [{ checkId: 'cve-exposure', status: 'pass', code: 'cve-closed-by-config', cve: 'CVE-2023-36434' }],
      },
      {
        hc: 'hsts-Enabled-Default Web Site true; hsts-max-age 300 (Yellow); hsts-conflict true (Yellow); hsts-redirectHttpToHttps false',
        present: [
          { checkId: 'hsts', status: 'fail', code: 'hsts-max-age-short', message: /'Default Web Site'/ },
          { checkId: 'hsts', status: 'fail', code: 'hsts-conflict' },
        ],
        absent: [
          { checkId: 'hsts', code: 'hsts-redirect' },
          { checkId: 'hsts', code: 'hsts-on-back-end' },
        ],
      },
    ],
  },
  {
    file: 'e16-main-cu22',
    hcContext: 'HealthChecker.E16.Main.Tests.ps1 "Basic Exchange 2016 CU22 Testing"',
    build: '15.1.2375.7',
    version: 'Exchange 2016 CU22',
    vulnerable: ['CVE-2020-1147', 'CVE-2023-36039', 'ADV24199947'],
    count: { lines: 63, environment: ['CVE-2020-1147', 'CVE-2023-36434', 'CVE-2022-21978'] },
    settings: [
      {
        hc: 'CVE-2021-1730 DownloadDomainsEnabled "false"',
        present: [{ checkId: 'cve-exposure', status: 'fail', cve: 'CVE-2021-1730' }],
      },
      {
        hc: 'LmCompatibilityLevel Settings 3',
        present: [{ checkId: 'lsa-settings', status: 'pass', code: 'lm-level-ok' }],
      },
      {
        hc: 'SMB1 Installed "True" (Red); SMB1 Blocked "False" (Red)',
        present: [{ checkId: 'smb1', status: 'fail', code: 'smb1-present' }],
      },
      { hc: 'Windows service "Running"', present: [{ checkId: 'emergency-mitigation-service', status: 'pass' }] },
      { hc: 'Pattern service "Unreachable" (Yellow)', differs: NO_NETWORK },
      {
        hc: '"IIS module anomalies detected" False (a line of the 71)',
        present: [{ checkId: 'iis-modules', status: 'pass' }],
      },
    ],
  },
  {
    file: 'e15-main-cu23',
    hcContext:
      'HealthChecker.E15.Main.Tests.ps1 "Basic Exchange 2013 CU23 Testing" (at f40726e, before de315af removed it)',
    build: '15.0.1497.2',
    version: 'Exchange 2013 CU23',
    vulnerable: ['CVE-2020-1147'],
    settings: [
      {
        hc: 'LmCompatibilityLevel Settings 3',
        present: [{ checkId: 'lsa-settings', status: 'pass', code: 'lm-level-ok' }],
      },
      {
        hc: 'SMB1 Installed "True" (Red); SMB1 Blocked "False" (Red)',
        present: [{ checkId: 'smb1', status: 'fail', code: 'smb1-present' }],
      },
    ],
  },
  {
    file: 'e19-scenarios-1',
    hcContext: 'HealthChecker.E19.Scenarios.Tests.ps1 "Checking Scenarios 1"',
    build: '15.2.986.5',
    version: 'Exchange 2019 CU11',
    notVulnerable: ['CVE-2023-36434'],
    settings: [
      {
        hc: 'Credential Guard Enabled "True" (Red)',
        present: [{ checkId: 'lsa-settings', status: 'fail', code: 'credential-guard-enabled' }],
      },
      {
        hc: 'TLS 1.0 "Misconfigured" (Red); Detected TLS Mismatch Display More Info',
        present: [{ checkId: 'tls', status: 'fail', code: 'tls-misconfigured', key: 'tls-1.0' }],
      },
      { hc: 'TLS 1.1 "Misconfigured" (Red)', differs: TLS_RECORDED_STRING },
      { hc: 'TLS 1.2 "Enabled" (Green)', absent: [{ checkId: 'tls', key: 'tls-1.2' }] },
      {
        hc: 'SMB1 Installed "True" (Red); SMB1 Blocked "False" (Red)',
        present: [{ checkId: 'smb1', status: 'fail', code: 'smb1-present' }],
      },
      {
        hc: 'CVE-2021-1730: both download host names "Set to the same as Internal Or External URL as OWA."',
        present: [{ checkId: 'cve-exposure', status: 'fail', cve: 'CVE-2021-1730' }],
      },
      {
        hc: 'Extended Protection Vulnerable True: "Extended Protection is configured, but not supported on this Exchange Server build"',
        present: [
          { checkId: 'extended-protection', status: 'fail', code: 'ep-unsupported-build', message: /configured, but/ },
        ],
      },
      { hc: 'AMSI Enabled "False" (Yellow)', present: [{ checkId: 'amsi', status: 'fail', code: 'amsi-disabled' }] },
      {
        hc: 'Exchange Emergency Mitigation Service "Enabled"; Windows service "Running"',
        present: [{ checkId: 'emergency-mitigation-service', status: 'pass' }],
      },
      {
        hc: 'CVE-2023-36434 not listed; "TokenCacheModule loaded" $true (Yellow: the module is not loaded)',
        present: [{ checkId: 'cve-exposure', status: 'pass', code: 'cve-closed-by-config', cve: 'CVE-2023-36434' }],
      },
      {
        hc: 'hsts Default Web Site enabled, max-age 300 (Yellow); Exchange Back End enabled (Red), redirectHttpToHttps True (Red), hsts-BackendNotSupported',
        present: [
          { checkId: 'hsts', status: 'fail', code: 'hsts-max-age-short', message: /'Default Web Site'/ },
          { checkId: 'hsts', status: 'fail', code: 'hsts-on-back-end' },
          { checkId: 'hsts', status: 'fail', code: 'hsts-redirect', message: /'Exchange Back End'/ },
        ],
        absent: [{ checkId: 'hsts', code: 'hsts-max-age-short', message: /'Exchange Back End'/ }],
      },
      { hc: 'Missing Web Application Configuration File; Missing Shared Configuration File', differs: MISSING_FILES },
    ],
  },
  {
    file: 'e19-scenarios-2',
    hcContext: 'HealthChecker.E19.Scenarios.Tests.ps1 "Checking Scenarios 2"',
    build: '15.2.1118.25',
    version: 'Exchange 2019 CU12 Feb23SU',
    settings: [
      {
        hc: 'Extended Protection Enabled (Any VDir) true; no "Extended Protection Vulnerable" line',
        present: [
          {
            checkId: 'extended-protection',
            status: 'indeterminate',
            code: 'ep-partly-unknown',
            message: /sslOffloading/,
          },
        ],
        absent: [
          { checkId: 'extended-protection', code: 'ep-not-configured' },
          { checkId: 'extended-protection', code: 'ep-unsupported-build' },
        ],
        differs: {
          why: "Microsoft's Extended Protection documentation says EP does not support SSL offloading; exaudit needs Outlook Anywhere's SSLOffloading to say pass, and HealthChecker's mock of Get-OutlookAnywhere returns nothing, so exaudit says indeterminate (never pass) where HealthChecker, which does not look at offloading, reports no line",
          source:
            'learn.microsoft.com/exchange/plan-and-deploy/post-installation-tasks/security-best-practices/exchange-extended-protection; HealthCheckerTest.CommonMocks.NotPublished.ps1 (Get-OutlookAnywhere returns $null)',
        },
      },
      {
        hc: 'TLS 1.0 "Misconfigured" (Red)',
        present: [{ checkId: 'tls', status: 'fail', code: 'tls-misconfigured', key: 'tls-1.0' }],
      },
      { hc: 'TLS 1.1 "Misconfigured" (Red)', differs: TLS_RECORDED_STRING },
      { hc: 'TLS 1.2 "Enabled" (Green)', absent: [{ checkId: 'tls', key: 'tls-1.2' }] },
      {
        hc: 'TLS 1.3 "Enabled" (Red); "TLS 1.3 not disabled" (Red)',
        present: [{ checkId: 'tls', status: 'fail', key: 'tls-1.3' }],
      },
      {
        hc: 'SerializedDataSigning Enabled "True" (Green) (the November 2023 SU CVEs stay listed: Feb23SU build)',
        present: [
          { checkId: 'serialization-signing', status: 'pass', code: 'signing-on' },
          { checkId: 'serialization-signing', status: 'fail', code: 'signing-cves-open', cve: 'CVE-2023-36439' },
        ],
        absent: [{ checkId: 'serialization-signing', code: 'signing-off' }],
      },
      {
        hc: 'CVE-2021-1730: External "Set Correctly.", Internal "Not Configured"',
        present: [{ checkId: 'cve-exposure', status: 'fail', cve: 'CVE-2021-1730' }],
      },
    ],
  },
  {
    file: 'e19-scenarios2-1-bad-applicationhost',
    hcContext: 'HealthChecker.E19.Scenarios2.Tests.ps1 "Scenario 1" (BadApplicationHost.config)',
    build: '15.2.986.5',
    version: 'Exchange 2019 CU11',
    settings: [
      {
        hc: '"Invalid Configuration File - Application Host Config File" True (Red)',
        present: [
          { checkId: 'web-config', status: 'fail', code: 'web-config-invalid', message: /applicationHost\.config/ },
        ],
      },
    ],
  },
  {
    file: 'e19-scenarios2-2-bad-web-config',
    hcContext: 'HealthChecker.E19.Scenarios2.Tests.ps1 "Scenario 2" (DefaultWebSite_web1.config)',
    build: '15.2.986.5',
    version: 'Exchange 2019 CU11',
    settings: [
      {
        hc: '"Invalid Configuration File" True (Red); "Invalid: …DefaultWebSite_web1.config" (the Default Web Site web.config)',
        present: [
          { checkId: 'web-config', status: 'fail', code: 'web-config-invalid', message: /wwwroot\\web\.config/ },
        ],
      },
      { hc: '"Missing Web Application Configuration File" (Exchange Back End/mapi/emsmdb)', differs: MISSING_FILES },
    ],
  },
  {
    file: 'e19-scenarios3-2-hybrid',
    hcContext: 'HealthChecker.E19.Scenarios3.Tests.ps1 "Scenario 2" (dedicated hybrid application)',
    build: '15.2.986.5',
    version: 'Exchange 2019 CU11',
    settings: [
      {
        hc: '"AuthServer - 1": an EvoSts auth server with an application id (Dedicated Hybrid App Configured As Expected)',
        present: [{ checkId: 'hybrid-app', status: 'fail', code: 'hybrid-app-missing', message: /April 2025 HU/ }],
        absent: [{ checkId: 'hybrid-app', message: /no EvoSTS auth server/ }],
        differs: {
          why: 'the dedicated application is configured as HealthChecker says, but CVE-2025-53786 also needs the April 2025 HU, which 15.2.986.5 lacks; exaudit reports the missing update (HealthChecker shows the configuration without judging the build)',
          source: 'CISA ED 25-02; Microsoft CVE-2025-53786 (rules/cves.json hybrid-app condition)',
        },
      },
    ],
  },
];

let checks: Check[];
beforeAll(async () => {
  checks = await loadChecks();
});

const judge = (file: string) => {
  const facts = parseFacts(JSON.parse(readFileSync(join(DIR, `${file}.json`), 'utf8')), `${file}.json`);
  const doc = assess([{ target: facts.target.name, facts }], {
    catalog: cat(),
    checks,
    command: 'audit',
    startedAt: 't',
    asOf: AS_OF,
  });
  return { facts, findings: doc.targets[0]!.findings };
};
const matches = (f: Finding, w: Want, target: string) =>
  f.checkId === w.checkId &&
  (!w.status || f.status === w.status) &&
  (!w.code || f.code === w.code) &&
  (!w.cve || f.cves.includes(w.cve)) &&
  // A finding carries its result's key only inside its fingerprint (check, target, code, key).
  (!w.key || f.fingerprint === fingerprint(f.checkId, target, f.code, w.key)) &&
  (!w.message || w.message.test(f.message));
/** CVE ids open in exaudit's findings (cve-open, or another check's fail naming a CVE HealthChecker lists). */
const openCves = (findings: Finding[]) =>
  new Set(findings.filter((f) => f.checkId === 'cve-exposure' && f.code === 'cve-open').flatMap((f) => f.cves));

describe("HealthChecker's Pester contexts, judged by exaudit", () => {
  it('covers every context of the mirror with a recorded server, and each security assertion is mapped or differs with a source', () => {
    expect(CONTEXTS.map((c) => c.file).sort()).toEqual(
      [
        'e15-main-cu23',
        'e16-main-cu22',
        'e19-main-cu11-hyperv',
        'e19-main-cu11-physical',
        'e19-scenarios-1',
        'e19-scenarios-2',
        'e19-scenarios2-1-bad-applicationhost',
        'e19-scenarios2-2-bad-web-config',
        'e19-scenarios3-2-hybrid',
      ].sort(),
    );
    for (const c of CONTEXTS)
      for (const e of c.settings) {
        expect(e.present?.length || e.absent?.length || e.differs, `${c.file}: ${e.hc}`).toBeTruthy();
        if (e.differs) expect(e.differs.why.length > 40 && e.differs.source.length > 10, e.hc).toBe(true);
      }
  });

  describe.each(CONTEXTS)('$file ($hcContext)', (c) => {
    it('version and build as HealthChecker shows them', () => {
      const { facts, findings } = judge(c.file);
      expect(facts.exchange?.build).toBe(c.build);
      expect(findings.find((f) => f.checkId === 'exchange-build')?.message).toContain(`${c.version} (${c.build})`);
    });

    it('every CVE HealthChecker lists is open; what it does not list is not open', () => {
      const { findings } = judge(c.file);
      const open = openCves(findings);
      for (const id of c.vulnerable ?? []) expect(open.has(id), `${id} open`).toBe(true);
      for (const id of c.notVulnerable ?? []) expect(open.has(id), `${id} not open`).toBe(false);
      if (!c.count) return;
      // HealthChecker's line count: the build-decided lines (its own logic, tests/catalog/hc-oracle.ts) plus the
      // environment-decided ones this data set produces.
      const lines = hcLines(c.build);
      expect(lines.length + c.count.environment.length, `${HC_TESTS}: Count`).toBe(c.count.lines);
      const theirs = new Set([...lines, ...c.count.environment]);
      const missing = [...theirs].filter((id) => !open.has(id));
      expect(missing, 'exaudit never calls patched what HealthChecker calls vulnerable').toEqual([]);
      // More only where a sourced difference explains it (a later record, a CVE HealthChecker judges elsewhere), or
      // where HealthChecker reports the CVE on a line of its own that its count leaves out: "Extended Protection
      // Vulnerable" (the six EP CVEs), "CVE-2021-1730", "CVE-2020-0796" (css-exchange.md §e, "The 63, explained").
      const ownLine = new Set([...(cat().extendedProtection?.cves ?? []), 'CVE-2021-1730', 'CVE-2020-0796']);
      const unexplained = [...open].filter(
        (id) => !theirs.has(id) && !ownLine.has(id) && !DIFFERENCES.some((d) => d.matches(id, c.build)),
      );
      expect(unexplained).toEqual([]);
    });

    it.each(c.settings)('$hc', (e) => {
      const { facts, findings } = judge(c.file);
      for (const w of e.present ?? [])
        expect(
          findings.some((f) => matches(f, w, facts.target.name)),
          `present ${JSON.stringify({ ...w, message: w.message?.source })}`,
        ).toBe(true);
      for (const w of e.absent ?? [])
        expect(
          findings.some((f) => matches(f, w, facts.target.name)),
          `absent ${JSON.stringify({ ...w, message: w.message?.source })}`,
        ).toBe(false);
    });
  });
});
