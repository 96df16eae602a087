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
            # HealthChecker.E19.Scenarios2.Tests.ps1 "Scenario 2": a Default Web Site web.config that is not well-formed
            invalidSiteWebConfig = 'DefaultWebSite_web1.config' }
    },
    @{
        name = 'hc-e19-scenario2'; commit = 'f88378b1e7a252e413cb2e579e88411393737c11'; dir = 'E19'
        context = 'HealthChecker.E19.Scenarios.Tests.ps1, Context "Checking Scenarios 2" (Extended Protection, the serialization-signing override, download domains)'
        files = @{ exsetup = 'ExSetup1.xml'; appHost = 'applicationHost1.config'; siteWebConfig = 'DefaultWebSite_web.config'
            settingOverride = 'GetSettingOverride1.xml'; orgConfig = 'GetOrganizationConfig1.xml'; owa = 'GetOwaVirtualDirectory2.xml' }
    },
    @{
        name = 'hc-e19-hybrid'; commit = 'f88378b1e7a252e413cb2e579e88411393737c11'; dir = 'E19'
        context = 'HealthChecker.E19.Scenarios3.Tests.ps1, Context "Scenario 2" (hybrid with the dedicated hybrid application)'
        files = @{ exsetup = 'ExSetup.xml'; appHost = 'applicationHost.config'; siteWebConfig = 'DefaultWebSite_web.config'
            settingOverride = 'GetSettingOverride2.xml'; orgConfig = 'GetOrganizationConfig.xml'; owa = 'GetOwaVirtualDirectory.xml'
            hybrid = 'GetHybridConfiguration.xml' }
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
        rewrite = $rewriteSpec } }

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

function Reduce-ApplicationHost { param([string]$Source, [string]$Target, [string]$Cite)
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
            $null = Copy-Reduced $s $sites @{ attrs = @('name'); children = @{ application = @{ attrs = @('path'); children = @{ virtualDirectory = @{ attrs = @('path', 'physicalPath') } } } } }
        }
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
    $doc = New-ReducedDocument "Reduced by scripts/make-collector-fixtures.ps1 from $Cite (MIT): only its URL Rewrite rules"
    $cfg = $doc.AppendChild($doc.CreateElement('configuration'))
    foreach ($ws in $src.SelectNodes('/configuration/system.webServer | /configuration/location/system.webServer')) {
        $rw = $ws.SelectSingleNode('rewrite')
        if ($null -eq $rw) { continue }
        $sws = $cfg.AppendChild($doc.CreateElement('system.webServer'))
        $null = Copy-Reduced $rw $sws $rewriteSpec
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
        Reduce-ApplicationHost (Src "Exchange/IIS/$($set['files'].appHost)") (Join-Path $dst 'applicationHost.config') (& $cite "Exchange/IIS/$($set['files'].appHost)")
        $files['C:\Windows\System32\inetsrv\config\applicationHost.config'] = [ordered]@{ content = 'applicationHost.config' }
        Note 'applicationHost.config' "$rel/Exchange/IIS/$($set['files'].appHost), reduced"
        Reduce-WebConfig (Src "Exchange/IIS/$($set['files'].siteWebConfig)") (Join-Path $dst 'wwwroot-web.config') (& $cite "Exchange/IIS/$($set['files'].siteWebConfig)")
        $files['C:\inetpub\wwwroot\web.config'] = [ordered]@{ content = 'wwwroot-web.config' }
        if ($set['files'].Contains('invalidSiteWebConfig')) {
            # Not in world.json: a test swaps it in for the site's web.config.
            Reduce-WebConfig (Src "Exchange/IIS/$($set['files'].invalidSiteWebConfig)") (Join-Path $dst 'wwwroot-web1-invalid.config') (& $cite "Exchange/IIS/$($set['files'].invalidSiteWebConfig)")
            Note 'wwwroot-web1-invalid.config (used by the malformed web.config test)' "$rel/Exchange/IIS/$($set['files'].invalidSiteWebConfig), which is not well-formed XML, reduced"
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
        Note 'Get-ExchangeServer, Get-OrganizationConfig, Get-OwaVirtualDirectory, Get-SettingOverride, Get-HybridConfiguration' "$rel/Exchange/*.xml named in sources, properties the collector reads"

        $usedFiles = [string[]]@($used.ToArray() | Sort-Object -Unique)
        $world = [ordered]@{
            name = $set['name']
            description = "HealthChecker's recorded $($set['dir']) server $($server.Name) (ExSetup.exe $build) as $($set['context'])"
            computerName = [string]$server.Name
            fqdn = [string]$server.Fqdn
            source = [ordered]@{ repository = 'microsoft/CSS-Exchange'; commit = $set['commit']; path = $rel; licence = 'MIT'; files = $usedFiles }
            registry = $registry
            files = $files
            cim = [ordered]@{ Win32_OperatingSystem = (Select-Recorded $os @('Caption', 'Version', 'BuildNumber')) }
            services = $services.ToArray()
            appPoolStates = $appPoolStates
            exchange = $exchange
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
