# Get-ExchangeFacts.ps1: the exaudit collector. Read-only: it only reads the registry, files, services and IIS
# configuration (and, in the Exchange Management Shell, runs Get-* cmdlets), and writes one JSON document
# (exaudit facts) to standard output between marker lines. Nothing is written to disk or changed.
# Runs on Windows PowerShell 5.1 on an Exchange server. Groups that need the Exchange cmdlets (setting overrides,
# SSL offloading, download domains, the EEMS organization and server settings, hybrid) are recorded under
# notCollected, with why, when the cmdlets are not loaded. Every group has its own try/catch: one failing group
# never fails the others, and its error is listed under collectors[0].errors with the group's name.
#
#   (in the Exchange Management Shell)  .\Get-ExchangeFacts.ps1 | Out-File -Encoding utf8 ex01.json
#   exaudit audit --facts ex01.json
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'
[Console]::OutputEncoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList @($false)

$started = (Get-Date).ToUniversalTime().ToString('o')
$errors = New-Object -TypeName System.Collections.ArrayList
$notCollected = New-Object -TypeName System.Collections.ArrayList
$facts = [ordered]@{ schemaVersion = '1' }

function Add-GroupError {
    param([string]$Group, [string]$Message)
    $null = $errors.Add([ordered]@{ group = $Group; message = $Message })
}

function Add-NotCollected {
    param([string]$Group, [string]$Reason)
    $null = $notCollected.Add([ordered]@{ group = $Group; reason = $Reason })
}

# A property that may not be there, or $null: an XML child element or attribute (by name, whatever its namespace),
# a registry value, a cmdlet property an older CU lacks. Follows a path split on '/' (XML names contain dots).
# Plain dot notation would throw under Set-StrictMode, and real configuration leaves elements out. Several
# elements of one name come back as several outputs: callers collect them with @().
function Get-Path {
    param($Object, [string]$Path)
    $current = $Object
    foreach ($name in $Path.Split(@('/'))) {
        if ($null -eq $current) { return $null }
        $property = $current.PSObject.Properties[$name]
        if ($null -eq $property) { return $null }
        $current = $property.Value
    }
    return $current
}

# Which Exchange cmdlets this session can run (loaded only in the Exchange Management Shell).
function Test-Cmdlet {
    param([string]$Name)
    return ($null -ne (Get-Command -Name $Name -ErrorAction SilentlyContinue))
}

# target: the computer's DNS name (falls back to the NetBIOS name)
$targetName = $env:COMPUTERNAME
try { $targetName = [System.Net.Dns]::GetHostEntry('').HostName } catch { Add-GroupError -Group 'target' -Message $_.Exception.Message }
$facts.target = [ordered]@{ name = [string]$targetName; transport = 'local' }

# exchange: ExSetup.exe file version (HealthChecker's source) under the install path the registry names; roles
# from the role keys next to it.
try {
    $setupKey = 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Setup'
    $setup = Get-ItemProperty -Path $setupKey
    $installPath = [string](Get-Path $setup 'MsiInstallPath')
    if (-not $installPath) { throw "MsiInstallPath is not set under $setupKey" }
    $exsetup = Join-Path -Path $installPath -ChildPath 'bin\ExSetup.exe'
    $version = (Get-Item -Path $exsetup).VersionInfo
    $build = '{0}.{1}.{2}.{3}' -f $version.FileMajorPart, $version.FileMinorPart, $version.FileBuildPart, $version.FilePrivatePart
    $roleKeys = Get-ChildItem -Path 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15' | Where-Object -FilterScript { $_.PSChildName -like '*Role' }
    $roles = @($roleKeys | ForEach-Object -Process { $_.PSChildName -replace 'Role$', '' })
    $facts.exchange = [ordered]@{
        build = $build
        precision = 'exact'
        source = "ExSetup.exe FileVersion ($exsetup, install path from $setupKey MsiInstallPath)"
        installPath = $installPath
        roles = $roles
        edge = ($roles -contains 'EdgeTransport')
    }
} catch {
    Add-GroupError -Group 'exchange' -Message $_.Exception.Message
}

# os: build from WMI, update build revision (UBR) from the registry
try {
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    $nt = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    $facts.os = [ordered]@{ caption = [string]$os.Caption; version = [string]$os.Version; build = [int]$os.BuildNumber; source = 'Win32_OperatingSystem; HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion UBR' }
    $ubr = Get-Path $nt 'UBR'
    if ($null -ne $ubr) { $facts.os.ubr = [int]$ubr }
} catch {
    Add-GroupError -Group 'os' -Message $_.Exception.Message
}

# services the advisories name: Unified Messaging (CVE-2021-26857 mitigation), EEMS, Managed Availability
$mitigationService = $null
try {
    $services = New-Object -TypeName System.Collections.ArrayList
    foreach ($name in @('MSExchangeUM', 'MSExchangeUMCR', 'MSExchangeMitigation', 'MSExchangeHM', 'MSExchangeHMRecovery')) {
        $svc = Get-Service -Name $name -ErrorAction SilentlyContinue
        if ($null -eq $svc) {
            $null = $services.Add([ordered]@{ name = $name; status = 'Absent'; present = $false; source = 'Get-Service' })
        } else {
            $entry = [ordered]@{ name = $name; status = [string]$svc.Status; startMode = [string]$svc.StartType; present = $true; source = 'Get-Service' }
            if ($name -eq 'MSExchangeMitigation') { $mitigationService = $entry }
            $null = $services.Add($entry)
        }
    }
    $facts.services = @($services)
} catch {
    Add-GroupError -Group 'services' -Message $_.Exception.Message
}

# iis: from applicationHost.config (Extended Protection, SSL flags and IP filtering per virtual directory, URL
# Rewrite rules at the Default Web Site location, app pools), the Default Web Site's own web.config (URL Rewrite
# rules), and the HttpProxy web.configs (a <clear/> or <remove/> there cancels the site's rules). A server without
# applicationHost.config has no IIS (an Edge Transport server): the iis group is then not collected, with why.
$iis = [ordered]@{ source = 'applicationHost.config' }
$appHost = $null
$appHostPath = Join-Path -Path $env:windir -ChildPath 'System32\inetsrv\config\applicationHost.config'
$hasIis = $true
try {
    if (-not (Test-Path -Path $appHostPath)) {
        $hasIis = $false
        Add-NotCollected -Group 'iis' -Reason "$appHostPath is not there: IIS is not installed (Edge Transport servers have none)"
    } else {
        $appHost = [xml](Get-Content -Path $appHostPath -Raw)
        $iis.source = $appHostPath
        $vdirs = New-Object -TypeName System.Collections.ArrayList
        $seen = @{}
        foreach ($location in @(Get-Path $appHost 'configuration/location')) {
            if ($null -eq $location) { continue }
            $path = [string](Get-Path $location 'path')
            if ($path -notmatch '^(Default Web Site|Exchange Back End)/') { continue }
            $security = Get-Path $location 'system.webServer/security'
            $token = 'None'
            switch ([string](Get-Path $security 'authentication/windowsAuthentication/extendedProtection/tokenChecking')) {
                'Allow' { $token = 'Allow' }
                'Require' { $token = 'Require' }
            }
            $split = $path.Split(@('/'), 2)
            $vdir = [ordered]@{ site = $split[0]; path = $split[1]; tokenChecking = $token; sslFlags = [string](Get-Path $security 'access/sslFlags') }
            $allowUnlisted = [string](Get-Path $security 'ipSecurity/allowUnlisted')
            if ($allowUnlisted) { $vdir.ipFilterAllowUnlisted = ($allowUnlisted -ne 'false') }
            $null = $vdirs.Add($vdir)
            $seen[$path] = $true
        }
        # An application with no <location> of its own has the IIS default (no Extended Protection): list it too, so
        # a missing entry is never read as "not on this server".
        foreach ($site in @(Get-Path $appHost 'configuration/system.applicationHost/sites/site')) {
            if ($null -eq $site -or [string](Get-Path $site 'name') -notmatch '^(Default Web Site|Exchange Back End)$') { continue }
            foreach ($app in @(Get-Path $site 'application')) {
                if ($null -eq $app) { continue }
                $appPath = [string](Get-Path $app 'path') -replace '^/+|/+$', ''
                if (-not $appPath -or $seen[('{0}/{1}' -f $site.name, $appPath)]) { continue }
                $null = $vdirs.Add([ordered]@{ site = [string]$site.name; path = $appPath; tokenChecking = 'None' })
            }
        }
        $iis.virtualDirectories = @($vdirs)
    }
} catch {
    Add-GroupError -Group 'iis.virtualDirectories' -Message $_.Exception.Message
}

function Get-RewriteRules {
    param($RulesElement, [string]$ConfigPath)
    $found = New-Object -TypeName System.Collections.ArrayList
    foreach ($rule in @(Get-Path $RulesElement 'rule')) {
        if ($null -eq $rule) { continue }
        $conditions = New-Object -TypeName System.Collections.ArrayList
        foreach ($condition in @(Get-Path $rule 'conditions/add')) {
            if ($null -eq $condition) { continue }
            $null = $conditions.Add([ordered]@{
                input = [string](Get-Path $condition 'input'); pattern = [string](Get-Path $condition 'pattern')
                negate = ([string](Get-Path $condition 'negate') -eq 'true'); ignoreCase = ([string](Get-Path $condition 'ignoreCase') -ne 'false')
            })
        }
        $null = $found.Add([ordered]@{
            name = [string](Get-Path $rule 'name'); site = 'Default Web Site'; configPath = $ConfigPath
            enabled = ([string](Get-Path $rule 'enabled') -ne 'false'); patternSyntax = [string](Get-Path $rule 'patternSyntax')
            stopProcessing = ([string](Get-Path $rule 'stopProcessing') -eq 'true'); matchUrl = [string](Get-Path $rule 'match/url')
            conditions = @($conditions); actionType = [string](Get-Path $rule 'action/type')
        })
    }
    return , $found
}

if ($hasIis) {
    try {
        if ($null -eq $appHost) { throw 'applicationHost.config could not be read' }
        $rules = New-Object -TypeName System.Collections.ArrayList
        foreach ($location in @(Get-Path $appHost 'configuration/location')) {
            if ($null -eq $location -or [string](Get-Path $location 'path') -ne 'Default Web Site') { continue }
            foreach ($r in (Get-RewriteRules -RulesElement (Get-Path $location 'system.webServer/rewrite/rules') -ConfigPath ('{0} (location Default Web Site)' -f $appHostPath))) { $null = $rules.Add($r) }
        }
        # The Default Web Site's web.config is in its physical path (usually %SystemDrive%\inetpub\wwwroot).
        $sitePath = Join-Path -Path $env:SystemDrive -ChildPath 'inetpub\wwwroot'
        foreach ($site in @(Get-Path $appHost 'configuration/system.applicationHost/sites/site')) {
            if ($null -eq $site -or [string](Get-Path $site 'name') -ne 'Default Web Site') { continue }
            foreach ($app in @(Get-Path $site 'application')) {
                if ($null -eq $app -or [string](Get-Path $app 'path') -ne '/') { continue }
                foreach ($vd in @(Get-Path $app 'virtualDirectory')) {
                    $physical = [string](Get-Path $vd 'physicalPath')
                    if ([string](Get-Path $vd 'path') -eq '/' -and $physical) { $sitePath = [Environment]::ExpandEnvironmentVariables($physical) }
                }
            }
        }
        $webConfig = Join-Path -Path $sitePath -ChildPath 'web.config'
        if (Test-Path -Path $webConfig) {
            $siteConfig = [xml](Get-Content -Path $webConfig -Raw)
            foreach ($r in (Get-RewriteRules -RulesElement (Get-Path $siteConfig 'configuration/system.webServer/rewrite/rules') -ConfigPath $webConfig)) { $null = $rules.Add($r) }
        }
        $iis.rewriteRules = @($rules)
        $iis.source = '{0}; {1}' -f $appHostPath, $webConfig
    } catch {
        Add-GroupError -Group 'iis.rewriteRules' -Message $_.Exception.Message
    }

    try {
        $cleared = New-Object -TypeName System.Collections.ArrayList
        if ($null -ne $facts['exchange']) {
            $proxyRoot = Join-Path -Path $facts['exchange']['installPath'] -ChildPath 'FrontEnd\HttpProxy'
            if (Test-Path -Path $proxyRoot) {
                foreach ($file in @(Get-ChildItem -Path $proxyRoot -Filter 'web.config' -Recurse)) {
                    if ($null -eq $file) { continue }
                    $childConfig = [xml](Get-Content -Path $file.FullName -Raw)
                    $cancelling = $childConfig.SelectNodes('//system.webServer/rewrite/rules/*[self::clear or self::remove]')
                    if ($cancelling.Count -gt 0) { $null = $cleared.Add([string]$file.FullName) }
                }
            }
            $iis.rewriteRulesClearedIn = @($cleared)
        } else {
            Add-NotCollected -Group 'iis.rewriteRulesClearedIn' -Reason 'the Exchange install path is unknown (see the exchange group error)'
        }
    } catch {
        Add-GroupError -Group 'iis.rewriteRulesClearedIn' -Message $_.Exception.Message
    }

    try {
        if ($null -eq $appHost) { throw 'applicationHost.config could not be read' }
        $pools = New-Object -TypeName System.Collections.ArrayList
        $canReadState = Test-Cmdlet -Name 'Get-WebAppPoolState'
        foreach ($pool in @(Get-Path $appHost 'configuration/system.applicationHost/applicationPools/add')) {
            if ($null -eq $pool -or [string](Get-Path $pool 'name') -notmatch '^MSExchange(ECP|OAB)AppPool$') { continue }
            $state = 'Unknown'
            if ($canReadState) {
                try { $state = [string](Get-WebAppPoolState -Name $pool.name).Value } catch { Add-GroupError -Group 'iis.appPools' -Message $_.Exception.Message }
            }
            $null = $pools.Add([ordered]@{ name = [string]$pool.name; state = $state; autoStart = ([string](Get-Path $pool 'autoStart') -ne 'false'); startMode = [string](Get-Path $pool 'startMode') })
        }
        $iis.appPools = @($pools)
        if (-not $canReadState) { Add-NotCollected -Group 'iis.appPools.state' -Reason 'Get-WebAppPoolState (WebAdministration module) is not available' }
    } catch {
        Add-GroupError -Group 'iis.appPools' -Message $_.Exception.Message
    }
    $facts.iis = $iis
}

# config: registry values first (no Exchange cmdlets needed), then what the cmdlets add
$config = [ordered]@{}
$configSources = New-Object -TypeName System.Collections.ArrayList
try {
    $diagKey = 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Diagnostics'
    $diag = Get-ItemProperty -Path $diagKey -ErrorAction SilentlyContinue
    $values = [ordered]@{}
    foreach ($name in @('EnableSerializationDataSigning', 'DisableBaseTypeCheckForDeserialization', 'EnableEccCertificateSupport')) {
        $value = Get-Path $diag $name
        if ($null -ne $value) {
            if ($value -is [int]) { $values[$name] = $value } else { $values[$name] = [string]$value }
        }
    }
    $config.diagnosticsRegistry = $values
    $lsa = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\LSA' -ErrorAction SilentlyContinue
    $suppress = Get-Path $lsa 'SuppressExtendedProtection'
    if ($null -ne $suppress) { $config.suppressExtendedProtection = [int]$suppress } else { $config.suppressExtendedProtection = 0 }
    $null = $configSources.Add("registry ($diagKey; HKLM:\SYSTEM\CurrentControlSet\Control\LSA)")
} catch {
    Add-GroupError -Group 'config.registry' -Message $_.Exception.Message
}

try {
    $fip = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\FIP-FS' -ErrorAction SilentlyContinue
    $fipData = [string](Get-Path $fip 'DatabasePath')
    if ($fipData) {
        $fipConfig = Join-Path -Path $fipData -ChildPath 'Configuration.xml'
        if (Test-Path -Path $fipConfig) {
            $config.outsideInDisabled = -not ((Get-Content -Path $fipConfig -Raw) -match '\|NO')
            $null = $configSources.Add($fipConfig)
        }
    }
} catch {
    Add-GroupError -Group 'config.outsideInDisabled' -Message $_.Exception.Message
}

# AMSI: the providers (antivirus engines) Windows has registered; none registered means nothing scans
try {
    $amsiKey = 'HKLM:\SOFTWARE\Microsoft\AMSI\Providers'
    $providers = @()
    if (Test-Path -Path $amsiKey) { $providers = @(Get-ChildItem -Path $amsiKey | ForEach-Object -Process { [string]$_.PSChildName }) }
    $config.amsi = [ordered]@{ providers = $providers }
    $null = $configSources.Add($amsiKey)
} catch {
    Add-GroupError -Group 'config.amsi' -Message $_.Exception.Message
}

try {
    if (Test-Cmdlet -Name 'Get-SettingOverride') {
        $overrides = New-Object -TypeName System.Collections.ArrayList
        foreach ($o in @(Get-SettingOverride)) {
            if ($null -eq $o) { continue }
            $parameters = @(Get-Path $o 'Parameters' | Where-Object -FilterScript { $null -ne $_ } | ForEach-Object -Process { [string]$_ })
            $servers = @(Get-Path $o 'Server' | Where-Object -FilterScript { $null -ne $_ } | ForEach-Object -Process { [string]$_ })
            $null = $overrides.Add([ordered]@{ name = [string](Get-Path $o 'Name'); component = [string](Get-Path $o 'ComponentName'); section = [string](Get-Path $o 'SectionName'); parameters = $parameters; status = [string](Get-Path $o 'Status'); server = $servers })
        }
        $config.settingOverrides = @($overrides)
        $null = $configSources.Add('Get-SettingOverride')
    } else {
        Add-NotCollected -Group 'config.settingOverrides' -Reason 'Get-SettingOverride is not available: the Exchange cmdlets are not loaded in this session (run the collector in the Exchange Management Shell to collect them)'
    }
} catch {
    Add-GroupError -Group 'config.settingOverrides' -Message $_.Exception.Message
}

# Client access settings the checks read: Outlook Anywhere SSL offloading (Extended Protection needs it off) and
# the OWA download domains that close CVE-2021-1730 (organization switch plus the two host names)
try {
    if ((Test-Cmdlet -Name 'Get-OutlookAnywhere') -and (Test-Cmdlet -Name 'Get-OwaVirtualDirectory') -and (Test-Cmdlet -Name 'Get-OrganizationConfig')) {
        $outlookAnywhere = @(Get-OutlookAnywhere -Server $env:COMPUTERNAME -ADPropertiesOnly)
        if ($outlookAnywhere.Count -gt 0) { $config.sslOffloading = (@($outlookAnywhere | Where-Object -FilterScript { Get-Path $_ 'SSLOffloading' }).Count -gt 0) }
        $owaDirs = @(Get-OwaVirtualDirectory -Server $env:COMPUTERNAME -ADPropertiesOnly)
        $orgConfig = Get-OrganizationConfig
        $download = [ordered]@{}
        # Exchange 2013 has no download domains: its objects lack the properties, and the facts then lack them too.
        $enableDownload = Get-Path $orgConfig 'EnableDownloadDomains'
        if ($null -ne $enableDownload) { $download.enabled = [bool]$enableDownload }
        if ($owaDirs.Count -gt 0) {
            $owaDir = $owaDirs[0]
            $externalDownload = [string](Get-Path $owaDir 'ExternalDownloadHostName')
            $internalDownload = [string](Get-Path $owaDir 'InternalDownloadHostName')
            $externalUrl = [string](Get-Path $owaDir 'ExternalUrl')
            $internalUrl = [string](Get-Path $owaDir 'InternalUrl')
            if ($externalDownload) { $download.externalHostName = $externalDownload }
            if ($internalDownload) { $download.internalHostName = $internalDownload }
            if ($externalUrl) { $download.owaExternalUrl = $externalUrl }
            if ($internalUrl) { $download.owaInternalUrl = $internalUrl }
        }
        $config.downloadDomains = $download
        $null = $configSources.Add('Get-OutlookAnywhere; Get-OwaVirtualDirectory; Get-OrganizationConfig')
    } else {
        Add-NotCollected -Group 'config.clientAccess' -Reason 'SSL offloading and download domains need Get-OutlookAnywhere, Get-OwaVirtualDirectory and Get-OrganizationConfig: the Exchange cmdlets are not loaded in this session (run the collector in the Exchange Management Shell)'
    }
} catch {
    Add-GroupError -Group 'config.clientAccess' -Message $_.Exception.Message
}

# EEMS: the MSExchangeMitigation service here; the organization and server settings through the cmdlets
try {
    $eems = [ordered]@{}
    if ($null -ne $mitigationService) { $eems.serviceStatus = $mitigationService.status; $eems.serviceStartMode = $mitigationService.startMode }
    if ((Test-Cmdlet -Name 'Get-OrganizationConfig') -and (Test-Cmdlet -Name 'Get-ExchangeServer')) {
        $org = Get-OrganizationConfig
        $server = Get-ExchangeServer -Identity $env:COMPUTERNAME
        # Absent properties (a CU before EEMS, Exchange 2013) stay absent rather than read as false.
        $orgEnabled = Get-Path $org 'MitigationsEnabled'
        $serverEnabled = Get-Path $server 'MitigationsEnabled'
        $dataCollection = Get-Path $server 'DataCollectionEnabled'
        if ($null -ne $orgEnabled) { $eems.orgEnabled = [bool]$orgEnabled }
        if ($null -ne $serverEnabled) { $eems.serverEnabled = [bool]$serverEnabled }
        if ($null -ne $dataCollection) { $eems.dataCollectionEnabled = [bool]$dataCollection }
        $eems.applied = @(Get-Path $server 'MitigationsApplied' | Where-Object -FilterScript { $null -ne $_ } | ForEach-Object -Process { [string]$_ })
        $eems.blocked = @(Get-Path $server 'MitigationsBlocked' | Where-Object -FilterScript { $null -ne $_ } | ForEach-Object -Process { [string]$_ })
        $null = $configSources.Add('Get-OrganizationConfig; Get-ExchangeServer')
    } else {
        Add-NotCollected -Group 'config.eems' -Reason 'the EEMS organization and server settings need Get-OrganizationConfig and Get-ExchangeServer (Exchange Management Shell); only the MSExchangeMitigation service state was read'
    }
    if ($eems.Count -gt 0) { $config.eems = $eems }
} catch {
    Add-GroupError -Group 'config.eems' -Message $_.Exception.Message
}

if ($configSources.Count -gt 0) {
    $config.source = ($configSources -join '; ')
    $facts.config = $config
}

# hybrid: the hybrid configuration and the EvoSTS auth servers (the dedicated hybrid application)
try {
    if ((Test-Cmdlet -Name 'Get-HybridConfiguration') -and (Test-Cmdlet -Name 'Get-AuthServer')) {
        $hybridConfig = Get-HybridConfiguration
        $evoSts = New-Object -TypeName System.Collections.ArrayList
        foreach ($auth in @(Get-AuthServer)) {
            if ($null -eq $auth -or [string](Get-Path $auth 'Name') -notlike 'EvoSts*') { continue }
            $null = $evoSts.Add([ordered]@{ name = [string]$auth.Name; applicationIdentifier = [string](Get-Path $auth 'ApplicationIdentifier'); enabled = [bool](Get-Path $auth 'Enabled') })
        }
        $facts.hybrid = [ordered]@{
            source = 'Get-HybridConfiguration; Get-AuthServer'
            configured = (($null -ne $hybridConfig) -or ($evoSts.Count -gt 0))
            evoStsAuthServers = @($evoSts)
        }
        Add-NotCollected -Group 'hybrid.firstPartySpKeyCredentials' -Reason 'the shared service principal is in the Microsoft Entra tenant, not visible from the server'
    } else {
        Add-NotCollected -Group 'hybrid' -Reason 'needs Get-HybridConfiguration and Get-AuthServer: the Exchange cmdlets are not loaded in this session (run the collector in the Exchange Management Shell)'
    }
} catch {
    Add-GroupError -Group 'hybrid' -Message $_.Exception.Message
}

$facts.collectedAt = $started
$facts.collectors = @([ordered]@{ name = 'Get-ExchangeFacts.ps1'; version = '2'; startedAt = $started; finishedAt = (Get-Date).ToUniversalTime().ToString('o'); errors = @($errors) })
$facts.notCollected = @($notCollected)

Write-Output '<<<EXAUDIT-FACTS-BEGIN>>>'
Write-Output (ConvertTo-Json -InputObject $facts -Depth 8 -Compress)
Write-Output '<<<EXAUDIT-FACTS-END>>>'
