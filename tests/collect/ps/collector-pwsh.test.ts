/**
 * The collector script run for real: one pwsh runs Collector.Tests.ps1 (Pester, Set-StrictMode -Version Latest),
 * which executes src/collect/ps/Get-ExchangeFacts.ps1 with Pester mocks answering from HealthChecker's recorded
 * servers (fixtures/collector/). Here each output goes through the Facts schema and the engine, and the findings
 * are asserted: script -> facts -> checks. The field situations (no snap-in, a throwing cmdlet, Edge, missing keys
 * and files, a malformed web.config, a German display) run in the same pwsh.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { extractJson } from '../../../src/collect/ps/script.js';
import { parseFacts } from '../../../src/facts/validate.js';
import type { Facts } from '../../../src/facts/schema.js';
import { factAt } from '../../../src/facts/schema.js';
import { assess } from '../../../src/engine/run.js';
import { loadChecks } from '../../../src/engine/loader.js';
import type { Check, Finding } from '../../../src/contract.js';
import { cat, AS_OF } from '../../checks/_facts.js';
import { expectValidResult } from '../../engine/_result-schema.js';
import { describeWithPwsh, REPO } from './_pwsh.js';

interface PesterResult {
  pester: string;
  pwsh: string;
  tests: { name: string; result: string; error: string | null }[];
  containers: { result: string; error: string }[];
}
interface Want {
  checkId: string;
  status?: string;
  code?: string;
  cve?: string;
}
const SCRIPT = readFileSync(join(REPO, 'src/collect/ps/Get-ExchangeFacts.ps1'), 'utf8');
const world = (set: string) =>
  JSON.parse(readFileSync(join(REPO, 'fixtures/collector', set, 'world.json'), 'utf8')) as {
    computerName: string;
    files: Record<string, { versionInfo?: Record<string, number> }>;
    source: { commit: string };
  };
/** ExSetup.exe's recorded version in a fixture: what the collector must report as the build. */
const recordedBuild = (set: string) => {
  const v = Object.entries(world(set).files).find(([p]) => p.endsWith('\\bin\\ExSetup.exe'))![1].versionInfo!;
  return [v['FileMajorPart'], v['FileMinorPart'], v['FileBuildPart'], v['FilePrivatePart']].join('.');
};
const matches = (f: Finding, w: Want) =>
  f.checkId === w.checkId &&
  (!w.status || f.status === w.status) &&
  (!w.code || f.code === w.code) &&
  (!w.cve || f.cves.includes(w.cve));

/** HealthChecker's recorded servers: what the checks must say about each, and what they must not. */
const SETS: { set: string; product: string; present: Want[]; absent: Want[] }[] = [
  {
    set: 'hc-e19-cu11', // Exchange 2019 CU11 (September 2021), no SU after it
    product: '2019',
    present: [
      { checkId: 'exchange-build', status: 'pass', code: 'build-identified' },
      { checkId: 'security-updates', status: 'fail', code: 'update-missing', cve: 'CVE-2021-42321' },
      { checkId: 'proxyshell', status: 'pass', code: 'patched' },
      { checkId: 'proxynotshell', status: 'fail', cve: 'CVE-2022-41082' },
      { checkId: 'extended-protection', status: 'fail', code: 'ep-unsupported-build' },
      // EnableDownloadDomains False in the recorded Get-OrganizationConfig
      { checkId: 'cve-exposure', status: 'fail', code: 'cve-open', cve: 'CVE-2021-1730' },
      // org and server MitigationsEnabled True, MSExchangeMitigation running (GetServiceMitigation.xml)
      { checkId: 'emergency-mitigation-service', status: 'pass', code: 'eems-healthy' },
      // the recorded DisablingAMSIScan override sets Enabled=True; the provider is ours (see the fixture README)
      { checkId: 'amsi', status: 'pass', code: 'amsi-on' },
      { checkId: 'setting-overrides', status: 'pass' },
      { checkId: 'hybrid-app', status: 'not_applicable', code: 'not-hybrid' },
      { checkId: 'edge-transport', status: 'not_applicable', code: 'not-edge' },
      { checkId: 'lifecycle', status: 'fail', code: 'out-of-support' },
    ],
    absent: [
      { checkId: 'cve-exposure', code: 'cve-config-unknown', cve: 'CVE-2021-1730' },
      { checkId: 'emergency-mitigation-service', status: 'indeterminate' },
      { checkId: 'extended-protection', status: 'pass' },
    ],
  },
  {
    set: 'hc-e19-scenario2', // 2019 CU12 Feb23SU, Extended Protection on, signing override, download domains half set
    product: '2019',
    present: [
      { checkId: 'exchange-build', status: 'pass', code: 'build-identified' },
      { checkId: 'proxynotshell', status: 'pass', code: 'patched' },
      // EP is configured (tokenChecking Require), but Outlook Anywhere's SSL offloading was not recorded: never a pass
      { checkId: 'extended-protection', status: 'indeterminate', code: 'ep-partly-unknown' },
      // enabled, but the internal download host name is empty
      { checkId: 'cve-exposure', status: 'fail', code: 'cve-open', cve: 'CVE-2021-1730' },
      // the November 2023 SU's CVEs stay open on this build whatever the override (HealthChecker agrees)
      { checkId: 'serialization-signing', status: 'fail', cve: 'CVE-2023-36439' },
      { checkId: 'emergency-mitigation-service', status: 'pass' },
    ],
    absent: [
      { checkId: 'extended-protection', status: 'pass' },
      { checkId: 'extended-protection', code: 'ep-unsupported-build' },
      { checkId: 'proxynotshell', status: 'fail' },
    ],
  },
  {
    set: 'hc-e19-hybrid', // CU11 in a hybrid organization with the dedicated hybrid application's override
    product: '2019',
    present: [
      { checkId: 'hybrid-app', status: 'fail', code: 'hybrid-app-missing', cve: 'CVE-2025-53786' },
      { checkId: 'setting-overrides', status: 'pass' },
    ],
    absent: [{ checkId: 'hybrid-app', status: 'not_applicable' }],
  },
  {
    set: 'hc-e19-physical', // 2019 CU12 Feb23SU, EP configured but not as expected, patched cachtokn.dll, HSTS twice
    product: '2019',
    present: [
      { checkId: 'exchange-build', status: 'pass', code: 'build-identified' },
      { checkId: 'extended-protection', status: 'fail', code: 'ep-not-configured' },
      { checkId: 'extended-protection', status: 'fail', code: 'ep-stricter-than-expected' },
      // no override and below Nov23SU: off (HealthChecker: SerializedDataSigning "False")
      { checkId: 'serialization-signing', status: 'fail', code: 'signing-off' },
      { checkId: 'cve-exposure', status: 'pass', code: 'cve-closed-by-config', cve: 'CVE-2023-36434' },
      { checkId: 'hsts', status: 'fail', code: 'hsts-conflict' },
      { checkId: 'hsts', status: 'fail', code: 'hsts-max-age-short' },
      { checkId: 'iis-modules', status: 'pass' },
      { checkId: 'web-config', status: 'pass' },
    ],
    absent: [{ checkId: 'cve-exposure', code: 'cve-open', cve: 'CVE-2023-36434' }],
  },
  {
    set: 'hc-e19-scenario1', // CU11 with EP configured (unsupported), AMSI off, TLS misconfigured, SMB1, Credential Guard
    product: '2019',
    present: [
      { checkId: 'extended-protection', status: 'fail', code: 'ep-unsupported-build' },
      { checkId: 'amsi', status: 'fail', code: 'amsi-disabled' },
      { checkId: 'tls', status: 'fail', code: 'tls-misconfigured' },
      { checkId: 'smb1', status: 'fail', code: 'smb1-present' },
      { checkId: 'lsa-settings', status: 'fail', code: 'credential-guard-enabled' },
      { checkId: 'hsts', status: 'fail', code: 'hsts-on-back-end' },
      { checkId: 'hsts', status: 'fail', code: 'hsts-redirect' },
      // TokenCacheModule not loaded (GetIISModulesNoTokenCacheModule.xml)
      { checkId: 'cve-exposure', status: 'pass', code: 'cve-closed-by-config', cve: 'CVE-2023-36434' },
    ],
    absent: [{ checkId: 'amsi', status: 'pass' }],
  },
  {
    set: 'hc-e16-cu22', // Exchange 2016 CU22 (September 2021)
    product: '2016',
    present: [
      { checkId: 'exchange-build', status: 'pass', code: 'build-identified' },
      { checkId: 'security-updates', status: 'fail', code: 'update-missing', cve: 'CVE-2022-41082' },
      { checkId: 'proxylogon', status: 'pass', code: 'patched' },
      { checkId: 'extended-protection', status: 'fail', code: 'ep-unsupported-build' },
      { checkId: 'cve-exposure', status: 'fail', code: 'cve-open', cve: 'CVE-2021-1730' },
      { checkId: 'emergency-mitigation-service', status: 'pass', code: 'eems-healthy' },
      { checkId: 'amsi', status: 'pass' },
    ],
    absent: [
      { checkId: 'cve-exposure', code: 'cve-config-unknown', cve: 'CVE-2021-1730' },
      { checkId: 'amsi', status: 'indeterminate' },
    ],
  },
  {
    set: 'hc-e15-cu23', // Exchange 2013 CU23 (June 2019), no SU after it
    product: '2013',
    present: [
      { checkId: 'exchange-build', status: 'pass', code: 'build-identified' },
      { checkId: 'proxylogon', status: 'fail', code: 'exposed', cve: 'CVE-2021-26855' },
      { checkId: 'proxyshell', status: 'fail', code: 'exposed', cve: 'CVE-2021-34473' },
      { checkId: 'amsi', status: 'fail', code: 'amsi-not-available' },
      { checkId: 'emergency-mitigation-service', status: 'not_applicable', code: 'eems-not-available' },
      { checkId: 'lifecycle', status: 'fail', code: 'out-of-support' },
      // Exchange 2013 has no Get-SettingOverride: not collected, so never a pass
      { checkId: 'setting-overrides', status: 'indeterminate' },
    ],
    absent: [
      { checkId: 'proxylogon', status: 'pass' },
      { checkId: 'setting-overrides', status: 'pass' },
    ],
  },
];

/**
 * HealthChecker's Pester contexts and the collector case that reproduces each (tests/collect/ps/Collector.Tests.ps1):
 * their facts are committed as fixtures/healthchecker-contexts/<file>.json and judged against HealthChecker's own
 * expectations by tests/catalog/healthchecker-contexts.test.ts.
 */
const HC_CONTEXTS: { file: string; collectorCase: string; world: string }[] = [
  { file: 'e19-main-cu11-hyperv', collectorCase: 'hc-e19-cu11', world: 'hc-e19-cu11' },
  { file: 'e19-main-cu11-physical', collectorCase: 'hc-e19-physical', world: 'hc-e19-physical' },
  { file: 'e16-main-cu22', collectorCase: 'hc-e16-cu22', world: 'hc-e16-cu22' },
  { file: 'e15-main-cu23', collectorCase: 'hc-e15-cu23', world: 'hc-e15-cu23' },
  { file: 'e19-scenarios-1', collectorCase: 'hc-e19-scenario1', world: 'hc-e19-scenario1' },
  { file: 'e19-scenarios-2', collectorCase: 'hc-e19-scenario2', world: 'hc-e19-scenario2' },
  { file: 'e19-scenarios2-1-bad-applicationhost', collectorCase: 'malformed-applicationhost', world: 'hc-e19-cu11' },
  { file: 'e19-scenarios2-2-bad-web-config', collectorCase: 'malformed-web-config', world: 'hc-e19-cu11' },
  { file: 'e19-scenarios3-2-hybrid', collectorCase: 'hc-e19-hybrid', world: 'hc-e19-hybrid' },
];
/** A collector run as a stable facts file: the recorded server's name, no times (they change every run). */
function contextFacts(f: Facts, set: string): Facts {
  const w = world(set) as unknown as { fqdn: string };
  const out = { ...f, target: { name: w.fqdn.toLowerCase(), transport: 'local' as const } };
  delete out.collectedAt;
  out.collectors = (f.collectors ?? []).map((c) => ({
    name: c.name,
    ...(c.version ? { version: c.version } : {}),
    errors: c.errors ?? [],
  }));
  return out;
}

/** Where each collector group leaves its fact (default: the group name as a facts path). */
const GROUP_FACT: Record<string, string> = {
  target: 'target.name',
  'config.registry': 'config.diagnosticsRegistry',
  'config.clientAccess': 'config.downloadDomains',
  'config.eems': 'config.eems.orgEnabled',
  'config.effectiveOverrides': 'config.effectiveOverrides.overrides',
};
const GROUPS = [...new Set([...SCRIPT.matchAll(/Add-GroupError -Group '([^']+)'/g)].map((m) => m[1]!))];

let dir = '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describeWithPwsh('collector script under pwsh (Pester mocks from HealthChecker data sets)', ({ pwsh, pester }) => {
  let result: PesterResult;
  let checks: Check[];
  const facts = (name: string): Facts =>
    parseFacts(JSON.parse(extractJson(readFileSync(join(dir, `${name}.out`), 'utf8'))), `${name}.out`);
  const judge = (f: Facts) => {
    const doc = assess([{ target: f.target.name, facts: f }], {
      catalog: cat(),
      checks,
      command: 'audit',
      startedAt: 't',
      asOf: AS_OF,
    });
    expectValidResult(doc);
    return doc.targets[0]!.findings;
  };
  const expectFindings = (findings: Finding[], present: Want[], absent: Want[]) => {
    for (const w of present)
      expect(
        findings.some((f) => matches(f, w)),
        `present ${JSON.stringify(w)}`,
      ).toBe(true);
    for (const w of absent)
      expect(
        findings.some((f) => matches(f, w)),
        `absent ${JSON.stringify(w)}`,
      ).toBe(false);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exaudit-ps-'));
    const run = spawnSync(
      pwsh,
      [
        '-NoProfile',
        '-NonInteractive',
        '-File',
        join(REPO, 'tests/collect/ps/run-pester.ps1'),
        '-PesterPath',
        pester,
        '-OutDir',
        dir,
      ],
      { encoding: 'utf8', timeout: 240_000 },
    );
    if (run.status !== 0) throw new Error(`run-pester.ps1 failed (${run.status ?? run.signal}): ${run.stderr}`);
    result = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as PesterResult;
    checks = await loadChecks();
  }, 300_000);

  it('runs the pinned Pester on PowerShell 7, and every Pester case passes', () => {
    expect(result.pester).toBe('5.7.1');
    expect(result.pwsh).toMatch(/^7\./);
    expect(result.tests.filter((t) => t.result !== 'Passed').map((t) => `${t.name}: ${t.error}`)).toEqual([]);
    expect(result.containers.filter((c) => c.result !== 'Passed')).toEqual([]);
    expect(result.tests.length).toBeGreaterThanOrEqual(14);
  });

  it.each(SETS)('$set: script -> facts -> checks', ({ set, product, present, absent }) => {
    const f = facts(set);
    expect(f.exchange).toMatchObject({ build: recordedBuild(set), precision: 'exact', edge: false });
    expect(f.exchange?.source).toMatch(/^ExSetup\.exe FileVersion/);
    expect(f.target.transport).toBe('local');
    expect(f.collectors?.[0]?.errors).toEqual([]);
    const findings = judge(f);
    expect(findings.find((x) => x.checkId === 'exchange-build')?.message).toContain(`Exchange ${product}`);
    expectFindings(findings, present, absent);
  });

  it('every group of the collector runs without error and leaves its fact on at least three recorded data sets', () => {
    expect(GROUPS.length).toBeGreaterThanOrEqual(27);
    for (const group of GROUPS) {
      const path = GROUP_FACT[group] ?? group;
      const ran = SETS.filter(({ set }) => {
        const f = facts(set);
        return factAt(f, path) !== undefined && !f.collectors?.[0]?.errors?.some((e) => e.group === group);
      }).map((s) => s.set);
      expect(ran.length, `${group} (${path}) ran on ${ran.join(', ') || 'none'}`).toBeGreaterThanOrEqual(3);
    }
    // and on the three recorded servers (2019, 2016, 2013) for every group that their Exchange version has
    const servers = new Set(SETS.map(({ set }) => world(set).computerName));
    expect([...servers].sort()).toEqual(['SOLO-E15A', 'SOLO-E16A', 'SOLO-E19A']);
  });

  it('the Exchange Management Shell gives every cmdlet group; plain PowerShell over SSH lists them as not collected', () => {
    const ems = facts('hc-e19-cu11');
    const plain = facts('no-snapin');
    expect(ems.config?.settingOverrides?.map((o) => o.name)).toEqual(['DisablingAMSIScan']);
    expect(ems.config?.eems).toMatchObject({ orgEnabled: true, serverEnabled: true, serviceStatus: 'Running' });
    expect(ems.config?.downloadDomains?.enabled).toBe(false);
    expect(ems.hybrid?.configured).toBe(false);
    expect(plain.notCollected?.map((n) => n.group)).toEqual([
      'config.settingOverrides',
      'config.effectiveOverrides',
      'config.irm',
      'config.clientAccess',
      'config.eems',
      'certificates.auth',
      'hybrid',
    ]);
    expect(plain.config?.settingOverrides).toBeUndefined();
    expect(plain.config?.eems).toEqual({ serviceStatus: 'Running', serviceStartMode: 'Automatic' });
    expect(plain.exchange?.build).toBe(ems.exchange?.build);
    expectFindings(
      judge(plain),
      [
        { checkId: 'exchange-build', status: 'pass' },
        { checkId: 'hybrid-app', status: 'indeterminate', code: 'hybrid-unknown' },
        { checkId: 'amsi', status: 'indeterminate' },
        { checkId: 'cve-exposure', status: 'indeterminate', code: 'cve-config-unknown', cve: 'CVE-2021-1730' },
        { checkId: 'emergency-mitigation-service', status: 'indeterminate' },
      ],
      [
        { checkId: 'setting-overrides', status: 'pass' },
        { checkId: 'emergency-mitigation-service', status: 'pass' },
        { checkId: 'amsi', status: 'pass' },
      ],
    );
  });

  it('a cmdlet that throws fails its own groups with the message; the other groups still arrive', () => {
    const f = facts('cmdlet-throws');
    // Get-CimInstance also answers Win32_DeviceGuard: both of its groups fail, nothing else
    expect(f.collectors?.[0]?.errors?.map((e) => e.group)).toEqual([
      'os',
      'windows.deviceGuard',
      'config.clientAccess',
      'config.eems',
    ]);
    expect(f.collectors?.[0]?.errors?.[2]?.message).toMatch(/Active Directory operation failed/);
    expect(f.os).toBeUndefined();
    expect(f.exchange?.build).toBe(recordedBuild('hc-e19-cu11'));
    expect(f.config?.settingOverrides).toHaveLength(1);
    expect(f.iis?.virtualDirectories?.length).toBeGreaterThan(20);
    expectFindings(
      judge(f),
      [
        { checkId: 'exchange-build', status: 'pass' },
        { checkId: 'cve-exposure', status: 'indeterminate', code: 'cve-config-unknown', cve: 'CVE-2021-1730' },
      ],
      [{ checkId: 'emergency-mitigation-service', status: 'pass' }],
    );
  });

  it('an Edge Transport server is recognised from its role key and judged as Edge', () => {
    const f = facts('edge');
    expect(f.exchange).toMatchObject({ roles: ['EdgeTransport'], edge: true });
    expect(f.iis).toBeUndefined();
    expect(f.notCollected?.find((n) => n.group === 'iis')?.reason).toMatch(/applicationHost\.config is not there/);
    expect(f.collectors?.[0]?.errors).toEqual([]);
    expectFindings(
      judge(f),
      [
        { checkId: 'edge-transport', status: 'pass', code: 'edge-server' },
        { checkId: 'extended-protection', status: 'not_applicable', code: 'edge-server' },
        { checkId: 'emergency-mitigation-service', status: 'not_applicable' },
      ],
      [{ checkId: 'extended-protection', status: 'fail' }],
    );
  });

  it('missing registry values and keys are absent facts; a missing Setup key or ExSetup.exe fails only exchange', () => {
    const reg = facts('missing-registry');
    expect(reg.collectors?.[0]?.errors).toEqual([]);
    expect(reg.os?.ubr).toBeUndefined();
    expect(reg.os?.build).toBe(14393);
    expect(reg.config?.diagnosticsRegistry).toEqual({});
    expect(reg.config?.outsideInDisabled).toBeUndefined();
    expect(reg.config?.amsi?.providers).toEqual([]);
    // AMSI itself is on (no override disables it); the missing provider is its own finding
    expectFindings(
      judge(reg),
      [
        { checkId: 'amsi', status: 'pass', code: 'amsi-on' },
        { checkId: 'amsi', status: 'fail', code: 'amsi-no-provider' },
      ],
      [{ checkId: 'amsi', status: 'indeterminate' }],
    );
    for (const name of ['missing-setup-key', 'missing-files']) {
      const f = facts(name);
      expect(
        f.collectors?.[0]?.errors?.map((e) => e.group),
        name,
      ).toEqual(['exchange']);
      expect(f.exchange, name).toBeUndefined();
      expect(f.config?.eems?.orgEnabled, name).toBe(true);
      expectFindings(
        judge(f),
        [{ checkId: 'exchange-build', status: 'indeterminate', code: 'missing-facts' }],
        [{ checkId: 'exchange-build', status: 'pass' }],
      );
    }
    expect(facts('missing-setup-key').notCollected?.map((n) => n.group)).toContain('iis.rewriteRulesClearedIn');
    expect(facts('missing-files').notCollected?.map((n) => n.group)).toContain('iis');
  });

  it('a web.config that is not well-formed fails the rewrite-rule group only', () => {
    const f = facts('malformed-web-config');
    expect(f.collectors?.[0]?.errors?.map((e) => e.group)).toEqual(['iis.rewriteRules']);
    expect(f.collectors?.[0]?.errors?.[0]?.message).toMatch(/XmlDocument/);
    expect(f.iis?.rewriteRules).toBeUndefined();
    expect(f.iis?.virtualDirectories?.length).toBeGreaterThan(20);
  });

  it("HealthChecker's contexts as facts files (fixtures/healthchecker-contexts/) are what the collector gives", () => {
    // EXAUDIT_WRITE_CONTEXTS=1 rewrites them (after a collector or fixture change); otherwise they must be current.
    for (const c of HC_CONTEXTS) {
      const fresh = `${JSON.stringify(contextFacts(facts(c.collectorCase), c.world), null, 2)}\n`;
      const path = join(REPO, 'fixtures/healthchecker-contexts', `${c.file}.json`);
      if (process.env['EXAUDIT_WRITE_CONTEXTS'] === '1') writeFileSync(path, fresh);
      expect(readFileSync(path, 'utf8'), `${c.file}.json (EXAUDIT_WRITE_CONTEXTS=1 rewrites it)`).toBe(fresh);
    }
  });

  it('a German display gives the same facts and the same findings', () => {
    const en = facts('english');
    const de = facts('localized-de');
    for (const group of ['exchange', 'services', 'iis', 'config', 'hybrid'] as const)
      expect(de[group], group).toEqual(en[group]);
    expect(de.os?.caption).toMatch(/Deutsch/);
    const strip = (f: Finding[]) => f.map((x) => [x.checkId, x.status, x.code, x.cves.join(',')]);
    expect(strip(judge(de))).toEqual(strip(judge(en)));
  });
});
