# Get-ExchangeFacts.ps1: the exaudit collector. Read-only: it only reads the registry, files, services and IIS
# configuration, and writes one JSON document (exaudit facts) to standard output between marker lines.
# Runs on Windows PowerShell 5.1 on an Exchange server; needs no Exchange cmdlets (groups that need them are
# recorded as not collected, with why, unless the cmdlets are loaded). Each group has its own error handling.
#
#   powershell -NoProfile -ExecutionPolicy Bypass -File Get-ExchangeFacts.ps1 > ex01.json
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

# target
$facts.target = [ordered]@{ name = [System.Net.Dns]::GetHostEntry('').HostName; transport = 'local' }

# exchange: ExSetup.exe file version (HealthChecker's source), install path and roles from the registry
try {
    $setup = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Setup'
    $exsetup = Join-Path -Path $setup.MsiInstallPath -ChildPath 'bin\ExSetup.exe'
    $version = (Get-Item -Path $exsetup).VersionInfo
    $build = '{0}.{1}.{2}.{3}' -f $version.FileMajorPart, $version.FileMinorPart, $version.FileBuildPart, $version.FilePrivatePart
    $roleKeys = Get-ChildItem -Path 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15' | Where-Object -FilterScript { $_.PSChildName -like '*Role' }
    $roles = @($roleKeys | ForEach-Object -Process { $_.PSChildName -replace 'Role$', '' })
    $facts.exchange = [ordered]@{
        build = $build
        precision = 'exact'
        source = 'ExSetup.exe FileVersion'
        installPath = $setup.MsiInstallPath
        roles = $roles
        edge = ($roles -contains 'EdgeTransport')
    }
} catch {
    Add-GroupError -Group 'exchange' -Message $_.Exception.Message
}

# os
try {
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    $nt = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    $facts.os = [ordered]@{ caption = $os.Caption; version = $os.Version; build = [int]$os.BuildNumber; ubr = [int]$nt.UBR; source = 'Win32_OperatingSystem; CurrentVersion UBR' }
} catch {
    Add-GroupError -Group 'os' -Message $_.Exception.Message
}

# services the advisories name (UM for CVE-2021-26857, EEMS, Managed Availability)
try {
    $services = New-Object -TypeName System.Collections.ArrayList
    foreach ($name in @('MSExchangeUM', 'MSExchangeUMCR', 'MSExchangeMitigation', 'MSExchangeHM', 'MSExchangeHMRecovery')) {
        $svc = Get-Service -Name $name -ErrorAction SilentlyContinue
        if ($null -eq $svc) {
            $null = $services.Add([ordered]@{ name = $name; status = 'Absent'; present = $false })
        } else {
            $null = $services.Add([ordered]@{ name = $name; status = [string]$svc.Status; startMode = [string]$svc.StartType; present = $true })
        }
    }
    $facts.services = @($services)
} catch {
    Add-GroupError -Group 'services' -Message $_.Exception.Message
}

# iis: Extended Protection and SSL flags per location, URL Rewrite rules on Default Web Site, app pool state
try {
    $appHostPath = Join-Path -Path $env:windir -ChildPath 'System32\inetsrv\config\applicationHost.config'
    $appHost = [xml](Get-Content -Path $appHostPath -Raw)
    $vdirs = New-Object -TypeName System.Collections.ArrayList
    foreach ($location in @($appHost.configuration.location)) {
        $path = [string]$location.path
        if ($path -notmatch '^(Default Web Site|Exchange Back End)/') { continue }
        $security = $location.'system.webServer'.security
        $token = $security.authentication.windowsAuthentication.extendedProtection.tokenChecking
        if (-not $token) { $token = 'None' }
        $split = $path.Split(@('/'), 2)
        $null = $vdirs.Add([ordered]@{ site = $split[0]; path = $split[1]; tokenChecking = [string]$token; sslFlags = [string]$security.access.sslFlags })
    }
    $rules = New-Object -TypeName System.Collections.ArrayList
    $webConfig = Join-Path -Path $env:SystemDrive -ChildPath 'inetpub\wwwroot\web.config'
    if (Test-Path -Path $webConfig) {
        $site = [xml](Get-Content -Path $webConfig -Raw)
        foreach ($rule in @($site.configuration.'system.webServer'.rewrite.rules.rule)) {
            if ($null -eq $rule) { continue }
            $conditions = @($rule.conditions.add | ForEach-Object -Process { [ordered]@{ input = [string]$_.input; pattern = [string]$_.pattern } })
            $null = $rules.Add([ordered]@{
                name = [string]$rule.name; site = 'Default Web Site'; configPath = $webConfig
                enabled = ([string]$rule.enabled -ne 'false'); patternSyntax = [string]$rule.patternSyntax
                stopProcessing = ([string]$rule.stopProcessing -eq 'true'); matchUrl = [string]$rule.match.url
                conditions = $conditions; actionType = [string]$rule.action.type
            })
        }
    }
    $cleared = New-Object -TypeName System.Collections.ArrayList
    if ($facts.exchange) {
        $proxyRoot = Join-Path -Path $facts.exchange.installPath -ChildPath 'FrontEnd\HttpProxy'
        if (Test-Path -Path $proxyRoot) {
            foreach ($file in @(Get-ChildItem -Path $proxyRoot -Filter 'web.config' -Recurse)) {
                $text = Get-Content -Path $file.FullName -Raw
                if ($text -match '<rewrite>[\s\S]*<rules>[\s\S]*<clear\s*/>') { $null = $cleared.Add($file.FullName) }
            }
        }
    }
    $pools = New-Object -TypeName System.Collections.ArrayList
    foreach ($pool in @($appHost.configuration.'system.applicationHost'.applicationPools.add)) {
        if ([string]$pool.name -notmatch '^MSExchange(ECP|OAB)AppPool$') { continue }
        $state = 'Unknown'
        $stateCmd = Get-Command -Name Get-WebAppPoolState -ErrorAction SilentlyContinue
        if ($stateCmd) { $state = [string](Get-WebAppPoolState -Name $pool.name).Value }
        $null = $pools.Add([ordered]@{ name = [string]$pool.name; state = $state; autoStart = ([string]$pool.autoStart -ne 'false') })
    }
    $facts.iis = [ordered]@{
        source = 'applicationHost.config; Default Web Site web.config'
        virtualDirectories = @($vdirs); rewriteRules = @($rules); rewriteRulesClearedIn = @($cleared); appPools = @($pools)
    }
} catch {
    Add-GroupError -Group 'iis' -Message $_.Exception.Message
}

# config: registry values, FIP-FS OutsideIn override, and setting overrides when the Exchange cmdlets are loaded
try {
    $config = [ordered]@{ source = 'registry; FIP-FS Configuration.xml' }
    $diag = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Diagnostics' -ErrorAction SilentlyContinue
    $values = [ordered]@{}
    foreach ($name in @('EnableSerializationDataSigning', 'DisableBaseTypeCheckForDeserialization', 'EnableEccCertificateSupport')) {
        if ($diag -and ($null -ne $diag.$name)) { $values[$name] = [int]$diag.$name }
    }
    $config.diagnosticsRegistry = $values
    $lsa = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\LSA' -ErrorAction SilentlyContinue
    if ($lsa -and ($null -ne $lsa.SuppressExtendedProtection)) { $config.suppressExtendedProtection = [int]$lsa.SuppressExtendedProtection } else { $config.suppressExtendedProtection = 0 }
    $fip = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\FIP-FS' -ErrorAction SilentlyContinue
    if ($fip -and $fip.DatabasePath) {
        $fipConfig = Join-Path -Path $fip.DatabasePath -ChildPath 'Configuration.xml'
        if (Test-Path -Path $fipConfig) { $config.outsideInDisabled = -not ((Get-Content -Path $fipConfig -Raw) -match '\|NO') }
    }
    $overrideCmd = Get-Command -Name Get-SettingOverride -ErrorAction SilentlyContinue
    if ($overrideCmd) {
        $config.settingOverrides = @(Get-SettingOverride | ForEach-Object -Process {
            [ordered]@{ name = [string]$_.Name; component = [string]$_.ComponentName; section = [string]$_.SectionName; parameters = @($_.Parameters | ForEach-Object -Process { [string]$_ }); status = [string]$_.Status }
        })
    } else {
        $null = $notCollected.Add([ordered]@{ group = 'config.settingOverrides'; reason = 'the Exchange cmdlets are not loaded in this session (run in the Exchange Management Shell to collect them)' })
        $null = $notCollected.Add([ordered]@{ group = 'config.eems'; reason = 'needs Get-OrganizationConfig and Get-ExchangeServer' })
        $null = $notCollected.Add([ordered]@{ group = 'hybrid'; reason = 'needs Get-HybridConfiguration and Get-AuthServer' })
    }
    $facts.config = $config
} catch {
    Add-GroupError -Group 'config' -Message $_.Exception.Message
}

$facts.collectedAt = $started
$facts.collectors = @([ordered]@{ name = 'Get-ExchangeFacts.ps1'; version = '1'; startedAt = $started; finishedAt = (Get-Date).ToUniversalTime().ToString('o'); errors = @($errors) })
$facts.notCollected = @($notCollected)

Write-Output '<<<EXAUDIT-FACTS-BEGIN>>>'
Write-Output (ConvertTo-Json -InputObject $facts -Depth 8 -Compress)
Write-Output '<<<EXAUDIT-FACTS-END>>>'
