# make-collector-fixtures.ps1: turns HealthChecker's recorded data sets (microsoft/CSS-Exchange,
# Diagnostics/HealthChecker/Tests/DataCollection, Export-Clixml of real cmdlet output and copies of real IIS
# configuration files, MIT licence) into this project's own reduced fixtures for the collector tests
# (tests/collect/ps/): fixtures/collector/<set>/world.json plus reduced configuration files.
#
# Only the objects and properties that src/collect/ps/Get-ExchangeFacts.ps1 reads are kept, re-serialized as JSON
# (registry values typed, so a DWORD stays an Int32) and as new XML documents holding only the elements and
# attributes the collector reads. Nothing is copied verbatim. Values HealthChecker did not record come from
# HealthChecker's own test mocks or are ours; world.json's "provenance" says which, fact by fact, and
# fixtures/collector/README.md lists the source files, commits and the licence.
#
#   pwsh -NoProfile -File scripts/make-collector-fixtures.ps1 [-Repo <CSS-Exchange git dir>] [-Out fixtures/collector]
param(
    [string]$Repo = '/work/.mirror/microsoft+CSS-Exchange/repo',
    [string]$Out = (Join-Path $PSScriptRoot '../fixtures/collector')
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$root = 'Diagnostics/HealthChecker/Tests/DataCollection'
# Each data set: one recorded server as one of HealthChecker's Pester contexts sees it (the files it mocks with).
$sets = @(
    @{
        name = 'hc-e19-cu11'; commit = 'f88378b1e7a252e413cb2e579e88411393737c11'; dir = 'E19'
        context = 'HealthChecker.E19.Main.Tests.ps1, Context "Basic Exchange 2019 CU11 Testing HyperV"'
        files = @{ exsetup = 'ExSetup.xml'; appHost = 'applicationHost.config'; siteWebConfig = 'DefaultWebSite_web.config'
            settingOverride = 'GetSettingOverride.xml'; orgConfig = 'GetOrganizationConfig.xml'; owa = 'GetOwaVirtualDirectory.xml'
            # HealthChecker.E19.Scenarios2.Tests.ps1 "Scenario 2": a Default Web Site web.config that is not well-formed;
            # "Scenario 1": an applicationHost.config that is not well-formed
            invalidSiteWebConfig = 'DefaultWebSite_web1.config'; invalidAppHost = 'BadApplicationHost.config' }
    },
    @{
        name = 'hc-e19-scenario2'; commit = 'f88378b1e7a252e413cb2e579e88411393737c11'; dir = 'E19'
        context = 'HealthChecker.E19.Scenarios.Tests.ps1, Context "Checking Scenarios 2" (Extended Protection, the serialization-signing override, download domains)'
        files = @{ exsetup = 'ExSetup1.xml'; appHost = 'applicationHost1.config'; siteWebConfig = 'DefaultWebSite_web.config'
            settingOverride = 'GetSettingOverride1.xml'; orgConfig = 'GetOrganizationConfig1.xml'; owa = 'GetOwaVirtualDirectory2.xml'
            tls = 'GetAllTlsSettings2.xml'; variant = 'GetExchangeDiagnosticInfo_ADTopVariantConfiguration1.xml' }
    },
    @{
        name = 'hc-e19-hybrid'; commit = 'f88378b1e7a252e413cb2e579e88411393737c11'; dir = 'E19'
        context = 'HealthChecker.E19.Scenarios3.Tests.ps1, Context "Scenario 2" (hybrid with the dedicated hybrid application)'
        files = @{ exsetup = 'ExSetup.xml'; appHost = 'applicationHost.config'; siteWebConfig = 'DefaultWebSite_web.config'
            settingOverride = 'GetSettingOverride2.xml'; orgConfig = 'GetOrganizationConfig.xml'; owa = 'GetOwaVirtualDirectory.xml'
            hybrid = 'GetHybridConfiguration.xml' }
    },
    @{
        name = 'hc-e19-physical'; commit = 'f88378b1e7a252e413cb2e579e88411393737c11'; dir = 'E19'
        context = 'HealthChecker.E19.Main.Tests.ps1, Context "Basic Exchange 2019 CU11 Testing Physical" (2019 CU12 Feb23SU, Extended Protection as Scenario 3 Physical, patched cachtokn.dll, HSTS native and as a header)'
        files = @{ exsetup = 'ExSetup1.xml'; appHost = 'applicationHost2.config'; siteWebConfig = 'DefaultWebSite_web2.config'
            settingOverride = 'GetSettingOverride.xml'; orgConfig = 'GetOrganizationConfig.xml'; owa = 'GetOwaVirtualDirectory.xml'
            webSite = 'GetWebSite1.xml'; cachtokn = 'GetVersionInformationCachToknPatched.xml' }
    },
    @{
        name = 'hc-e19-scenario1'; commit = 'f88378b1e7a252e413cb2e579e88411393737c11'; dir = 'E19'
        context = 'HealthChecker.E19.Scenarios.Tests.ps1, Context "Checking Scenarios 1" (Extended Protection on an unsupported build, AMSI off by the effective override, TokenCacheModule not loaded, TLS misconfigured, SMB1, Credential Guard, back end HSTS)'
        files = @{ exsetup = 'ExSetup.xml'; appHost = 'applicationHost1.config'; siteWebConfig = 'DefaultWebSite_web.config'
            settingOverride = 'GetSettingOverride.xml'; orgConfig = 'GetOrganizationConfig1.xml'; owa = 'GetOwaVirtualDirectory1.xml'
            tls = 'GetAllTlsSettings1.xml'; variant = 'GetExchangeDiagnosticInfo_ADTopVariantConfiguration1.xml'; iisModules = 'GetIISModulesNoTokenCacheModule.xml'
            smb = 'GetSmbServerConfiguration1.xml'; windowsFeature = 'GetWindowsFeature1.xml'; webSite = 'GetWebSite2.xml' }
        registry = @{ LsaCfgFlags = 1 }
    },
    @{
        name = 'hc-e16-cu22'; commit = 'f88378b1e7a252e413cb2e579e88411393737c11'; dir = 'E16'
        context = 'HealthChecker.E16.Main.Tests.ps1, Context "Basic Exchange 2016 CU22 Testing"'
        files = @{ exsetup = 'ExSetup.xml'; appHost = 'applicationHost.config'; siteWebConfig = 'DefaultWebSite_web.config'
            orgConfig = 'GetOrganizationConfig.xml'; owa = 'GetOwaVirtualDirectory.xml' }
    },
    @{
        # Exchange 2013's data set was removed from the repository in de315af ("Removed Pester for Exchange 2013");
        # this is its parent commit.
        name = 'hc-e15-cu23'; commit = 'f40726eac990d187ca4397418fd692db50edb4e3'; dir = 'E15'
        context = 'HealthChecker.E15.Main.Tests.ps1 (before de315af), Context "Basic Exchange 2013 CU23 Testing"'
        files = @{ exsetup = 'ExSetup.xml'; appHost = 'applicationHost.config'; siteWebConfig = 'DefaultWebSite_web.config'
            orgConfig = 'GetOrganizationConfig.xml'; owa = 'GetOwaVirtualDirectory.xml' }
    }
)
# Files every context reads unless it names another (HealthCheckerTest.CommonMocks.NotPublished.ps1).
$defaultFiles = @{ tls = 'GetAllTlsSettings.xml'; variant = 'GetExchangeDiagnosticInfo_ADTopVariantConfiguration.xml'
    iisModules = 'GetIISModules.xml'; cachtokn = 'GetVersionInformationCachTokn.xml'; smb = 'GetSmbServerConfiguration.xml'
    windowsFeature = 'GetWindowsFeature.xml'; webSite = 'GetWebSite.xml'; dotNet = 'GetDotNetDllFileVersions.xml' }
# Registry values HealthChecker's common mocks answer (Get-RemoteRegistryValue) that a context may change.
$defaultRegistry = @{ LsaCfgFlags = 0 }

# HttpProxy web.configs as HealthChecker names them, and the folder under FrontEnd\HttpProxy each one is in (the
# physical paths in the recorded applicationHost.config).
$proxyDirs = [ordered]@{ AutoD = 'Autodiscover'; EAS = 'sync'; ECP = 'ecp'; EWS = 'EWS'; MAPI = 'mapi'; OAB = 'OAB'
    OWA = 'owa'; PowerShell = 'PowerShell'; RPC = 'rpc'; Rest = 'Rest' }
# The service names the collector asks Get-Service for.
$serviceNames = @('MSExchangeUM', 'MSExchangeUMCR', 'MSExchangeMitigation', 'MSExchangeHM', 'MSExchangeHMRecovery')
# Windows Defender's AMSI provider CLSID (registered wherever Defender runs; HealthChecker does not record the key).
$defenderAmsi = '{2781761E-28E0-4109-99FE-B9D127C57AFE}'

function Get-Prop { param($Object, [string]$Name)
    $p = $Object.PSObject.Properties[$Name]
    if ($null -eq $p) { return $null }
    return , $p.Value
}
function Has-Prop { param($Object, [string]$Name) return ($null -ne $Object.PSObject.Properties[$Name]) }
# Only the named properties that exist on the recorded object (absent stays absent: a CU before EEMS has no
# MitigationsEnabled, and the collector must cope with that).
function Select-Recorded { param($Object, [string[]]$Names)
    $o = [ordered]@{}
    foreach ($n in $Names) {
        if (-not (Has-Prop $Object $n)) { continue }
        $v = Get-Prop $Object $n
        if ($null -eq $v) { $o[$n] = $null }
        elseif (@($v.PSObject.TypeNames) -like '*System.Enum') { $o[$n] = [string]$v.ToString() }  # ServerRole: "Mailbox, ClientAccess"
        elseif ($v -is [string] -or $v -is [bool] -or $v -is [int] -or $v -is [long]) { $o[$n] = $v }
        elseif ($v -is [System.Collections.IEnumerable]) { $o[$n] = @($v | ForEach-Object { [string]$_.ToString() }) }
        else { $o[$n] = [string]$v.ToString() }
    }
    return $o
}

# A new XML element holding only the attributes and children that $Spec names: @{ attrs = @(...); children = @{
# name = spec } }. Children are copied in document order.
function Copy-Reduced { param([System.Xml.XmlElement]$From, [System.Xml.XmlNode]$To, [hashtable]$Spec)
    $doc = if ($To -is [System.Xml.XmlDocument]) { $To } else { $To.OwnerDocument }
    $el = $doc.CreateElement($From.LocalName)
    foreach ($a in @($Spec['attrs'])) { if ($a -and $From.HasAttribute($a)) { $el.SetAttribute($a, $From.GetAttribute($a)) } }
    $children = $Spec['children']
    if ($children) {
        foreach ($c in $From.ChildNodes) {
            if ($c -is [System.Xml.XmlElement] -and $children.Contains($c.LocalName)) { $null = Copy-Reduced $c $el $children[$c.LocalName] }
        }
    }
    return $To.AppendChild($el)
}
$ruleSpec = @{ attrs = @('name', 'enabled', 'patternSyntax', 'stopProcessing'); children = @{
        match = @{ attrs = @('url') }
        conditions = @{ children = @{ add = @{ attrs = @('input', 'pattern', 'negate', 'ignoreCase') } } }
        action = @{ attrs = @('type') } } }
$rewriteSpec = @{ children = @{ rules = @{ children = @{ rule = $ruleSpec; clear = @{}; remove = @{ attrs = @('name') } } } } }
$webServerSpec = @{ children = @{
        security = @{ children = @{
                access = @{ attrs = @('sslFlags') }
                authentication = @{ children = @{ windowsAuthentication = @{ children = @{ extendedProtection = @{ attrs = @('tokenChecking') } } } } }
                ipSecurity = @{ attrs = @('allowUnlisted') } } }
        rewrite = $rewriteSpec
        httpProtocol = @{ children = @{ customHeaders = @{ children = @{ add = @{ attrs = @('name', 'value') } } } } } } }

function New-ReducedDocument { param([string]$Comment)
    $doc = New-Object System.Xml.XmlDocument
    $null = $doc.AppendChild($doc.CreateComment(" $Comment "))
    return $doc
}
function Save-Xml { param([System.Xml.XmlDocument]$Doc, [string]$Path)
    $settings = New-Object System.Xml.XmlWriterSettings
    $settings.Indent = $true
    $settings.Encoding = New-Object System.Text.UTF8Encoding($false)
    $w = [System.Xml.XmlWriter]::Create($Path, $settings)
    try { $Doc.Save($w) } finally { $w.Dispose() }
}

function Reduce-ApplicationHost { param([string]$Source, [string]$Target, [string]$Cite, [string[]]$Modules, [hashtable]$Hsts)
    $src = [xml][System.IO.File]::ReadAllText($Source)
    $doc = New-ReducedDocument "Reduced by scripts/make-collector-fixtures.ps1 from $Cite (MIT): only what Get-ExchangeFacts.ps1 reads"
    $cfg = $doc.AppendChild($doc.CreateElement('configuration'))
    $sah = $cfg.AppendChild($doc.CreateElement('system.applicationHost'))
    $pools = $sah.AppendChild($doc.CreateElement('applicationPools'))
    foreach ($p in $src.configuration.'system.applicationHost'.applicationPools.add) {
        if ($p.name -like 'MSExchange*') { $null = Copy-Reduced $p $pools @{ attrs = @('name', 'autoStart', 'startMode') } }
    }
    $sites = $sah.AppendChild($doc.CreateElement('sites'))
    foreach ($s in $src.configuration.'system.applicationHost'.sites.site) {
        if ($s.name -in @('Default Web Site', 'Exchange Back End')) {
            $site = Copy-Reduced $s $sites @{ attrs = @('name'); children = @{ application = @{ attrs = @('path'); children = @{ virtualDirectory = @{ attrs = @('path', 'physicalPath') } } } } }
            # Native HSTS as Get-WebSite recorded it, where IIS keeps it: the site's <hsts> element.
            if ($Hsts -and $Hsts.Contains([string]$s.name) -and $Hsts[[string]$s.name]['enabled'] -eq 'True') {
                $h = $site.AppendChild($doc.CreateElement('hsts'))
                foreach ($a in $Hsts[[string]$s.name].GetEnumerator()) { $h.SetAttribute($a.Key, ([string]$a.Value).ToLowerInvariant()) }
            }
        }
    }
    # The global (native) modules HealthChecker's recording lists as loaded (Get-IISModules), with their images.
    $ws = $cfg.AppendChild($doc.CreateElement('system.webServer'))
    $gm = $ws.AppendChild($doc.CreateElement('globalModules'))
    foreach ($m in $src.configuration.'system.webServer'.globalModules.add) {
        if ($m.name -in $Modules) { $null = Copy-Reduced $m $gm @{ attrs = @('name', 'image') } }
    }
    foreach ($l in $src.configuration.location) {
        if ($l.path -match '^(Default Web Site|Exchange Back End)(/|$)') {
            $null = Copy-Reduced $l $cfg @{ attrs = @('path'); children = @{ 'system.webServer' = $webServerSpec } }
        }
    }
    Save-Xml $doc $Target
}
# A web.config reduced to its URL Rewrite rules; a file that is not well-formed XML stays "not XML", reduced to a
# truncated element so the collector meets the same parse error.
function Reduce-WebConfig { param([string]$Source, [string]$Target, [string]$Cite)
    $text = [System.IO.File]::ReadAllText($Source)
    try { $src = [xml]$text } catch {
        [System.IO.File]::WriteAllText($Target, "<!-- Reduced from $Cite (MIT): the recorded file is not well-formed XML -->`n<configuration>`n  <system.webServer>`n")
        return
    }
    $doc = New-ReducedDocument "Reduced by scripts/make-collector-fixtures.ps1 from $Cite (MIT): only its URL Rewrite rules and HSTS header"
    $cfg = $doc.AppendChild($doc.CreateElement('configuration'))
    foreach ($ws in $src.SelectNodes('/configuration/system.webServer | /configuration/location/system.webServer')) {
        $rw = $ws.SelectSingleNode('rewrite')
        $hp = $ws.SelectSingleNode("httpProtocol[customHeaders/add[@name='Strict-Transport-Security']]")
        if ($null -eq $rw -and $null -eq $hp) { continue }
        $sws = $cfg.AppendChild($doc.CreateElement('system.webServer'))
        if ($null -ne $rw) { $null = Copy-Reduced $rw $sws $rewriteSpec }
        if ($null -ne $hp) { $null = Copy-Reduced $hp $sws @{ children = @{ customHeaders = @{ children = @{ add = @{ attrs = @('name', 'value') } } } } } }
    }
    Save-Xml $doc $Target
}
# FIP-FS Configuration.xml reduced to its text-extraction module lists (the OutsideIn override lives there).
function Reduce-FipFs { param([string]$Source, [string]$Target, [string]$Cite)
    $src = [xml][System.IO.File]::ReadAllText($Source)
    $doc = New-ReducedDocument "Reduced by scripts/make-collector-fixtures.ps1 from $Cite (MIT): only the OutsideIn module lists"
    $cfg = $doc.AppendChild($doc.CreateElement('Configuration'))
    foreach ($ml in $src.SelectNodes("//*[local-name()='ModuleList'][*[local-name()='Module' and contains(., 'OutsideIn')]]")) {
        $null = Copy-Reduced $ml $cfg @{ attrs = @('TypeList') }
        foreach ($m in $ml.ChildNodes) {
            if ($m -is [System.Xml.XmlElement]) {
                $n = $cfg.LastChild.AppendChild($doc.CreateElement('Module'))
                $n.SetAttribute('Enabled', $m.GetAttribute('Enabled'))
                $n.InnerText = $m.InnerText
            }
        }
    }
    Save-Xml $doc $Target
}

$typeOf = @{ [string] = 'String'; [int] = 'DWord'; [long] = 'QWord' }
function Reg { param($Value) return [ordered]@{ type = $typeOf[$Value.GetType()]; value = $Value } }

$work = Join-Path ([System.IO.Path]::GetTempPath()) ("hc-fixtures-" + [guid]::NewGuid())
$null = New-Item -ItemType Directory -Path $work
try {
    $readme = New-Object System.Collections.Generic.List[string]
    foreach ($set in $sets) {
        $rel = "$root/$($set['dir'])"
        $tree = Join-Path $work "$($set['commit'])-$($set['dir'])"
        if (-not (Test-Path $tree)) {
            $null = New-Item -ItemType Directory -Path $tree
            & git -C $Repo archive --format=tar -o (Join-Path $work 'set.tar') $set['commit'] $rel
            if ($LASTEXITCODE) { throw "git archive $($set['commit']) $rel failed" }
            & tar -xf (Join-Path $work 'set.tar') -C $tree
        }
        $in = Join-Path $tree $rel
        $dst = Join-Path $Out $set['name']
        if (Test-Path $dst) { Remove-Item -Recurse -Force $dst }
        $null = New-Item -ItemType Directory -Path $dst
        $provenance = New-Object System.Collections.Generic.List[object]
        $used = New-Object System.Collections.Generic.List[string]
        function Src { param([string]$File) $used.Add("$rel/$File"); return (Join-Path $in $File) }
        function Note { param([string]$Fact, [string]$From) $provenance.Add([ordered]@{ fact = $Fact; from = $From }) }
        $cite = { param([string]$File) "microsoft/CSS-Exchange $($set['commit'].Substring(0, 9)) $rel/$File" }

        $exsetup = Import-Clixml (Src "Exchange/$($set['files'].exsetup)")
        $server = @(Import-Clixml (Src 'Exchange/GetExchangeServer.xml'))[0]
        $os = Import-Clixml (Src 'OS/Win32_OperatingSystem.xml')
        $allServices = @(Import-Clixml (Src 'OS/GetService.xml'))
        $mitigationFile = Join-Path $in 'Exchange/GetServiceMitigation.xml'
        $pools = Import-Clixml (Src 'Exchange/GetExchangeAppPoolsInformation.xml')
        # The file a context names for a recording, or the one the common mocks use; $null when this data set lacks it.
        function SetFile { param([string]$Key, [string]$Folder)
            $name = if ($set['files'].Contains($Key)) { $set['files'][$Key] } else { $defaultFiles[$Key] }
            if (-not $name -or -not (Test-Path -PathType Leaf (Join-Path $in "$Folder/$name"))) { return $null }
            return (Src "$Folder/$name")
        }
        $iisModulesFile = SetFile 'iisModules' 'Exchange'
        $moduleList = if ($iisModulesFile) { @((Import-Clixml $iisModulesFile).ModuleList) } else { @() }
        $hstsBySite = @{}
        $webSiteFile = SetFile 'webSite' 'Exchange/IIS'
        if ($webSiteFile) {
            foreach ($site in @(Import-Clixml $webSiteFile)) {
                # IIS before 10.0 version 1709 has no native HSTS: its sites carry no hsts element.
                $native = Get-Prop $site 'hsts'
                if ($null -eq $native -or $null -eq $native.PSObject.Properties['Attributes']) { continue }
                $h = [ordered]@{}
                foreach ($a in @($native.Attributes)) { $h[[string]$a.Name] = [string]$a.Value }
                $hstsBySite[[string]$site.Name] = $h
            }
        }

        $exsetupPath = [string]$exsetup.FileName
        $build = '{0}.{1}.{2}.{3}' -f $exsetup.FileMajorPart, $exsetup.FileMinorPart, $exsetup.FileBuildPart, $exsetup.FilePrivatePart
        $install = $exsetupPath.Substring(0, $exsetupPath.Length - '\bin\ExSetup.exe'.Length)
        Note 'ExSetup.exe version and path' "$rel/Exchange/$($set['files'].exsetup) (Get-Command ExSetup.exe FileVersionInfo)"
        Note 'MsiInstallPath' "the folder above bin\ExSetup.exe in $rel/Exchange/$($set['files'].exsetup)"
        $roles = @($server.ServerRole.ToString() -split ',\s*' | Where-Object { $_ } | ForEach-Object { "${_}Role" })
        Note 'v15 role keys (<role>Role)' "ServerRole of $rel/Exchange/GetExchangeServer.xml"

        $fipData = "$install\FIP-FS\Data"
        $registry = [ordered]@{
            'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15' = [ordered]@{ subkeys = @($roles + @('Setup', 'Diagnostics', 'FIP-FS') | Sort-Object); values = [ordered]@{} }
            'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Setup' = [ordered]@{ subkeys = @(); values = [ordered]@{ MsiInstallPath = (Reg $install) } }
            'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Diagnostics' = [ordered]@{ subkeys = @(); values = [ordered]@{ EnableSerializationDataSigning = (Reg 0) } }
            'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\FIP-FS' = [ordered]@{ subkeys = @(); values = [ordered]@{ DatabasePath = (Reg $fipData) } }
            'HKLM:\SYSTEM\CurrentControlSet\Control\LSA' = [ordered]@{ subkeys = @(); values = [ordered]@{ SuppressExtendedProtection = (Reg 0) } }
            'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' = [ordered]@{ subkeys = @(); values = [ordered]@{ CurrentBuild = (Reg ([string]$os.BuildNumber)); UBR = (Reg 720) } }
        }
        Note 'Diagnostics EnableSerializationDataSigning = 0, LSA SuppressExtendedProtection = 0, UBR = 720; DisableBaseTypeCheckForDeserialization and EnableEccCertificateSupport not set' 'HealthChecker''s common mocks (Tests/HealthCheckerTest.CommonMocks.NotPublished.ps1, Get-RemoteRegistryValue): not recorded from the server'
        Note 'FIP-FS DatabasePath' 'ours: the default <install>\FIP-FS\Data (HealthChecker''s mocks point it at the data set folder)'
        Note 'CurrentBuild' "BuildNumber of $rel/OS/Win32_OperatingSystem.xml"
        if ($allServices | Where-Object { $_.Name -eq 'WinDefend' }) {
            $registry['HKLM:\SOFTWARE\Microsoft\AMSI\Providers'] = [ordered]@{ subkeys = @($defenderAmsi); values = [ordered]@{} }
            Note 'AMSI provider (Windows Defender)' "ours: $rel/OS/GetService.xml lists WinDefend, whose AMSI provider registers under HKLM:\SOFTWARE\Microsoft\AMSI\Providers (HealthChecker does not record the key)"
        } else {
            Note 'no AMSI providers key' "ours: $rel/OS/GetService.xml has no WinDefend (Windows Server 2012 R2 has no AMSI)"
        }

        $files = [ordered]@{}
        $files[$exsetupPath] = [ordered]@{ versionInfo = (Select-Recorded $exsetup @('FileMajorPart', 'FileMinorPart', 'FileBuildPart', 'FilePrivatePart', 'FileVersion', 'ProductVersion')) }
        Reduce-ApplicationHost (Src "Exchange/IIS/$($set['files'].appHost)") (Join-Path $dst 'applicationHost.config') (& $cite "Exchange/IIS/$($set['files'].appHost)") @($moduleList | ForEach-Object { [string]$_.Name }) $hstsBySite
        if ($iisModulesFile) { Note 'globalModules in applicationHost.config' "the modules $($iisModulesFile.Substring($in.Length + 1)) lists as loaded (HealthChecker's Get-IISModules), with their images from the recorded applicationHost.config" }
        if ($webSiteFile) { Note 'native HSTS (<hsts> under each site)' "$($webSiteFile.Substring($in.Length + 1)) (Get-WebSite hsts), placed where IIS stores it" }
        $files['C:\Windows\System32\inetsrv\config\applicationHost.config'] = [ordered]@{ content = 'applicationHost.config' }
        Note 'applicationHost.config' "$rel/Exchange/IIS/$($set['files'].appHost), reduced"
        Reduce-WebConfig (Src "Exchange/IIS/$($set['files'].siteWebConfig)") (Join-Path $dst 'wwwroot-web.config') (& $cite "Exchange/IIS/$($set['files'].siteWebConfig)")
        $files['C:\inetpub\wwwroot\web.config'] = [ordered]@{ content = 'wwwroot-web.config' }
        if ($set['files'].Contains('invalidSiteWebConfig')) {
            # Not in world.json: a test swaps it in for the site's web.config.
            Reduce-WebConfig (Src "Exchange/IIS/$($set['files'].invalidSiteWebConfig)") (Join-Path $dst 'wwwroot-web1-invalid.config') (& $cite "Exchange/IIS/$($set['files'].invalidSiteWebConfig)")
            Note 'wwwroot-web1-invalid.config (used by the malformed web.config test)' "$rel/Exchange/IIS/$($set['files'].invalidSiteWebConfig), which is not well-formed XML, reduced"
        }
        if ($set['files'].Contains('invalidAppHost')) {
            # Not in world.json: a test swaps it in for applicationHost.config.
            Reduce-WebConfig (Src "Exchange/IIS/$($set['files'].invalidAppHost)") (Join-Path $dst 'applicationHost-invalid.config') (& $cite "Exchange/IIS/$($set['files'].invalidAppHost)")
            Note 'applicationHost-invalid.config (used by the malformed applicationHost.config test)' "$rel/Exchange/IIS/$($set['files'].invalidAppHost), which is not well-formed XML, reduced"
        }
        Note 'Default Web Site web.config' "$rel/Exchange/IIS/$($set['files'].siteWebConfig) (HealthChecker's Get-WebConfigFile 'IIS:\Sites\Default Web Site'), reduced"
        foreach ($k in $proxyDirs.Keys) {
            $name = "DefaultWebSite-${k}_web.config"
            if (-not (Test-Path (Join-Path $in "Exchange/IIS/$name"))) { continue }
            $target = "httpproxy-$($proxyDirs[$k])-web.config"
            Reduce-WebConfig (Src "Exchange/IIS/$name") (Join-Path $dst $target) (& $cite "Exchange/IIS/$name")
            $files["$install\FrontEnd\HttpProxy\$($proxyDirs[$k])\web.config"] = [ordered]@{ content = $target }
        }
        Note 'FrontEnd\HttpProxy\<vdir>\web.config' "$rel/Exchange/IIS/DefaultWebSite-<vdir>_web.config, reduced"
        Reduce-FipFs (Src 'Exchange/Configuration.xml') (Join-Path $dst 'fipfs-Configuration.xml') (& $cite 'Exchange/Configuration.xml')
        $files["$fipData\Configuration.xml"] = [ordered]@{ content = 'fipfs-Configuration.xml' }
        Note 'FIP-FS Configuration.xml' "$rel/Exchange/Configuration.xml, reduced"

        # --- issue 16: TLS, Windows, IIS modules, overrides, certificates, AD ---
        $platform = [ordered]@{}
        $extraCim = [ordered]@{}
        $tlsFile = SetFile 'tls' 'OS'
        if ($tlsFile) {
            $tlsRec = Import-Clixml $tlsFile
            foreach ($v in @('1.0', '1.1', '1.2', '1.3')) {
                $t = $tlsRec.Registry.TLS[$v]
                if ($null -eq $t) { continue }
                foreach ($side in @('Server', 'Client')) {
                    $values = [ordered]@{}
                    foreach ($n in @('Enabled', 'DisabledByDefault')) { $val = $t."$side${n}Value"; if ($null -ne $val) { $values[$n] = (Reg ([int]$val)) } }
                    if ($values.Count) { $registry["HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS $v\$side"] = [ordered]@{ subkeys = @(); values = $values } }
                }
            }
            foreach ($k in @('NETv4', 'NETv2')) {
                $n = $tlsRec.Registry.NET[$k]
                if ($null -eq $n) { continue }
                foreach ($pair in @(@("HKLM:\SOFTWARE\Microsoft\.NETFramework\$($n.NetVersion)", ''), @("HKLM:\SOFTWARE\Wow6432Node\Microsoft\.NETFramework\$($n.NetVersion)", 'Wow'))) {
                    $values = [ordered]@{}
                    foreach ($name in @('SystemDefaultTlsVersions', 'SchUseStrongCrypto')) { $val = $n."$($pair[1])${name}Value"; if ($null -ne $val) { $values[$name] = (Reg ([int]$val)) } }
                    if ($values.Count) { $registry[$pair[0]] = [ordered]@{ subkeys = @(); values = $values } }
                }
            }
            $platform['Get-TlsCipherSuite'] = @(@($tlsRec.TlsCipherSuite) | Where-Object { $_ } | ForEach-Object { [ordered]@{ Name = [string]$_.Name } })
            Note 'SCHANNEL and .NET TLS registry values, Get-TlsCipherSuite' "$($tlsFile.Substring($in.Length + 1)) (HealthChecker's Get-AllTlsSettings): the values as read; a value it recorded as not set is left out"
        }
        # CIM-backed recordings do not import off Windows: their properties are read from the CLIXML text.
        $smbFile = SetFile 'smb' 'OS'
        if ($smbFile) {
            $smbXml = [xml][System.IO.File]::ReadAllText($smbFile)
            $smb1 = $smbXml.SelectSingleNode("//*[local-name()='B' and @N='EnableSMB1Protocol']")
            if ($null -ne $smb1) { $platform['Get-SmbServerConfiguration'] = [ordered]@{ EnableSMB1Protocol = ($smb1.InnerText -eq 'true') } }
            Note 'Get-SmbServerConfiguration EnableSMB1Protocol' $smbFile.Substring($in.Length + 1)
        }
        $featureFile = SetFile 'windowsFeature' 'OS'
        if ($featureFile) {
            $featureXml = [xml][System.IO.File]::ReadAllText($featureFile)
            $name = $featureXml.SelectSingleNode("//*[local-name()='S' and @N='Name' and text()='FS-SMB1']")
            if ($null -ne $name) {
                $installed = $name.ParentNode.SelectSingleNode("*[local-name()='B' and @N='Installed']")
                $platform['Get-WindowsFeature'] = @([ordered]@{ Name = 'FS-SMB1'; Installed = ($installed.InnerText -eq 'true') })
            }
            Note 'Get-WindowsFeature FS-SMB1' $featureFile.Substring($in.Length + 1)
        }
        $lanman = 'HKLM:\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters'
        $registry[$lanman] = [ordered]@{ subkeys = @(); values = [ordered]@{ DisableCompression = (Reg 0) } }
        $lsaFlags = if ($set.Contains('registry') -and $set['registry'].Contains('LsaCfgFlags')) { $set['registry']['LsaCfgFlags'] } else { $defaultRegistry['LsaCfgFlags'] }
        $registry['HKLM:\SYSTEM\CurrentControlSet\Control\LSA']['values']['LsaCfgFlags'] = (Reg ([int]$lsaFlags))
        $registry['HKLM:\SYSTEM\CurrentControlSet\Control\LSA\FipsAlgorithmPolicy'] = [ordered]@{ subkeys = @(); values = [ordered]@{ Enabled = (Reg 0) } }
        Note "LanmanServer DisableCompression = 0, LSA LsaCfgFlags = $lsaFlags, FipsAlgorithmPolicy Enabled = 0, LmCompatibilityLevel not set" "HealthChecker's common mocks (Get-RemoteRegistryValue)$(if ($set.Contains('registry')) { ' and the context''s own mocks' })"
        $extraCim['root\Microsoft\Windows\DeviceGuard:Win32_DeviceGuard'] = [ordered]@{ SecurityServicesRunning = @(0, 0) }
        Note 'Win32_DeviceGuard SecurityServicesRunning 0, 0' 'HealthChecker''s common mocks (Get-CimInstance Win32_DeviceGuard)'
        $dotNetFile = SetFile 'dotNet' 'OS'
        if ($dotNetFile) {
            $dlls = Import-Clixml $dotNetFile
            $netDir = $null
            foreach ($k in @($dlls.Keys)) {
                $d = $dlls[$k]
                $full = [string]$d.GetItem.FullName
                $netDir = $full.Substring(0, $full.LastIndexOf('\'))
                $vi = $d.VersionInfo
                $files[$full] = [ordered]@{ versionInfo = [ordered]@{ FileMajorPart = [int]$vi.FileMajorPart; FileMinorPart = [int]$vi.FileMinorPart; FileBuildPart = [int]$vi.FileBuildPart; FilePrivatePart = [int]$vi.FilePrivatePart; FileVersion = ('{0}.{1}.{2}.{3}' -f $vi.FileMajorPart, $vi.FileMinorPart, $vi.FileBuildPart, $vi.FilePrivatePart) }; lastWriteTimeUtc = ([datetime]$d.LastWriteTimeUtc).ToUniversalTime().ToString('o') }
            }
            $registry['HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full'] = [ordered]@{ subkeys = @(); values = [ordered]@{ Release = (Reg 528040); InstallPath = (Reg "$netDir\") } }
            Note '.NET Framework System.Data.dll and System.Configuration.dll versions and write times' $dotNetFile.Substring($in.Length + 1)
            Note 'NDP\v4\Full Release 528040 (4.8), InstallPath' 'HealthChecker''s common mocks (Get-NETFrameworkVersion 4.8); the folder of the recorded DLLs'
        }
        # IIS native modules: each image's signature as HealthChecker recorded it, by module name.
        $signatures = [ordered]@{}
        $appHostXml = [xml][System.IO.File]::ReadAllText((Src "Exchange/IIS/$($set['files'].appHost)"))
        foreach ($m in $appHostXml.configuration.'system.webServer'.globalModules.add) {
            $recorded = $moduleList | Where-Object { $_.Name -eq $m.name } | Select-Object -First 1
            if ($null -eq $recorded) { continue }
            $image = ([string]$m.image).Replace('%windir%', 'C:\Windows').Replace('%SystemRoot%', 'C:\Windows')
            $files[$image] = [ordered]@{}
            $status = if ($recorded.Signed -and [int]$recorded.SignatureDetails.SignatureStatus -eq 0) { 'Valid' } elseif ($recorded.Signed) { 'UnknownError' } else { 'NotSigned' }
            $signatures[$image] = [ordered]@{ Status = $status; Path = $image; SignerCertificate = [ordered]@{ Subject = [string]$recorded.SignatureDetails.Signer } }
            if ($m.name -eq 'TokenCacheModule') {
                $cachFile = SetFile 'cachtokn' 'Exchange/IIS'
                if ($cachFile) {
                    $c = Import-Clixml $cachFile
                    $files[$image] = [ordered]@{ versionInfo = (Select-Recorded $c @('FileMajorPart', 'FileMinorPart', 'FileBuildPart', 'FilePrivatePart', 'ProductMajorPart', 'ProductMinorPart', 'ProductBuildPart', 'ProductPrivatePart')) }
                    Note 'cachtokn.dll version' $cachFile.Substring($in.Length + 1)
                }
            }
        }
        if ($signatures.Count) {
            $platform['Get-AuthenticodeSignature'] = $signatures
            Note 'Get-AuthenticodeSignature per module image' "$($iisModulesFile.Substring($in.Length + 1)) (Signed, SignatureStatus, Signer), by module name"
        }

        $services = New-Object System.Collections.Generic.List[object]
        foreach ($n in $serviceNames) {
            $svc = $allServices | Where-Object { $_.Name -eq $n } | Select-Object -First 1
            if ($n -eq 'MSExchangeMitigation' -and (Test-Path $mitigationFile)) { $svc = Import-Clixml (Src 'Exchange/GetServiceMitigation.xml') }
            if ($svc) { $services.Add([ordered]@{ Name = [string]$svc.Name; DisplayName = [string]$svc.DisplayName; Status = [string]$svc.Status.ToString(); StartType = [string]$svc.StartType.ToString() }) }
        }
        Note 'services' "$rel/OS/GetService.xml (and Exchange/GetServiceMitigation.xml where recorded)"

        $appPoolStates = [ordered]@{}
        foreach ($k in @($pools.Keys | Sort-Object)) { $appPoolStates[$k] = [string]$pools[$k].AppSettings.state }
        Note 'app pool state' "$rel/Exchange/GetExchangeAppPoolsInformation.xml (appcmd state)"

        $exchange = [ordered]@{}
        $exchange['Get-ExchangeServer'] = @(Select-Recorded $server @('Name', 'Fqdn', 'ServerRole', 'IsEdgeServer', 'AdminDisplayVersion', 'MitigationsEnabled', 'DataCollectionEnabled', 'MitigationsApplied', 'MitigationsBlocked'))
        $exchange['Get-OrganizationConfig'] = @(Select-Recorded (Import-Clixml (Src "Exchange/$($set['files'].orgConfig)")) @('Name', 'MitigationsEnabled', 'EnableDownloadDomains'))
        $exchange['Get-OwaVirtualDirectory'] = @(Import-Clixml (Src "Exchange/$($set['files'].owa)") | ForEach-Object { Select-Recorded $_ @('Server', 'Name', 'ExternalUrl', 'InternalUrl', 'ExternalDownloadHostName', 'InternalDownloadHostName') })
        $exchange['Get-OutlookAnywhere'] = @()
        Note 'Get-OutlookAnywhere: none' 'HealthChecker''s common mocks return $null (not recorded)'
        if ($set['files'].Contains('settingOverride')) {
            $exchange['Get-SettingOverride'] = @(Import-Clixml (Src "Exchange/$($set['files'].settingOverride)") | ForEach-Object { Select-Recorded $_ @('Name', 'ComponentName', 'SectionName', 'Parameters', 'Status', 'Server', 'MinVersion', 'MaxVersion') })
        } elseif ([string]$exsetup.FileMinorPart -ne '0') {
            $exchange['Get-SettingOverride'] = @()
            Note 'Get-SettingOverride: none' "ours: $rel has no GetSettingOverride.xml"
        } else {
            Note 'Get-SettingOverride: no such cmdlet' 'Exchange 2013 has no setting overrides (the cmdlet came with Exchange 2016)'
        }
        if ($set['files'].Contains('hybrid')) {
            $exchange['Get-HybridConfiguration'] = @(Select-Recorded (Import-Clixml (Src "Exchange/$($set['files'].hybrid)")) @('Name', 'Identity', 'OnPremisesSmartHost'))
            # HealthChecker's mock builds the auth servers with fresh GUIDs; these fixed ones are ours.
            $exchange['Get-AuthServer'] = @(
                [ordered]@{ Name = 'ACS - 0c6b5c4e-1f3a-4c7e-9a52-6f0e2d1b8a11'; Type = 'MicrosoftACS'; ApplicationIdentifier = $null; Enabled = $true },
                [ordered]@{ Name = 'EvoSts - 0c6b5c4e-1f3a-4c7e-9a52-6f0e2d1b8a11'; Type = 'AzureAD'; ApplicationIdentifier = '5e8d2f6a-3b1c-4d9e-8f7a-2c4b6d8e0f13'; Enabled = $true })
            Note 'Get-AuthServer (ACS and EvoSts entries)' 'ours, shaped like HealthChecker''s Get-AuthServer mock in HealthCheckerTest.CommonMocks.NotPublished.ps1 (its GUIDs are random; these are fixed)'
        } else {
            $exchange['Get-HybridConfiguration'] = @()
            $exchange['Get-AuthServer'] = @()
            Note 'Get-HybridConfiguration and Get-AuthServer: none' 'HealthChecker''s common mocks return no hybrid configuration for this context'
        }
        # The effective overrides (Get-ExchangeDiagnosticInfo VariantConfiguration): the recorded Result, reduced to the
        # Overrides element (a new XML document; the process information is left out).
        $variantFile = SetFile 'variant' 'Exchange'
        $variantXml = if ($variantFile) { [xml][string](Import-Clixml $variantFile).Result } else { $null }
        if ($null -ne $variantXml -and $null -ne $variantXml.SelectSingleNode('/Diagnostics/Components/VariantConfiguration/Overrides')) {
            $reduced = New-Object System.Xml.XmlDocument
            $diag = $reduced.AppendChild($reduced.CreateElement('Diagnostics'))
            $components = $diag.AppendChild($reduced.CreateElement('Components'))
            $vc = $components.AppendChild($reduced.CreateElement('VariantConfiguration'))
            $null = Copy-Reduced $variantXml.Diagnostics.Components.VariantConfiguration.Overrides $vc @{ attrs = @('Updated'); children = @{ SettingOverride = @{ children = @{
                Name = @{}; ComponentName = @{}; SectionName = @{}; Status = @{}; Parameters = @{ children = @{ Parameter = @{} } } } } } }
            # Copy-Reduced copies elements, not their text: set the text of the leaves from the recording.
            $srcOverrides = @($variantXml.Diagnostics.Components.VariantConfiguration.Overrides.SelectNodes('SettingOverride'))
            $dstOverrides = @($vc.SelectNodes('Overrides/SettingOverride'))
            for ($i = 0; $i -lt $srcOverrides.Count; $i++) {
                foreach ($leaf in @('Name', 'ComponentName', 'SectionName', 'Status')) { $dstOverrides[$i].SelectSingleNode($leaf).InnerText = $srcOverrides[$i].SelectSingleNode($leaf).InnerText }
                $sp = @($srcOverrides[$i].SelectNodes('Parameters/Parameter')); $dp = @($dstOverrides[$i].SelectNodes('Parameters/Parameter'))
                for ($j = 0; $j -lt $sp.Count; $j++) { $dp[$j].InnerText = $sp[$j].InnerText }
            }
            $exchange['Get-ExchangeDiagnosticInfo'] = @([ordered]@{ Server = [string]$server.Name; Result = $reduced.OuterXml })
            Note 'Get-ExchangeDiagnosticInfo VariantConfiguration Overrides' "$($variantFile.Substring($in.Length + 1)), its Overrides element only"
        } else {
            Note 'Get-ExchangeDiagnosticInfo: not answered' 'this data set has no VariantConfiguration recording with an Overrides element'
        }
        if (Test-Path (Join-Path $in 'Exchange/GetIrmConfiguration.xml')) {
            $exchange['Get-IRMConfiguration'] = @(Select-Recorded (Import-Clixml (Src 'Exchange/GetIrmConfiguration.xml')) @('InternalLicensingEnabled', 'ExternalLicensingEnabled'))
        }
        Note 'HKLM:\SOFTWARE\Microsoft\MSIPC\Server: absent' 'HealthChecker reads its ACL only from the August 2023 SU; none of these builds has it, so none was recorded'
        if (Test-Path (Join-Path $in 'Exchange/GetExchangeCertificate.xml')) {
            $certs = foreach ($c in @(Import-Clixml (Src 'Exchange/GetExchangeCertificate.xml'))) {
                $keySize = $null
                try { $keySize = $c.PublicKey.GetRSAPublicKey().KeySize } catch { $keySize = $null }
                [ordered]@{ Thumbprint = [string]$c.Thumbprint; Subject = [string]$c.Subject; FriendlyName = [string]$c.FriendlyName
                    NotAfter = ([datetime]$c.NotAfter).ToUniversalTime().ToString('o')
                    PublicKey = [ordered]@{ Oid = [ordered]@{ Value = [string]$c.PublicKey.Oid.Value }; Key = [ordered]@{ KeySize = $keySize } }
                    SignatureAlgorithm = [ordered]@{ Value = [string]$c.SignatureAlgorithm.Value; FriendlyName = [string]$c.SignatureAlgorithm.FriendlyName } }
            }
            $exchange['Get-ExchangeCertificate'] = @($certs)
            $platform['certificateStore'] = @($certs)
            Note 'Get-ExchangeCertificate (and the personal certificate store)' "$rel/Exchange/GetExchangeCertificate.xml: thumbprint, subject, names, expiry, key and signature algorithm"
        }
        if (Test-Path (Join-Path $in 'Exchange/GetAuthConfig.xml')) {
            $exchange['Get-AuthConfig'] = @(Select-Recorded (Import-Clixml (Src 'Exchange/GetAuthConfig.xml')) @('CurrentCertificateThumbprint', 'NextCertificateThumbprint'))
        }
        # Active Directory as the collector's LDAP reads see it, from HealthChecker's AD recordings.
        $aclFile = Join-Path $in 'Exchange/GetExchangeDomainsAclPermissions.xml'
        if ((Test-Path $aclFile) -and (Test-Path (Join-Path $in 'Exchange/GetExchangeWellKnownSecurityGroups.xml'))) {
            $wk = @(Import-Clixml (Src 'Exchange/GetExchangeWellKnownSecurityGroups.xml'))
            $sidOf = @{}
            foreach ($g in $wk) { if ($g.WellKnownName) { $sidOf[[string]$g.WellKnownName] = [string]$g.SID } }
            $domainsRec = @(Import-Clixml (Src 'Exchange/GetExchangeDomainsAclPermissions.xml'))
            $forestDn = [string]$domainsRec[0].DomainDN
            $configDn = "CN=Configuration,$forestDn"; $schemaDn = "CN=Schema,$configDn"
            $entries = [ordered]@{ RootDSE = [ordered]@{ properties = [ordered]@{ schemaNamingContext = @($schemaDn); configurationNamingContext = @($configDn); rootDomainNamingContext = @($forestDn); defaultNamingContext = @($forestDn) } } }
            $searches = [ordered]@{}
            $groupsOu = "OU=Microsoft Exchange Security Groups,$forestDn"
            $groupDns = @()
            foreach ($gName in @('Exchange Servers', 'Exchange Windows Permissions')) {
                $dn = "CN=$gName,$groupsOu"; $groupDns += $dn
                $member = @()
                if ($gName -eq 'Exchange Windows Permissions') { $member = @("CN=Exchange Trusted Subsystem,$groupsOu") }
                $entries[$dn] = [ordered]@{ properties = [ordered]@{ sAMAccountName = @($gName); objectSid = @($sidOf[$gName]); distinguishedName = @($dn); member = $member } }
            }
            $searches["$forestDn|(&(objectClass=group)(|(sAMAccountName=Exchange Servers)(sAMAccountName=Exchange Windows Permissions)))"] = $groupDns
            $crossRefs = @()
            foreach ($d in $domainsRec) {
                $domainDn = [string]$d.DomainDN
                $rules = @()
                $rootAcl = ($d.Permissions | Where-Object { $_.DN -eq $domainDn } | Select-Object -First 1).Acl
                foreach ($r in @($rootAcl.Access)) {
                    if ([string]$r.AccessControlType -ne 'Deny') { continue }
                    $who = ([string]$r.IdentityReference).Split('\')[-1]
                    if (-not $sidOf.Contains($who)) { continue }
                    $rules += [ordered]@{ IdentityReference = [ordered]@{ Value = $sidOf[$who] }; AccessControlType = 'Deny'; ActiveDirectoryRights = [string]$r.ActiveDirectoryRights
                        ObjectType = [string]$r.ObjectType; InheritedObjectType = [string]$r.InheritedObjectType; InheritanceType = [string]$r.InheritanceType }
                }
                $entries[$domainDn] = [ordered]@{ properties = [ordered]@{ distinguishedName = @($domainDn) }; acl = $rules }
                $entries["CN=Microsoft Exchange System Objects,$domainDn"] = [ordered]@{ properties = [ordered]@{ objectVersion = @([int]$d.MesoObject.ObjectVersion) } }
                $crossRef = "CN=$(([string]$d.DomainName).Split('.')[0].ToUpperInvariant()),CN=Partitions,$configDn"
                $entries[$crossRef] = [ordered]@{ properties = [ordered]@{ nCName = @($domainDn); dnsRoot = @([string]$d.DomainName) } }
                $crossRefs += $crossRef
            }
            $searches["CN=Partitions,$configDn|(&(objectClass=crossRef)(systemFlags:1.2.840.113556.1.4.803:=2))"] = $crossRefs
            foreach ($pair in @(@('ms-Exch-Storage-Group', 'classSchema', 'possSuperiors'), @('ms-Exch-Schema-Version-Pt', 'attributeSchema', 'rangeUpper'))) {
                $f = Join-Path $in "Exchange/GetExchangeAdSchemaClass_$($pair[0]).xml"
                if (-not (Test-Path $f)) { continue }
                $rec = Import-Clixml (Src "Exchange/GetExchangeAdSchemaClass_$($pair[0]).xml")
                $dn = "CN=$($pair[0]),$schemaDn"
                $props = [ordered]@{ distinguishedName = @($dn) }
                if ($rec.Properties.Contains($pair[2])) { $props[$pair[2]] = @($rec.Properties[$pair[2]] | ForEach-Object { $_ }) }
                $entries[$dn] = [ordered]@{ properties = $props }
                $searches["$schemaDn|(&(objectClass=$($pair[1]))(cn=$($pair[0])))"] = @($dn)
            }
            $ad = [ordered]@{ entries = $entries; searches = $searches }
            Note 'Active Directory: domains, MESO objectVersion, the domain root''s Deny ACEs (identities as SIDs), schema classes' "$rel/Exchange/GetExchangeDomainsAclPermissions.xml, GetExchangeWellKnownSecurityGroups.xml (names to SIDs), GetExchangeAdSchemaClass_*.xml"
            Note 'AD layout: naming contexts, crossRef, group DNs, Exchange Trusted Subsystem in Exchange Windows Permissions' 'ours: the standard layout under the recorded domain DN; the membership matches HealthChecker''s mock (Get-ExchangeADSplitPermissionsEnabled = false)'
        } else {
            $ad = $null
        }
        Note 'Get-ExchangeServer, Get-OrganizationConfig, Get-OwaVirtualDirectory, Get-SettingOverride, Get-HybridConfiguration' "$rel/Exchange/*.xml named in sources, properties the collector reads"

        $usedFiles = [string[]]@($used.ToArray() | Sort-Object -Unique)
        $cim = [ordered]@{ Win32_OperatingSystem = (Select-Recorded $os @('Caption', 'Version', 'BuildNumber')) }
        foreach ($k in $extraCim.Keys) { $cim[$k] = $extraCim[$k] }
        $world = [ordered]@{
            name = $set['name']
            description = "HealthChecker's recorded $($set['dir']) server $($server.Name) (ExSetup.exe $build) as $($set['context'])"
            computerName = [string]$server.Name
            fqdn = [string]$server.Fqdn
            source = [ordered]@{ repository = 'microsoft/CSS-Exchange'; commit = $set['commit']; path = $rel; licence = 'MIT'; files = $usedFiles }
            registry = $registry
            files = $files
            cim = $cim
            services = $services.ToArray()
            appPoolStates = $appPoolStates
            exchange = $exchange
            platform = $platform
            ad = $ad
            provenance = $provenance.ToArray()
        }
        [System.IO.File]::WriteAllText((Join-Path $dst 'world.json'), ($world | ConvertTo-Json -Depth 10) + "`n")
        $readme.Add("| ``$($set['name'])`` | $($server.Name), ExSetup.exe $build, $($os.Caption) | $($set['context']) | ``$($set['commit'])`` | $((@($usedFiles) | ForEach-Object { '`' + ($_ -replace "^$rel/", '') + '`' }) -join ', ') |")
        Write-Output "$($set['name']): $($server.Name) $build -> $dst"
    }
    [System.IO.File]::WriteAllText((Join-Path $Out 'SOURCES.md'), "| set | server | HealthChecker context | commit | files read (under $root/<version>) |`n| --- | --- | --- | --- | --- |`n" + ($readme -join "`n") + "`n")
} finally {
    Remove-Item -Recurse -Force $work
}
