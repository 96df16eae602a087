import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHealthCheckerFiles } from '../../../src/collect/offline/healthchecker.js';
import { ResultDocument } from '../../../src/contract.js';
import { runCli } from '../../helpers/cli.js';

const DIR = join(import.meta.dirname, '../../../fixtures/healthchecker');
const file = (n: string) => join(DIR, n);

function load(name: string) {
  const r = loadHealthCheckerFiles([file(name)]);
  expect(r.problems).toEqual([]);
  return r.collected[0]!.facts!;
}

describe('HealthChecker import: the usual export (Export-Clixml -Depth 2)', () => {
  it('takes the exact build from "Build Number" (ExSetup file version), with roles, OS and the export time', () => {
    const f = load('HealthChecker-EX19A-202511201015.xml');
    expect(f.target.name).toBe('ex19a.contoso.lab');
    expect(f.exchange).toMatchObject({
      build: '15.2.1544.14',
      product: '2019',
      precision: 'exact',
      roles: ['Mailbox'],
      edge: false,
    });
    expect(f.exchange!.source).toMatch(
      /HealthChecker 25\.11\.04\.1712 export HealthChecker-EX19A-202511201015\.xml of 2025-11-20T09:15:42\.123Z: "Build Number"/,
    );
    expect(f.exchange!.observations![0]!.evidence).toBe('Exchange 2019 CU14 Nov24SUv2 (15.02.1544.014)');
    expect(f.os).toMatchObject({
      caption: 'Microsoft Windows Server 2022 Datacenter',
      version: '10.0.20348',
      build: 20348,
      ubr: 2849,
    });
    expect(f.collectedAt).toBe('2025-11-20T09:15:42.123Z');
  });

  it('maps the displayed EEMS states without guessing', () => {
    expect(load('HealthChecker-EX19A-202511201015.xml').config!.eems).toEqual({
      orgEnabled: true,
      serverEnabled: true,
      serviceStatus: 'Running',
      serviceStartMode: 'Automatic',
      patternServiceReachable: true,
      applied: ['PING1'],
    });
    const b = load('HealthChecker-EX16B-202511201022.xml').config!.eems!;
    expect(b).toMatchObject({ orgEnabled: false, serverEnabled: true, patternServiceReachable: false });
    expect(b.serviceStatus).toMatch(/^Investigate/);
    expect(b.serviceStartMode).toBeUndefined(); // "Investigate" does not say which of the two is wrong
  });

  it("records what the export cannot hold as not collected, and keeps HealthChecker's verdicts as evidence only", () => {
    const f = load('HealthChecker-EX16B-202511201022.xml');
    expect(f.iis).toBeUndefined();
    expect(f.config!.settingOverrides).toBeUndefined();
    expect(f.notCollected!.map((n) => n.group)).toEqual([
      'config.settingOverrides',
      'iis.virtualDirectories',
      'config.diagnosticsRegistry',
      'tls',
      'windows.smb',
      'windows.lsa',
      'windows.dotNet',
      'certificates',
      'iis.globalModules',
      'ad',
    ]);
    expect(f.notCollected![0]!.reason).toMatch(/Setting Overrides Detected: True/);
    expect(f.healthChecker).toMatchObject({
      file: 'HealthChecker-EX16B-202511201022.xml',
      version: '25.11.04.1712',
      export: 'display',
      vulnerabilities: ['CVE-2024-49040'],
    });
    expect(f.healthChecker!.lines).toContainEqual({
      section: 'Security Settings',
      name: 'Pattern service',
      value: 'Unreachable More information: https://aka.ms/HelpConnectivityEEMS',
    });
  });

  it('recognises an Edge Transport server', () => {
    expect(load('HealthChecker-EDGE01-202511201030.xml').exchange).toMatchObject({
      roles: ['Edge'],
      edge: true,
      build: '15.2.1544.9',
    });
  });
});

describe('HealthChecker import: a deeper export keeps the raw objects', () => {
  it('prefers BuildInformation, GetExchangeServer, the organization config and the setting overrides', () => {
    const f = load('HealthChecker-EX13C-202511210800.xml');
    expect(f.exchange).toMatchObject({ build: '15.0.1497.48', product: '2013', edge: false, roles: ['MultiRole'] });
    expect(f.exchange!.source).toMatch(/BuildInformation\.ExchangeSetup/);
    // ExchangeInformation.SettingOverrides is what the server loaded (VariantConfiguration); the organization's
    // Get-SettingOverride keeps its scope (MaxVersion)
    const amsi = {
      name: 'DisableAMSI',
      component: 'Cafe',
      section: 'HttpRequestFiltering',
      parameters: ['Enabled=False'],
      status: 'Accepted',
    };
    expect(f.config!.effectiveOverrides).toMatchObject({
      overrides: [amsi],
      source: expect.stringMatching(/VariantConfiguration/),
    });
    expect(f.config!.settingOverrides).toEqual([{ ...amsi, maxVersion: '15.0.1497.48' }]);
    expect(f.config!.irm).toEqual({ internalLicensingEnabled: true, externalLicensingEnabled: false });
    expect(f.config!.eems).toMatchObject({ orgEnabled: true, serverEnabled: false });
    expect(f.healthChecker!.export).toBe('full');
    expect(f.os).toMatchObject({ caption: 'Windows Server 2012 R2', version: '6.3.9600' });
  });
});

describe('HealthChecker import: the security settings (issue 16)', () => {
  it('maps the displayed lines that say a setting: TLS, SMB1, LSA, certificates, invalid config files', () => {
    const f = load('HealthChecker-EX19A-202511201015.xml');
    expect(f.tls!.protocols).toEqual([
      { version: '1.0', configuration: 'Disabled' },
      { version: '1.1', configuration: 'Disabled' },
      { version: '1.2', configuration: 'Enabled' },
      { version: '1.3', configuration: 'Misconfigured' },
    ]);
    expect(f.windows).toMatchObject({
      smb: { smb1Installed: false, smb1Enabled: true },
      lsa: { lmCompatibilityLevel: 5, lsaCfgFlags: 0, fipsAlgorithmPolicy: 0 },
      deviceGuard: { securityServicesRunning: [] },
    });
    expect(f.certificates).toMatchObject({
      authCurrentThumbprint: 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678',
      // the export time (2025-11-20T09:15:42Z) plus "Lifetime in days" 20
      list: [{ notAfter: '2025-12-10T09:15:42.123Z', keySize: 2048, signatureAlgorithm: 'sha1' }, { keySize: 4096 }],
    });
    expect(f.iis).toMatchObject({ configFiles: [{ path: 'C:\\inetpub\\wwwroot\\web.config', valid: false }] });
    // what the lines cannot say stays not collected
    expect(f.notCollected!.map((n) => n.group)).toEqual(
      expect.arrayContaining(['windows.dotNet', 'iis.globalModules', 'ad']),
    );
  });

  it('maps the raw objects of a deeper export: TLS values and suites, SMB1, LSA, .NET files, IIS modules, cachtokn.dll', () => {
    const f = load('HealthChecker-EX13C-202511210800.xml');
    expect(f.tls!.protocols[0]).toEqual({
      version: '1.0',
      serverEnabled: 1,
      serverDisabledByDefault: null,
      clientEnabled: 0,
      clientDisabledByDefault: 1,
    });
    expect(f.tls!.cipherSuites).toEqual(['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA']);
    expect(f.windows).toMatchObject({
      smb: { smb1Installed: true, smb1Enabled: true, disableCompression: 0 },
      lsa: { lmCompatibilityLevel: 3, lsaCfgFlags: 0, fipsAlgorithmPolicy: 1 },
      deviceGuard: { securityServicesRunning: [0, 0] },
      dotNet: {
        release: 528040,
        files: [{ name: 'System.Data.dll', fileBuildPart: 3761 }, { name: 'System.Configuration.dll' }],
      },
    });
    expect(f.iis!.globalModules).toEqual([
      expect.objectContaining({ name: 'TokenCacheModule', signatureStatus: 'Valid' }),
      expect.objectContaining({ name: 'HttpCompressionHelper', signatureStatus: 'NotSigned' }),
    ]);
    expect(f.iis!.tokenCacheFile).toEqual({ productVersion: '8.5.9600.16384', fileBuildPart: 9600 });
  });
});

describe('HealthChecker import: bad input', () => {
  it("reads a folder by HealthChecker's file pattern and reports each bad file on one line", () => {
    const r = loadHealthCheckerFiles([
      DIR,
      file('foreign-nmap.xml'),
      file('not-healthchecker-service.xml'),
      file('truncated-export.xml'),
      file('missing.xml'),
    ]);
    expect(r.collected.map((c) => c.target).sort()).toEqual([
      'edge01.dmz.contoso.lab',
      'ex13c.contoso.lab',
      'ex16b.contoso.lab',
      'ex19a.contoso.lab',
    ]);
    expect(r.problems).toHaveLength(4);
    expect(r.problems[0]).toMatch(/foreign-nmap\.xml: not a PowerShell CLIXML file \(root element <nmaprun>/);
    expect(r.problems[1]).toMatch(
      /not-healthchecker-service\.xml: a PowerShell CLIXML file, but not a HealthChecker export/,
    );
    expect(r.problems[2]).toMatch(/truncated-export\.xml: the XML ends with \d+ elements still open .*truncated/);
    expect(r.problems[3]).toMatch(/missing\.xml: no such file or directory/);
    for (const p of r.problems) expect(p).not.toMatch(/\n/);
  });
});

describe('exaudit audit --healthchecker', () => {
  it('judges the exports: build-based checks decide, IIS-based ones stay indeterminate, bad files exit 2', () => {
    const r = runCli([
      'audit',
      '--healthchecker',
      DIR,
      file('foreign-nmap.xml'),
      '--format',
      'json',
      '--fail-on',
      'none',
      '--as-of',
      '2025-11-25',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/foreign-nmap\.xml: not a PowerShell CLIXML file/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const doc = ResultDocument.parse(JSON.parse(r.stdout));
    const t = (name: string) => doc.targets.find((x) => x.target === name)!;
    const status = (name: string, check: string) =>
      t(name)
        .findings.filter((f) => f.checkId === check)
        .map((f) => f.status);
    expect(t('ex19a.contoso.lab').status).toBe('partial');
    expect(status('ex19a.contoso.lab', 'exchange-build')).toEqual(['pass']);
    expect(status('ex19a.contoso.lab', 'emergency-mitigation-service')).toEqual(['pass']);
    expect(status('ex19a.contoso.lab', 'extended-protection')).toEqual(['indeterminate']);
    expect(status('ex16b.contoso.lab', 'emergency-mitigation-service')).toEqual(['fail']);
    // Apr24HU misses Nov24SUv2: CVE-2024-49040 is open, as HealthChecker also said.
    expect(
      t('ex16b.contoso.lab').findings.some(
        (f) => f.checkId === 'cve-exposure' && f.status === 'fail' && f.cves.includes('CVE-2024-49040'),
      ),
    ).toBe(true);
    // The deeper export carries the AMSI override.
    expect(status('ex13c.contoso.lab', 'amsi')).toEqual(['fail']);
    // The security settings from the export are judged: from the lines (ex19a) and the raw objects (ex13c).
    expect(status('ex19a.contoso.lab', 'tls')).toContain('fail'); // TLS 1.3 Misconfigured
    expect(status('ex19a.contoso.lab', 'smb1')).toEqual(['fail']); // SMB1 Blocked False
    expect(status('ex19a.contoso.lab', 'web-config')).toEqual(['fail']);
    expect(status('ex19a.contoso.lab', 'certificates')).toEqual(['fail', 'fail']); // 15 days left, SHA-1
    expect(status('ex13c.contoso.lab', 'iis-modules')).toEqual(['fail']);
    const cve = (id: string) =>
      t('ex13c.contoso.lab').findings.find((x) => x.checkId === 'cve-exposure' && x.cves.includes(id))?.status;
    expect(cve('CVE-2020-1147')).toBe('fail'); // 4.8 files at build part 3761, written 2020-02-27
    expect(cve('CVE-2023-36434')).toBe('fail'); // cachtokn.dll 8.5.9600.16384 < 8.5.9600.21613
    expect(status('edge01.dmz.contoso.lab', 'extended-protection')).toEqual(['not_applicable']);
  });
});
