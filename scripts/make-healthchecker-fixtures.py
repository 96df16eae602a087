#!/usr/bin/env python3
"""Writes the HealthChecker export fixtures in fixtures/healthchecker/ (made here; no real customer data).

They follow what HealthChecker.ps1 writes: Export-Clixml -Depth 2 of {HealthCheckerExchangeServer,
HtmlServerValues, DisplayResults} (Features/Invoke-HealthCheckerMainReport.ps1), in Export-Clixml's format:
RefId/TNRef, PSCustomObject members in <MS>, hashtables as <DCT>, lists as <LST>, `_xHHHH_` escapes for control
characters, and objects past the depth limit written as their ToString text. One fixture is a deeper export, in
which the raw data objects survive. Run: python3 scripts/make-healthchecker-fixtures.py
"""
import os
from xml.sax.saxutils import escape, quoteattr

OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'healthchecker')
PSCUSTOM = ['System.Management.Automation.PSCustomObject', 'System.Object']
HASHTABLE = ['System.Collections.Hashtable', 'System.Object']
LIST = ['System.Collections.Generic.List`1[[System.Object, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089]]', 'System.Object']


def enc(s):
    # Export-Clixml writes control characters (CR, LF, TAB in HealthChecker's lines) as _xHHHH_.
    return escape(''.join('_x%04X_' % ord(ch) if ord(ch) < 0x20 else ch for ch in s))


class Obj:
    def __init__(self, props, types=PSCUSTOM, to_string=None):
        self.props, self.types, self.to_string = props, types, to_string


class Lst:
    def __init__(self, items, types=LIST):
        self.items, self.types = items, types


class Dct:
    def __init__(self, entries, types=HASHTABLE):
        self.entries, self.types = entries, types


class Ver(str):
    pass


class DT(str):
    pass


class Writer:
    def __init__(self):
        self.ref = 0
        self.types = {}

    def tn(self, types):
        key = tuple(types)
        if key in self.types:
            return '<TNRef RefId="%d" />' % self.types[key]
        self.types[key] = len(self.types)
        return '<TN RefId="%d">%s</TN>' % (self.types[key], ''.join('<T>%s</T>' % escape(t) for t in types))


    def value(self, v, name=None, depth=1):
        pad = '  ' * depth
        n = ' N=%s' % quoteattr(name) if name is not None else ''
        if v is None:
            return pad + '<Nil%s />' % n
        if isinstance(v, bool):
            return pad + '<B%s>%s</B>' % (n, 'true' if v else 'false')
        if isinstance(v, int):
            return pad + '<I32%s>%d</I32>' % (n, v)
        if isinstance(v, DT):
            return pad + '<DT%s>%s</DT>' % (n, v)
        if isinstance(v, Ver):
            return pad + '<Version%s>%s</Version>' % (n, v)
        if isinstance(v, str):
            return pad + '<S%s>%s</S>' % (n, enc(v))
        ref = self.ref
        self.ref += 1
        inner = '  ' * (depth + 1)
        lines = [pad + '<Obj%s RefId="%d">' % (n, ref), inner + self.tn(v.types)]
        if isinstance(v, Lst):
            lines += [inner + '<LST>', *(self.value(i, None, depth + 2) for i in v.items), inner + '</LST>']
        elif isinstance(v, Dct):
            lines.append(inner + '<DCT>')
            for k, val in v.entries:
                lines += [inner + '  <En>', self.value(k, 'Key', depth + 3), self.value(val, 'Value', depth + 3), inner + '  </En>']
            lines.append(inner + '</DCT>')
        else:
            if v.to_string:
                lines.append(inner + '<ToString>%s</ToString>' % enc(v.to_string))
            lines += [inner + '<MS>', *(self.value(val, k, depth + 2) for k, val in v.props.items()), inner + '</MS>']
        lines.append(pad + '</Obj>')
        return '\n'.join(lines)


def document(root):
    body = Writer().value(root)
    return '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">\n' + body + '\n</Objs>'


def key(name, order):
    return Obj({'Name': name, 'DisplayGroupName': True, 'DisplayOrder': order, 'DefaultTabNumber': 1})


def line(name, value, custom_name='', tab=1, write='Grey'):
    # Add-AnalyzedResultInformation's lineInfo; at depth 2 its members are primitives or text.
    return Obj({'DisplayValue': value, 'Name': name, 'TestingName': name, 'CustomName': custom_name, 'TabNumber': tab,
                'TestingValue': value, 'CustomValue': value, 'OutColumns': None, 'WriteType': write})


def vuln(cve):
    text = '%s\r\n\t\tSee: https://portal.msrc.microsoft.com/security-guidance/advisory/%s for more information.' % (cve, cve)
    return Obj({'DisplayValue': text, 'Name': 'Security Vulnerability', 'TestingName': 'Security Vulnerability', 'CustomName': 'Security Vulnerability',
                'TabNumber': 1, 'TestingValue': cve, 'CustomValue': cve, 'OutColumns': None, 'WriteType': 'Red'})


def display(sections):
    return Dct([(key(name, order), Lst(lines)) for order, (name, lines) in enumerate(sections)])


def html_values(server, version):
    return Dct([
        ('OverviewValues', Lst([Obj({'Name': 'Server Name', 'DetailValue': server, 'Class': ''}), Obj({'Name': 'Exchange Version', 'DetailValue': version, 'Class': ''})])),
        ('ServerDetails', 'System.Collections.Generic.List`1[System.Object]'),
        ('ActionItems', 'System.Collections.Generic.List`1[System.Object]'),
    ])


def depth2(server, fqdn, generated, version_name, build, role, os_name, os_version, security, extra_exchange=(), extra_sections=()):
    # Members two levels down are written as text: the usual HealthChecker export.
    hc = Obj({
        'GenerationTime': DT(generated),
        'HealthCheckerVersion': '25.11.04.1712',
        'ServerName': fqdn,
        'OrganizationInformation': '@{GetOrganizationConfig=; GetHybridConfiguration=; EnableDownloadDomains=; IsSplitADPermissions=False}',
        'HardwareInformation': '@{Manufacturer=Microsoft Corporation; ServerType=HyperV; Model=Virtual Machine; TotalMemory=68719476736}',
        'OSInformation': '@{BuildInformation=; NetworkInformation=; PowerPlan=; PageFile=; ServerPendingReboot=}',
        'ExchangeInformation': '@{BuildInformation=; GetExchangeServer=%s; SettingOverrides=; VirtualDirectories=; ExtendedProtectionConfig=; IISSettings=; RegistryValues=}' % server,
    })
    sections = [
        ('BeginningInfo', []),
        ('Exchange Information', [
            line('Name', fqdn), line('Generation Time', generated), line('Version', version_name), line('Build Number', build),
            line('Server Role', role), line('DAG Name', 'Standalone Server'), *extra_exchange,
        ]),
        ('Operating System Information', [line('Product Name', os_name), line('Version', os_version), line('Time Zone', 'W. Europe Standard Time')]),
        ('Security Settings', security),
        *extra_sections,
    ]
    return Obj({'HealthCheckerExchangeServer': hc, 'HtmlServerValues': html_values(fqdn, version_name), 'DisplayResults': display(sections)})


def main():
    os.makedirs(OUT, exist_ok=True)
    files = {}

    # Exchange 2019 CU14 Nov24SUv2, EEMS healthy with one mitigation applied; HealthChecker lists two CVEs.
    files['HealthChecker-EX19A-202511201015.xml'] = depth2(
        'EX19A', 'ex19a.contoso.lab', '2025-11-20T10:15:42.1234567+01:00', 'Exchange 2019 CU14 Nov24SUv2', '15.02.1544.014', 'Mailbox',
        'Microsoft Windows Server 2022 Datacenter', '10.0.20348.2849',
        [line('TLS 1.0', 'Disabled'), line('TLS 1.1', 'Disabled'), line('TLS 1.2', 'Enabled'), line('TLS 1.3', 'Misconfigured', write='Red'),
         line('SecurityProtocol', 'SystemDefault'),
         line('LmCompatibilityLevel Settings', '5'), line('SMB1 Installed', 'False', write='Green'), line('SMB1 Blocked', 'False', write='Red'),
         # Invoke-AnalyzerSecurityExchangeCertificates.ps1: one group of lines per certificate
         line('Certificate', ''), line('FriendlyName', 'Microsoft Exchange Server Auth Certificate', tab=2),
         line('Thumbprint', 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678', tab=2), line('Lifetime in days', '20', tab=2, write='Red'),
         line('Certificate has expired', 'False', tab=2), line('Key size', '2048', tab=2), line('ECC Certificate', 'False', tab=2),
         line('Signature Algorithm', 'sha1RSA', tab=2, write='Yellow'), line('Signature Hash Algorithm', 'sha1', tab=2, write='Yellow'),
         line('Current Auth Certificate', 'True', tab=2),
         line('Certificate', ''), line('FriendlyName', 'mail.contoso.lab', tab=2), line('Thumbprint', 'FEDCBA9876543210FEDCBA9876543210FEDCBA98', tab=2),
         line('Lifetime in days', '300', tab=2, write='Green'), line('Key size', '4096', tab=2),
         line('Signature Hash Algorithm', 'sha256', tab=2), line('Current Auth Certificate', 'False', tab=2),
         line('AMSI Enabled', 'True'), line('SerializedDataSigning Enabled', 'True'),
         line('Exchange Emergency Mitigation Service', 'Enabled'), line('Windows service', 'Running', tab=2),
         line('Pattern service', '200 - Reachable', tab=2), line('Mitigation applied', 'PING1', tab=2), line('Telemetry enabled', 'False', tab=2),
         vuln('CVE-2025-21400'), vuln('CVE-2025-53786')],
        extra_exchange=(line('Setting Overrides Detected', 'False'), line('Extended Protection Enabled (Any VDir)', 'True')),
        extra_sections=(
            ('Frequent Configuration Issues', [line('FIPS Algorithm Policy Enabled', '0'), line('Credential Guard Enabled', 'False')]),
            ('Exchange IIS Information', [line('Invalid Configuration File', 'True', write='Red'),
                                          line('Invalid: C:\\inetpub\\wwwroot\\web.config', 'True', tab=2, write='Red')]),
        ))

    # Exchange 2016 CU23 Apr24HU, EEMS disabled for the organization, service not running.
    files['HealthChecker-EX16B-202511201022.xml'] = depth2(
        'EX16B', 'ex16b.contoso.lab', '2025-11-20T10:22:03.5550000+01:00', 'Exchange 2016 CU23 Apr24HU', '15.01.2507.039', 'Mailbox',
        'Microsoft Windows Server 2016 Datacenter', '10.0.14393.7428',
        [line('AMSI Enabled', 'True'), line('Exchange Emergency Mitigation Service', 'Disabled on org level', write='Yellow'),
         line('', 'More Information: https://aka.ms/HC-EEMS', tab=2, write='Yellow'),
         line('Windows service', 'Investigate', tab=2, write='Yellow'),
         line('Pattern service', 'Unreachable\r\n\t\tMore information: https://aka.ms/HelpConnectivityEEMS', tab=2, write='Yellow'),
         vuln('CVE-2024-49040')],
        extra_exchange=(line('Setting Overrides Detected', 'True'),))

    # An Edge Transport server: no IIS data at all.
    files['HealthChecker-EDGE01-202511201030.xml'] = depth2(
        'EDGE01', 'edge01.dmz.contoso.lab', '2025-11-20T10:30:00.0000000+01:00', 'Exchange 2019 CU14 Mar24SU', '15.02.1544.009', 'Edge',
        'Microsoft Windows Server 2019 Standard', '10.0.17763.6414', [])

    # A deeper export (Export-Clixml -Depth 6 by hand): the raw objects survive and are preferred.
    setting = Obj({'Name': 'DisableAMSI', 'ModifiedBy': 'contoso.lab/Users/Admin', 'Reason': 'vendor support case', 'ComponentName': 'Cafe',
                   'SectionName': 'HttpRequestFiltering', 'Status': 'Accepted', 'Parameters': Lst(['Enabled=False'], ['System.Object[]', 'System.Array', 'System.Object'])})
    deep_hc = Obj({
        'GenerationTime': DT('2025-11-21T08:00:10.0000000+01:00'),
        'HealthCheckerVersion': '25.11.04.1712',
        'ServerName': 'ex13c.contoso.lab',
        'OrganizationInformation': Obj({
            'GetOrganizationConfig': Obj({'Name': 'Contoso', 'MitigationsEnabled': True}, ['Deserialized.Microsoft.Exchange.Data.Directory.Management.OrganizationConfig', 'Deserialized.System.Object'], 'Contoso'),
            'GetSettingOverride': Lst([Obj({'Name': 'DisableAMSI', 'ComponentName': 'Cafe', 'SectionName': 'HttpRequestFiltering', 'Status': 'Accepted',
                                            'Parameters': Lst(['Enabled=False'], ['System.Object[]', 'System.Array', 'System.Object']),
                                            'MinVersion': None, 'MaxVersion': Ver('15.0.1497.48'), 'Server': None})]),
            'GetIrmConfiguration': Obj({'InternalLicensingEnabled': True, 'ExternalLicensingEnabled': False}),
        }),
        'OSInformation': Obj({
            'BuildInformation': Obj({'FriendlyName': 'Windows Server 2012 R2', 'BuildVersion': Ver('6.3.9600.0')}),
            # Get-AllTlsSettings: per version the registry values (a value not set is $null) and HealthChecker's classification
            'TLSSettings': Obj({
                'Registry': Obj({
                    'TLS': Dct([(v, Obj({'TLSVersion': v, 'ServerEnabledValue': se, 'ServerDisabledByDefaultValue': sd,
                                         'ClientEnabledValue': ce, 'ClientDisabledByDefaultValue': cd, 'TLSConfiguration': conf}))
                                for v, se, sd, ce, cd, conf in [('1.0', 1, None, 0, 1, 'Misconfigured'), ('1.1', 0, 1, 0, 1, 'Disabled'),
                                                                ('1.2', 1, 0, 1, 0, 'Enabled'), ('1.3', None, None, None, None, 'Disabled')]]),
                    'NET': Dct([('NETv4', Obj({'NetVersion': 'v4.0.30319', 'SystemDefaultTlsVersionsValue': 1, 'SchUseStrongCryptoValue': 1,
                                               'WowSystemDefaultTlsVersionsValue': 1, 'WowSchUseStrongCryptoValue': None}))]),
                }),
                'SecurityProtocol': 'SystemDefault',
                'TlsCipherSuite': Lst([Obj({'Name': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'}), Obj({'Name': 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'})]),
            }),
            'Smb1ServerSettings': Obj({'SuccessfulGetInstall': True, 'SuccessfulGetBlocked': True, 'Installed': True, 'IsBlocked': False}),
            'RegistryValues': Obj({'LmCompatibilityLevel': 3, 'CredentialGuard': 0, 'LanManServerDisabledCompression': 0, 'CurrentVersionUbr': 7000}),
            'CredentialGuardCimInstance': Lst([0, 0]),
            'NETFramework': Obj({'MajorVersion': 528040, 'FriendlyName': '4.8', 'FileInformation': Dct([
                (name, Obj({'LastWriteTimeUtc': DT('2020-02-27T10:05:20.6781676Z'), 'VersionInfo': Obj({'FileBuildPart': 3761})}))
                for name in ['System.Data.dll', 'System.Configuration.dll']])}),
        }),
        'ExchangeInformation': Obj({
            'GetExchangeServer': Obj({'Name': 'EX13C', 'IsEdgeServer': False, 'MitigationsEnabled': False, 'AdminDisplayVersion': 'Version 15.0 (Build 1497.48)'},
                                     ['Deserialized.Microsoft.Exchange.Data.Directory.Management.ExchangeServer', 'Deserialized.System.Object'], 'EX13C'),
            'BuildInformation': Obj({
                'ServerRole': 'MultiRole',
                'VersionInformation': Obj({'FriendlyName': 'Exchange 2013 CU23 Mar23SU', 'BuildVersion': Ver('15.0.1497.48')}),
                'ExchangeSetup': Obj({'FileVersion': '15.00.1497.048'}),
            }),
            'SettingOverrides': Obj({'LastUpdated': DT('2025-11-01T09:00:00Z'), 'SimpleSettingOverrides': Lst([setting])}),
            'RegistryValues': Obj({'FipsAlgorithmPolicyEnabled': 1, 'SerializedDataSigning': 0}),
            'IISSettings': Obj({
                'IISModulesInformation': Obj({'AllModulesSigned': False, 'ModuleList': Lst([
                    Obj({'Name': 'TokenCacheModule', 'Path': 'C:\\Windows\\System32\\inetsrv\\cachtokn.dll', 'Signed': True,
                         'SignatureDetails': Obj({'Signer': 'CN=Microsoft Windows, O=Microsoft Corporation, L=Redmond, S=Washington, C=US', 'SignatureStatus': 0, 'IsMicrosoftSigned': True}), 'PathNotFound': False}),
                    Obj({'Name': 'HttpCompressionHelper', 'Path': 'C:\\Windows\\System32\\inetsrv\\comphelp.dll', 'Signed': False,
                         'SignatureDetails': Obj({'Signer': None, 'SignatureStatus': -1, 'IsMicrosoftSigned': None}), 'PathNotFound': False}),
                ])}),
                'IISTokenCacheModuleInformation': Obj({'ProductVersion': '8.5.9600.16384', 'FileBuildPart': 9600}),
            }),
        }),
    })
    files['HealthChecker-EX13C-202511210800.xml'] = Obj({
        'HealthCheckerExchangeServer': deep_hc,
        'HtmlServerValues': html_values('ex13c.contoso.lab', 'Exchange 2013 CU23 Mar23SU'),
        'DisplayResults': display([('Exchange Information', [line('Name', 'ex13c.contoso.lab'), line('Build Number', '15.00.1497.048'), line('Server Role', 'MultiRole')])]),
    })

    for name, root in files.items():
        with open(os.path.join(OUT, name), 'w', encoding='utf-8', newline='\r\n') as f:
            f.write('\ufeff' + document(root) + '\n')

    # Not HealthChecker: a CLIXML export of another object, a foreign XML, and a truncated export.
    with open(os.path.join(OUT, 'not-healthchecker-service.xml'), 'w', encoding='utf-8') as f:
        f.write(document(Obj({'Name': 'MSExchangeMitigation', 'Status': 'Running'}, ['System.ServiceProcess.ServiceController', 'System.Object'], 'MSExchangeMitigation')) + '\n')
    with open(os.path.join(OUT, 'foreign-nmap.xml'), 'w', encoding='utf-8') as f:
        f.write('<?xml version="1.0"?>\n<nmaprun scanner="nmap" args="nmap -p 443 ex01"><host><address addr="192.0.2.10"/></host></nmaprun>\n')
    full = open(os.path.join(OUT, 'HealthChecker-EX19A-202511201015.xml'), encoding='utf-8').read()
    with open(os.path.join(OUT, 'truncated-export.xml'), 'w', encoding='utf-8') as f:
        f.write(full[: len(full) // 2])


if __name__ == '__main__':
    main()
