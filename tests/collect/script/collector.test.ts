/**
 * The collector is read-only: parse it with tree-sitter-powershell (no PowerShell on this machine) and fail on a
 * parse error, on any command outside the allowlist of read-only cmdlets, on dynamic invocation (& / .), on
 * redirection, on any .NET method outside a read-only list, and on syntax that Windows PowerShell 5.1 lacks. Then
 * check, on the same syntax tree, that every group the issue names is collected in its own try/catch from its
 * source, and that every key the script writes is a key of the Facts schema (zod strips unknown keys silently, so
 * a typo would lose a fact). tests/collect/ps/ runs the script itself under pwsh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Parser, Language, type Node } from 'web-tree-sitter';
import { COLLECTOR_PATH, extractJson } from '../../../src/collect/ps/script.js';
import { parseFacts } from '../../../src/facts/validate.js';
import { Facts } from '../../../src/facts/schema.js';
import { runCli } from '../../helpers/cli.js';

/** Read-only cmdlets (compared case-insensitively, as PowerShell does). */
const ALLOWED_COMMANDS = new Set(
  [
    'Get-ItemProperty',
    'Get-Item',
    'Get-ChildItem',
    'Get-Content',
    'Get-CimInstance',
    'Get-Service',
    'Get-Command',
    'Get-Date',
    'Get-WebAppPoolState',
    'Get-SettingOverride',
    'Get-OrganizationConfig',
    'Get-ExchangeServer',
    'Get-HybridConfiguration',
    'Get-AuthServer',
    'Get-OutlookAnywhere',
    'Get-OwaVirtualDirectory',
    // issue 16: each only reads. Schannel cipher suites; SMB server settings; the FS-SMB1 feature's state; a file's
    // Authenticode signature; the topology service's loaded overrides (a diagnostic read); IRM licensing; a registry
    // key's ACL; the Exchange certificates (public properties) and the OAuth configuration.
    'Get-TlsCipherSuite',
    'Get-SmbServerConfiguration',
    'Get-WindowsFeature',
    'Get-AuthenticodeSignature',
    'Get-ExchangeDiagnosticInfo',
    'Get-IRMConfiguration',
    'Get-Acl',
    'Get-ExchangeCertificate',
    'Get-AuthConfig',
    'Test-Path',
    'Join-Path',
    'New-Object',
    'Where-Object',
    'ForEach-Object',
    'ConvertTo-Json',
    'Write-Output',
  ].map((c) => c.toLowerCase()),
);
/** .NET methods the script may call: conversions, in-memory lists, name lookups, XPath reads. */
const ALLOWED_METHODS = new Set([
  'ToString',
  'ToUniversalTime',
  'Add',
  'GetHostEntry',
  'Split',
  'ExpandEnvironmentVariables',
  'SelectNodes',
  // issue 16: an ACL's rules as SIDs (registry key, AD object: reads the security descriptor already fetched);
  // running an LDAP search built from the script's own constants ([adsisearcher]); bytes of an objectSid to a number.
  'GetAccessRules',
  'FindAll',
  'ToUInt32',
]);
const ALLOWED_TYPES = new Set(['[System.Net.Dns]', '[Environment]', '[BitConverter]']);
/**
 * Parameters that Windows PowerShell 5.1's cmdlets do not have (added in 6 or 7), by the unique prefixes that
 * PowerShell would accept for them: ForEach-Object -Parallel/-AsJob/-ThrottleLimit/-TimeoutSeconds/-UseNewRunspace,
 * ConvertTo-Json -AsArray/-EnumsAsStrings/-EscapeHandling, ConvertFrom-Json -AsHashtable/-NoEnumerate/-Depth,
 * Join-Path -AdditionalChildPath, Get-Content -AsByteStream, Get-Date -AsUTC.
 */
const PS7_PARAMETERS: Record<string, RegExp> = {
  'foreach-object': /^-(pa|as|th|ti|u)/i,
  'convertto-json': /^-(asa|en|es)/i,
  'convertfrom-json': /^-(ash|no|d)/i,
  'join-path': /^-ad/i,
  'get-content': /^-asb/i,
  'get-date': /^-asu/i,
};

let parser: Parser;
beforeAll(async () => {
  await Parser.init();
  const wasm = join(
    createRequire(import.meta.url).resolve('tree-sitter-powershell/package.json'),
    '..',
    'tree-sitter-powershell.wasm',
  );
  parser = new Parser();
  parser.setLanguage(await Language.load(wasm));
});

function walk(n: Node, f: (n: Node) => void): void {
  f(n);
  for (const c of n.children) if (c) walk(c, f);
}

interface Gate {
  parseErrors: string[];
  violations: string[];
  commands: string[];
}

/**
 * Syntax that Windows PowerShell 5.1 cannot parse or run. tree-sitter-powershell parses the 7 pipeline chains
 * (&&, ||) and leaves the 7 operators (??, ??=, ?., ?[], ternary) and clean blocks as ERROR nodes, which are
 * named here by what follows them, so the gate says which construct it found.
 */
function ps7Syntax(n: Node, script: string): string | undefined {
  if (n.type === 'pipeline_chain_tail') return `pipeline chain ${n.text.trim()}`;
  if (n.type !== 'ERROR') return undefined;
  const from = script.slice(n.startIndex);
  if (/^\s*\?\?=/.test(from)) return 'null-coalescing assignment ??=';
  if (/^\s*\?\?/.test(from)) return 'null-coalescing ??';
  if (/^\?[.[]/.test(from)) return 'null-conditional member access ?. or ?[]';
  if (/^\s*\?\s/.test(from)) return 'ternary operator ? :';
  if (/(^|\s)clean\s*$/.test(n.text) && /^\s*\{/.test(script.slice(n.endIndex))) return 'clean block';
  return undefined;
}

/** The read-only gate: parse errors and every construct outside the allowlists, each with its line. */
function gate(script: string): Gate {
  const root = parser.parse(script)!.rootNode;
  const out: Gate = { parseErrors: [], violations: [], commands: [] };
  const seen = new Set<string>();
  // The script's own functions are allowed by name: their bodies are walked like the rest.
  const own = new Set<string>();
  walk(root, (n) => {
    if (n.type === 'function_statement')
      own.add(n.children.find((c) => c?.type === 'function_name')!.text.toLowerCase());
  });
  walk(root, (n) => {
    const at = `line ${n.startPosition.row + 1}`;
    if (n.type === 'ERROR' || n.isMissing) out.parseErrors.push(`${at}: ${n.text.slice(0, 60)}`);
    const seven = ps7Syntax(n, script);
    if (seven && !seen.has(`${at}${seven}`)) {
      seen.add(`${at}${seven}`);
      out.violations.push(`${at}: PowerShell 7 only: ${seven}`);
    }
    if (n.type === 'command') {
      const name = n.children.find((c) => c?.type === 'command_name');
      if (!name) out.violations.push(`${at}: dynamic invocation ${n.text.slice(0, 40)}`);
      else {
        out.commands.push(name.text);
        const newer = PS7_PARAMETERS[name.text.toLowerCase()];
        for (const p of n.descendantsOfType('command_parameter'))
          if (newer && p && newer.test(p.text)) out.violations.push(`${at}: PowerShell 7 only: ${name.text} ${p.text}`);
        if (!ALLOWED_COMMANDS.has(name.text.toLowerCase()) && !own.has(name.text.toLowerCase()))
          out.violations.push(`${at}: command ${name.text}`);
      }
    }
    if (n.type === 'redirection') out.violations.push(`${at}: redirection ${n.text}`);
    if (n.type === 'invokation_expression') {
      const method = n.children.find((c) => c?.type === 'member_name')?.text ?? '?';
      if (!ALLOWED_METHODS.has(method)) out.violations.push(`${at}: method ${method}`);
      const first = n.children[0]!;
      if (first.type === 'type_literal' && !ALLOWED_TYPES.has(first.text))
        out.violations.push(`${at}: type ${first.text}`);
    }
  });
  return out;
}

const script = readFileSync(COLLECTOR_PATH, 'utf8');

describe('collector script: read-only gate', () => {
  it('parses without errors and uses only allowlisted commands, methods and types', () => {
    const g = gate(script);
    expect(g.parseErrors).toEqual([]);
    expect(g.commands.length).toBeGreaterThan(40);
    expect(g.violations).toEqual([]);
  });

  it('the gate catches writing, evaluating and dynamic constructs (it can fail)', () => {
    const bad: [string, RegExp][] = [
      ['Set-ItemProperty -Path HKLM:\\x -Name y -Value 1', /command Set-ItemProperty/],
      ['remove-item -Path C:\\x', /command remove-item/],
      ['Invoke-Expression $x', /command Invoke-Expression/],
      ['Start-Process cmd.exe', /command Start-Process/],
      ['& $x', /dynamic invocation/],
      ["& 'Remove-Item' C:\\x", /dynamic invocation/],
      ['Get-Item -Path x > C:\\out.txt', /redirection/],
      ["[IO.File]::WriteAllText('C:\\x', 'y')", /method WriteAllText/],
      ["$key.SetValue('a', 1)", /method SetValue/],
      ["[scriptblock]::Create('x')", /method Create/],
      ["[Environment]::SetEnvironmentVariable('a', 'b')", /method SetEnvironmentVariable/],
      ['function Get-Helper { Remove-Item -Path C:\\x }', /command Remove-Item/],
    ];
    for (const [snippet, why] of bad) {
      const g = gate(`${script}\n${snippet}\n`);
      // Only the added line is flagged (a type and its method may both be), and for the expected reason.
      const added = `line ${script.split('\n').length + 1}`;
      expect(g.violations.length, snippet).toBeGreaterThan(0);
      expect(
        g.violations.every((v) => v.startsWith(added)),
        g.violations.join('; '),
      ).toBe(true);
      expect(
        g.violations.some((v) => why.test(v)),
        g.violations.join('; '),
      ).toBe(true);
    }
  });

  it('the gate rejects what Windows PowerShell 5.1 does not have (each construct injected and named)', () => {
    const seven: [string, RegExp][] = [
      ['$a = $b ?? $c', /null-coalescing \?\?/],
      ['$a ??= 1', /null-coalescing assignment \?\?=/],
      ['$x = $a?.b', /null-conditional/],
      ['$x = ${a}?[0]', /null-conditional/],
      ['$x = $c ? 1 : 2', /ternary/],
      ['Get-Item -Path x && Get-Item -Path y', /pipeline chain &&/],
      ['Get-Item -Path x || Get-Item -Path y', /pipeline chain \|\|/],
      ['function Get-Thing { process { 1 } clean { 2 } }', /clean block/],
      ['Get-ChildItem -Path x | ForEach-Object -Parallel { $_ }', /ForEach-Object -Parallel/],
      ['Get-ChildItem -Path x | ForEach-Object -AsJob { $_ }', /ForEach-Object -AsJob/],
      ['Get-ChildItem -Path x | ForEach-Object -ThrottleLimit 4 -Process { $_ }', /ForEach-Object -ThrottleLimit/],
      ['ConvertTo-Json -InputObject $x -AsArray', /ConvertTo-Json -AsArray/],
      ['Join-Path -Path a -ChildPath b -AdditionalChildPath c', /Join-Path -AdditionalChildPath/],
      ['Get-Content -Path x -AsByteStream', /Get-Content -AsByteStream/],
      ['Get-Date -AsUTC', /Get-Date -AsUTC/],
    ];
    const added = `line ${script.split('\n').length + 1}`;
    for (const [snippet, why] of seven) {
      const g = gate(`${script}\n${snippet}\n`);
      const flagged = g.violations.filter((v) => v.includes('PowerShell 7 only'));
      expect(flagged.length, snippet).toBeGreaterThan(0);
      expect(
        flagged.every((v) => v.startsWith(added)),
        flagged.join('; '),
      ).toBe(true);
      expect(
        flagged.some((v) => why.test(v)),
        `${snippet}: ${flagged.join('; ')}`,
      ).toBe(true);
    }
    // 5.1 constructs that look alike stay allowed: -and/-or, a '?' in a string, -Process, ForEach-Object -MemberName
    const fine = [
      '$x = ($a -and $b) -or $c',
      "Write-Output 'a ? b : c ?? d'",
      'Get-ChildItem -Path x | ForEach-Object -Process { $_ }',
      'Get-ChildItem -Path x | ForEach-Object -MemberName Name',
      'Get-Item -Path a?b',
    ];
    for (const snippet of fine) expect(gate(`${script}\n${snippet}\n`).violations, snippet).toEqual([]);
  });

  it('the gate sees parse errors', () => {
    expect(gate('if ($x { Get-Item -Path "unterminated').parseErrors.length).toBeGreaterThan(0);
    expect(gate(`${script}\ntry { Get-Item -Path x\n`).parseErrors.length).toBeGreaterThan(0);
  });

  it('builds no command from a string (no Invoke-Expression, no script blocks from text)', () => {
    expect(script).not.toMatch(/Invoke-Expression|\[scriptblock\]::Create|iex\s|Add-Type/i);
  });

  it('is plain ASCII, so the code page that reads it from standard input never matters', () => {
    expect([...script].filter((c) => c.charCodeAt(0) > 0x7e && c !== '\u007f').join('')).toBe('');
  });
});

/** Each group: the group name its catch records, where its value is assigned, and the sources it must read. */
const GROUPS: { group: string; assigns: string; reads: string[] }[] = [
  {
    group: 'exchange',
    assigns: '$facts.exchange',
    reads: [
      'HKLM:\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Setup',
      'MsiInstallPath',
      'bin\\ExSetup.exe',
      'VersionInfo',
      "-like '*Role'",
      "'EdgeTransport'",
    ],
  },
  {
    group: 'os',
    assigns: '$facts.os',
    reads: ['Win32_OperatingSystem', 'BuildNumber', 'Windows NT\\CurrentVersion', "Get-Path $nt 'UBR'"],
  },
  {
    group: 'services',
    assigns: '$facts.services',
    reads: ["'MSExchangeUM'", "'MSExchangeMitigation'", 'StartType', "source = 'Get-Service'"],
  },
  {
    group: 'iis.virtualDirectories',
    assigns: '$iis.virtualDirectories',
    reads: [
      'Read-ConfigXml -Path $appHostPath',
      'extendedProtection/tokenChecking',
      'access/sslFlags',
      'ipSecurity/allowUnlisted',
      'Exchange Back End',
      "'configuration/system.applicationHost/sites/site'",
    ],
  },
  {
    group: 'iis.rewriteRules',
    assigns: '$iis.rewriteRules',
    reads: ['rewrite/rules', "'web.config'", 'physicalPath', "-ne 'Default Web Site'"],
  },
  {
    group: 'iis.rewriteRulesClearedIn',
    assigns: '$iis.rewriteRulesClearedIn',
    reads: ['FrontEnd\\HttpProxy', 'self::clear or self::remove'],
  },
  {
    group: 'iis.appPools',
    assigns: '$iis.appPools',
    reads: ['^MSExchange(ECP|OAB)AppPool$', 'Get-WebAppPoolState', 'autoStart'],
  },
  {
    group: 'config.registry',
    assigns: '$config.diagnosticsRegistry',
    reads: ['ExchangeServer\\v15\\Diagnostics', "'EnableSerializationDataSigning'", 'SuppressExtendedProtection'],
  },
  { group: 'config.outsideInDisabled', assigns: '$config.outsideInDisabled', reads: ['FIP-FS', 'Configuration.xml'] },
  { group: 'config.amsi', assigns: '$config.amsi', reads: ['HKLM:\\SOFTWARE\\Microsoft\\AMSI\\Providers'] },
  {
    group: 'config.settingOverrides',
    assigns: '$config.settingOverrides',
    reads: ['Get-SettingOverride', 'ComponentName', 'SectionName', 'Parameters'],
  },
  {
    group: 'config.clientAccess',
    assigns: '$config.sslOffloading',
    reads: [
      'Get-OutlookAnywhere',
      'SSLOffloading',
      'Get-OwaVirtualDirectory',
      'EnableDownloadDomains',
      'ExternalDownloadHostName',
      'InternalDownloadHostName',
      '$config.downloadDomains',
    ],
  },
  {
    group: 'config.eems',
    assigns: '$config.eems',
    reads: [
      'Get-OrganizationConfig',
      'Get-ExchangeServer',
      'MitigationsEnabled',
      'MitigationsApplied',
      'MitigationsBlocked',
      '$mitigationService',
    ],
  },
  // issue 16
  {
    group: 'tls',
    assigns: '$facts.tls',
    reads: [
      'SecurityProviders\\SCHANNEL\\Protocols',
      "'DisabledByDefault'",
      'SchUseStrongCrypto',
      'Wow6432Node',
      'Get-TlsCipherSuite',
      '00010002',
    ],
  },
  {
    group: 'windows.smb',
    assigns: '$windows.smb',
    reads: ['LanmanServer\\Parameters', "'DisableCompression'", 'EnableSMB1Protocol', "'FS-SMB1'"],
  },
  {
    group: 'windows.lsa',
    assigns: '$windows.lsa',
    reads: ["'LmCompatibilityLevel'", "'LsaCfgFlags'", 'FipsAlgorithmPolicy'],
  },
  {
    group: 'windows.deviceGuard',
    assigns: '$windows.deviceGuard',
    reads: ['Win32_DeviceGuard', 'SecurityServicesRunning'],
  },
  {
    group: 'windows.dotNet',
    assigns: '$windows.dotNet',
    reads: ['NDP\\v4\\Full', "'System.Data.dll'", "'System.Configuration.dll'", 'FileBuildPart', 'LastWriteTimeUtc'],
  },
  {
    group: 'iis.globalModules',
    assigns: '$iis.globalModules',
    reads: [
      'system.webServer/globalModules/add',
      'Get-AuthenticodeSignature',
      'SignerCertificate/Subject',
      "'TokenCacheModule'",
    ],
  },
  {
    group: 'iis.hsts',
    assigns: '$iis.hsts',
    reads: ["'hsts'", 'Strict-Transport-Security', 'max-age', 'redirectHttpToHttps'],
  },
  {
    group: 'config.effectiveOverrides',
    assigns: '$config.effectiveOverrides',
    reads: [
      'Get-ExchangeDiagnosticInfo',
      'Microsoft.Exchange.Directory.TopologyService',
      'VariantConfiguration',
      'Parameters/Parameter',
    ],
  },
  { group: 'config.irm', assigns: '$config.irm', reads: ['Get-IRMConfiguration', 'InternalLicensingEnabled'] },
  {
    group: 'config.msipcServerKey',
    assigns: '$config.msipcServerKey',
    reads: ['MSIPC\\Server', 'Get-Acl', 'GetAccessRules'],
  },
  {
    group: 'certificates',
    assigns: '$facts.certificates',
    reads: [
      'Get-ExchangeCertificate',
      'Cert:\\LocalMachine\\My',
      'NotAfter',
      'SignatureAlgorithm/Value',
      'Get-AuthConfig',
    ],
  },
  {
    group: 'ad',
    assigns: '$facts.ad',
    reads: [
      "[adsi]'LDAP://RootDSE'",
      'ms-Exch-Storage-Group',
      'possSuperiors',
      'ms-Exch-Schema-Version-Pt',
      'Microsoft Exchange System Objects',
      'ObjectSecurity.GetAccessRules',
    ],
  },
  {
    group: 'hybrid',
    assigns: '$facts.hybrid',
    reads: ['Get-HybridConfiguration', 'Get-AuthServer', 'EvoSts*', 'ApplicationIdentifier'],
  },
];

describe('collector script: what it collects', () => {
  const tries = () => {
    const found: { group: string; body: string }[] = [];
    walk(parser.parse(script)!.rootNode, (n) => {
      if (n.type !== 'try_statement') return;
      const body = n.children.find((c) => c?.type === 'statement_block')!.text;
      const handler = n.children.find((c) => c?.type === 'catch_clauses')?.text ?? '';
      const group = /Add-GroupError -Group '([^']+)'/.exec(handler)?.[1];
      found.push({ group: group ?? `(no Add-GroupError in the catch at line ${n.startPosition.row + 1})`, body });
    });
    return found;
  };

  it('every try records its error under a group name (no silent catch)', () => {
    expect(tries().filter((t) => t.group.startsWith('('))).toEqual([]);
  });

  it.each(GROUPS)('$group is collected in its own try/catch from its source', ({ group, assigns, reads }) => {
    const own = tries().filter((t) => t.group === group && t.body.includes(`${assigns} =`));
    expect(own, `a try assigning ${assigns} whose catch records group '${group}'`).toHaveLength(1);
    for (const r of reads) expect(own[0]!.body, `${group} reads ${r}`).toContain(r);
  });

  it('groups that need the Exchange cmdlets are recorded as not collected, with why, when the cmdlets are missing', () => {
    for (const [group, cmdlet] of [
      ['config.settingOverrides', 'Get-SettingOverride'],
      ['config.eems', 'Get-OrganizationConfig'],
      ['config.effectiveOverrides', 'Get-ExchangeDiagnosticInfo'],
      ['config.irm', 'Get-IRMConfiguration'],
      ['certificates.auth', 'Get-AuthConfig'],
      ['hybrid', 'Get-HybridConfiguration'],
    ]) {
      expect(script).toMatch(
        new RegExp(`Add-NotCollected -Group '${group.replace('.', '\\.')}' -Reason '[^']*${cmdlet}[^']*'`),
      );
    }
  });

  it('writes only keys the Facts schema knows, and every fact the checks read', () => {
    const schemaKeys = new Set<string>();
    const collect = (s: unknown): void => {
      if (!s || typeof s !== 'object') return;
      const o = s as Record<string, unknown>;
      if (o['properties'] && typeof o['properties'] === 'object')
        for (const k of Object.keys(o['properties'] as object)) schemaKeys.add(k);
      for (const v of Object.values(o)) collect(v);
    };
    collect(z.toJSONSchema(Facts, { io: 'input' }));
    const written = new Set<string>();
    walk(parser.parse(script)!.rootNode, (n) => {
      if (n.type === 'key_expression') written.add(n.text);
      // $facts.x = / $iis.x = / $config.x = / $eems.x = / $vdir.x = …
      if (n.type === 'left_assignment_expression') {
        const m = /^\$(facts|iis|config|eems|vdir)((?:\.\w+)+)$/.exec(n.text);
        if (m) written.add(m[2]!.split('.').at(-1)!);
      }
    });
    expect([...written].filter((k) => !schemaKeys.has(k))).toEqual([]);
    for (const k of [
      'build',
      'installPath',
      'roles',
      'edge',
      'ubr',
      'tokenChecking',
      'sslFlags',
      'ipFilterAllowUnlisted',
      'matchUrl',
      'negate',
      'conditions',
      'actionType',
      'rewriteRulesClearedIn',
      'appPools',
      'state',
      'autoStart',
      'diagnosticsRegistry',
      'suppressExtendedProtection',
      'providers',
      'settingOverrides',
      'orgEnabled',
      'serverEnabled',
      'serviceStatus',
      'applied',
      'blocked',
      'configured',
      'evoStsAuthServers',
      'applicationIdentifier',
      'notCollected',
    ]) {
      expect(written, k).toContain(k);
    }
  });
});

describe('exaudit collector', () => {
  it('prints the script, and its marked output loads as facts', () => {
    expect(runCli(['collector']).stdout).toBe(script);
    const sample = `WARNING: noise\r\n<<<EXAUDIT-FACTS-BEGIN>>>\r\n{"schemaVersion":"1","target":{"name":"ex01","transport":"local"},"exchange":{"build":"15.2.1748.10","precision":"exact","source":"ExSetup.exe FileVersion","roles":["Mailbox"],"edge":false},"notCollected":[{"group":"hybrid","reason":"needs Get-HybridConfiguration"}]}\r\n<<<EXAUDIT-FACTS-END>>>\r\n`;
    expect(parseFacts(JSON.parse(extractJson(`\uFEFF${sample}`)), 'sample').exchange?.build).toBe('15.2.1748.10');
  });
});
