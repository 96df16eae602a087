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

# A registry value, or $null when the key or the value is not there (not set: the Windows default applies).
function Get-RegistryValue {
    param([string]$Path, [string]$Name)
    return (Get-Path (Get-ItemProperty -Path $Path -ErrorAction SilentlyContinue) $Name)
}

# A registry DWORD as a number, or $null when it is not set.
function Get-RegistryNumber {
    param([string]$Path, [string]$Name)
    $value = Get-RegistryValue -Path $Path -Name $Name
    if ($null -eq $value) { return $null }
    return [long]$value
}

# Every IIS configuration file read, and whether it is well-formed XML (HealthChecker's "Invalid Configuration File").
$configFiles = New-Object -TypeName System.Collections.ArrayList
function Read-ConfigXml {
    param([string]$Path)
    $document = (Get-Content -Path $Path -Raw) -as [xml]
    if ($null -eq $document) {
        $null = $configFiles.Add([ordered]@{ path = $Path; valid = $false; error = 'not well-formed XML' })
        throw "Cannot convert the content of $Path to System.Xml.XmlDocument: it is not well-formed XML"
    }
    $null = $configFiles.Add([ordered]@{ path = $Path; valid = $true })
    # The comma keeps PowerShell from enumerating the document's child nodes.
    return , $document
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

# tls: SCHANNEL Enabled/DisabledByDefault per version for server and client, the .NET Framework TLS values (native
# and WOW6432Node), and the cipher suites (Get-TlsCipherSuite, else the Group Policy or local registry list). A value
# that is not set is $null: the Windows default applies (HealthChecker's Get-AllTlsSettingsFromRegistry).
try {
    $schannel = 'HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols'
    $protocols = New-Object -TypeName System.Collections.ArrayList
    foreach ($version in @('1.0', '1.1', '1.2', '1.3')) {
        $server = '{0}\TLS {1}\Server' -f $schannel, $version
        $client = '{0}\TLS {1}\Client' -f $schannel, $version
        $null = $protocols.Add([ordered]@{
            version = $version
            serverEnabled = (Get-RegistryNumber -Path $server -Name 'Enabled'); serverDisabledByDefault = (Get-RegistryNumber -Path $server -Name 'DisabledByDefault')
            clientEnabled = (Get-RegistryNumber -Path $client -Name 'Enabled'); clientDisabledByDefault = (Get-RegistryNumber -Path $client -Name 'DisabledByDefault')
        })
    }
    $dotNet = New-Object -TypeName System.Collections.ArrayList
    foreach ($netVersion in @('v4.0.30319', 'v2.0.50727')) {
        $native = 'HKLM:\SOFTWARE\Microsoft\.NETFramework\{0}' -f $netVersion
        $wow = 'HKLM:\SOFTWARE\Wow6432Node\Microsoft\.NETFramework\{0}' -f $netVersion
        $null = $dotNet.Add([ordered]@{
            version = $netVersion
            systemDefaultTlsVersions = (Get-RegistryNumber -Path $native -Name 'SystemDefaultTlsVersions'); schUseStrongCrypto = (Get-RegistryNumber -Path $native -Name 'SchUseStrongCrypto')
            wowSystemDefaultTlsVersions = (Get-RegistryNumber -Path $wow -Name 'SystemDefaultTlsVersions'); wowSchUseStrongCrypto = (Get-RegistryNumber -Path $wow -Name 'SchUseStrongCrypto')
        })
    }
    $tls = [ordered]@{ source = "registry ($schannel; HKLM:\SOFTWARE\[Wow6432Node\]Microsoft\.NETFramework)"; protocols = @($protocols); dotNet = @($dotNet) }
    $suites = $null
    if (Test-Cmdlet -Name 'Get-TlsCipherSuite') {
        $suites = @(Get-TlsCipherSuite | ForEach-Object -Process { [string]$_.Name })
        $tls.cipherSuitesSource = 'Get-TlsCipherSuite'
    } else {
        $policy = 'HKLM:\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002'
        $local = 'HKLM:\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL\00010002'
        $fromPolicy = [string](Get-RegistryValue -Path $policy -Name 'Functions')
        if ($fromPolicy) {
            $suites = @($fromPolicy.Split(@(',')) | Where-Object -FilterScript { $_ })
            $tls.cipherSuitesSource = "$policy Functions (Group Policy)"
        } else {
            $fromLocal = Get-RegistryValue -Path $local -Name 'Functions'
            if ($null -ne $fromLocal) { $suites = @($fromLocal | ForEach-Object -Process { [string]$_ }); $tls.cipherSuitesSource = "$local Functions" }
        }
    }
    if ($null -ne $suites) { $tls.cipherSuites = $suites } else { Add-NotCollected -Group 'tls.cipherSuites' -Reason 'Get-TlsCipherSuite is not available and no cipher suite list is in the registry (the Windows default order applies)' }
    $facts.tls = $tls
} catch {
    Add-GroupError -Group 'tls' -Message $_.Exception.Message
}

# windows: the settings HealthChecker judges on the OS. SMB (SMBv1 feature and protocol, SMBv3 compression for
# CVE-2020-0796), LSA (LAN Manager level, Credential Guard flag, FIPS policy), Device Guard's running services, and the
# .NET Framework files behind CVE-2020-1147. Each part has its own try/catch.
$windows = [ordered]@{}
try {
    $lanman = 'HKLM:\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters'
    $smb = [ordered]@{ source = "$lanman DisableCompression"; disableCompression = (Get-RegistryNumber -Path $lanman -Name 'DisableCompression') }
    if (Test-Cmdlet -Name 'Get-SmbServerConfiguration') {
        $smb.smb1Enabled = [bool](Get-Path (Get-SmbServerConfiguration) 'EnableSMB1Protocol')
        $smb.source = $smb.source + '; Get-SmbServerConfiguration EnableSMB1Protocol'
    } else {
        Add-NotCollected -Group 'windows.smb.smb1Enabled' -Reason 'Get-SmbServerConfiguration (SmbShare module) is not available'
    }
    if (Test-Cmdlet -Name 'Get-WindowsFeature') {
        $feature = Get-WindowsFeature -Name 'FS-SMB1'
        if ($null -ne $feature) { $smb.smb1Installed = [bool](Get-Path $feature 'Installed') }
        $smb.source = $smb.source + '; Get-WindowsFeature FS-SMB1'
    } else {
        Add-NotCollected -Group 'windows.smb.smb1Installed' -Reason 'Get-WindowsFeature (ServerManager module) is not available'
    }
    $windows.smb = $smb
} catch {
    Add-GroupError -Group 'windows.smb' -Message $_.Exception.Message
}
try {
    $lsaKey = 'HKLM:\SYSTEM\CurrentControlSet\Control\Lsa'
    $windows.lsa = [ordered]@{
        source = "$lsaKey (LmCompatibilityLevel, LsaCfgFlags); $lsaKey\FipsAlgorithmPolicy Enabled"
        lmCompatibilityLevel = (Get-RegistryNumber -Path $lsaKey -Name 'LmCompatibilityLevel')
        lsaCfgFlags = (Get-RegistryNumber -Path $lsaKey -Name 'LsaCfgFlags')
        fipsAlgorithmPolicy = (Get-RegistryNumber -Path "$lsaKey\FipsAlgorithmPolicy" -Name 'Enabled')
    }
} catch {
    Add-GroupError -Group 'windows.lsa' -Message $_.Exception.Message
}
try {
    $deviceGuard = Get-CimInstance -ClassName 'Win32_DeviceGuard' -Namespace 'root\Microsoft\Windows\DeviceGuard'
    $windows.deviceGuard = [ordered]@{ source = 'Win32_DeviceGuard SecurityServicesRunning'; securityServicesRunning = @(Get-Path $deviceGuard 'SecurityServicesRunning' | Where-Object -FilterScript { $null -ne $_ } | ForEach-Object -Process { [int]$_ }) }
} catch {
    Add-GroupError -Group 'windows.deviceGuard' -Message $_.Exception.Message
}
try {
    $ndp = 'HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full'
    $netPath = [string](Get-RegistryValue -Path $ndp -Name 'InstallPath')
    if (-not $netPath) { throw "InstallPath is not set under $ndp" }
    $netFiles = New-Object -TypeName System.Collections.ArrayList
    foreach ($name in @('System.Data.dll', 'System.Configuration.dll')) {
        $file = Get-Item -Path (Join-Path -Path $netPath -ChildPath $name)
        $null = $netFiles.Add([ordered]@{ name = $name; fileVersion = [string]$file.VersionInfo.FileVersion; fileBuildPart = [int]$file.VersionInfo.FileBuildPart; lastWriteTimeUtc = $file.LastWriteTimeUtc.ToString('o') })
    }
    $windows.dotNet = [ordered]@{ source = "$ndp (Release, InstallPath); file versions under $netPath"; files = @($netFiles) }
    $release = Get-RegistryValue -Path $ndp -Name 'Release'
    if ($null -ne $release) { $windows.dotNet.release = [int]$release }
} catch {
    Add-GroupError -Group 'windows.dotNet' -Message $_.Exception.Message
}
if ($windows.Count -gt 0) { $facts.windows = $windows }

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
        $appHost = Read-ConfigXml -Path $appHostPath
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

$webConfig = $null
$siteConfig = $null
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
            $siteConfig = Read-ConfigXml -Path $webConfig
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
                    $childConfig = Read-ConfigXml -Path $file.FullName
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
    # Native (global) modules: each image's Authenticode signature (an unsigned native module is a known IIS backdoor
    # technique), and the version of cachtokn.dll when TokenCacheModule is loaded (CVE-2023-36434).
    try {
        if ($null -eq $appHost) { throw 'applicationHost.config could not be read' }
        $modules = New-Object -TypeName System.Collections.ArrayList
        $canSign = Test-Cmdlet -Name 'Get-AuthenticodeSignature'
        foreach ($module in @(Get-Path $appHost 'configuration/system.webServer/globalModules/add')) {
            if ($null -eq $module) { continue }
            $image = [Environment]::ExpandEnvironmentVariables([string](Get-Path $module 'image'))
            $entry = [ordered]@{ name = [string](Get-Path $module 'name'); image = $image; fileFound = [bool](Test-Path -Path $image) }
            if ($canSign -and $entry.fileFound) {
                $signature = Get-AuthenticodeSignature -FilePath $image
                $entry.signatureStatus = [string](Get-Path $signature 'Status')
                $signer = Get-Path $signature 'SignerCertificate/Subject'
                if ($null -ne $signer) { $entry.signer = [string]$signer }
            }
            $null = $modules.Add($entry)
            if ($entry.name -eq 'TokenCacheModule' -and $entry.fileFound) {
                $version = (Get-Item -Path $image).VersionInfo
                $iis.tokenCacheFile = [ordered]@{ productVersion = ('{0}.{1}.{2}.{3}' -f $version.ProductMajorPart, $version.ProductMinorPart, $version.ProductBuildPart, $version.ProductPrivatePart); fileBuildPart = [int]$version.FileBuildPart; path = $image }
            }
        }
        $iis.globalModules = @($modules)
        if (-not $canSign) { Add-NotCollected -Group 'iis.globalModules.signatures' -Reason 'Get-AuthenticodeSignature is not available in this session' }
    } catch {
        Add-GroupError -Group 'iis.globalModules' -Message $_.Exception.Message
    }

    # HSTS per Exchange site: the native <hsts> element of the site, and a Strict-Transport-Security custom header in the
    # site's location or its web.config (HealthChecker's Get-IISWebSite).
    try {
        if ($null -eq $appHost) { throw 'applicationHost.config could not be read' }
        $hsts = New-Object -TypeName System.Collections.ArrayList
        foreach ($site in @(Get-Path $appHost 'configuration/system.applicationHost/sites/site')) {
            $siteName = [string](Get-Path $site 'name')
            if ($null -eq $site -or $siteName -notmatch '^(Default Web Site|Exchange Back End)$') { continue }
            $native = Get-Path $site 'hsts'
            if ($null -ne $native) {
                $entry = [ordered]@{ site = $siteName; via = 'native'; enabled = ([string](Get-Path $native 'enabled') -eq 'true'); configPath = $appHostPath }
                $maxAge = [string](Get-Path $native 'max-age')
                if ($maxAge) { $entry.maxAge = [long]$maxAge }
                foreach ($flag in @('includeSubDomains', 'preload', 'redirectHttpToHttps')) { $entry[$flag] = ([string](Get-Path $native $flag) -eq 'true') }
                $null = $hsts.Add($entry)
            }
            # Custom headers: the site's <location> in applicationHost.config, then the web.config in its physical path.
            $headerSources = New-Object -TypeName System.Collections.ArrayList
            foreach ($location in @(Get-Path $appHost 'configuration/location')) {
                if ($null -ne $location -and [string](Get-Path $location 'path') -eq $siteName) { $null = $headerSources.Add(@($location, "$appHostPath (location $siteName)")) }
            }
            foreach ($app in @(Get-Path $site 'application')) {
                if ($null -eq $app -or [string](Get-Path $app 'path') -ne '/') { continue }
                foreach ($vd in @(Get-Path $app 'virtualDirectory')) {
                    $physical = [string](Get-Path $vd 'physicalPath')
                    if ($null -eq $vd -or [string](Get-Path $vd 'path') -ne '/' -or -not $physical) { continue }
                    $siteWebConfig = Join-Path -Path ([Environment]::ExpandEnvironmentVariables($physical)) -ChildPath 'web.config'
                    if ($siteWebConfig -ne $webConfig -and (Test-Path -Path $siteWebConfig)) { $null = $headerSources.Add(@((Get-Path (Read-ConfigXml -Path $siteWebConfig) 'configuration'), $siteWebConfig)) }
                    elseif ($siteWebConfig -eq $webConfig -and $null -ne $siteConfig) { $null = $headerSources.Add(@((Get-Path $siteConfig 'configuration'), $webConfig)) }
                }
            }
            foreach ($headerSource in $headerSources) {
                foreach ($header in @(Get-Path $headerSource[0] 'system.webServer/httpProtocol/customHeaders/add')) {
                    if ($null -eq $header -or [string](Get-Path $header 'name') -ne 'Strict-Transport-Security') { continue }
                    $value = [string](Get-Path $header 'value')
                    $entry = [ordered]@{ site = $siteName; via = 'customHeader'; enabled = $true; configPath = $headerSource[1] }
                    if ($value -match 'max-age=(\d+)') { $entry.maxAge = [long]$Matches[1] }
                    $entry.includeSubDomains = ($value -match 'includeSubDomains')
                    $entry.preload = ($value -match 'preload')
                    $entry.redirectHttpToHttps = ($value -match 'redirectHttpToHttps')
                    $null = $hsts.Add($entry)
                }
            }
        }
        $iis.hsts = @($hsts)
    } catch {
        Add-GroupError -Group 'iis.hsts' -Message $_.Exception.Message
    }
    $iis.configFiles = @($configFiles)
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
            $entry = [ordered]@{ name = [string](Get-Path $o 'Name'); component = [string](Get-Path $o 'ComponentName'); section = [string](Get-Path $o 'SectionName'); parameters = $parameters; status = [string](Get-Path $o 'Status'); server = $servers }
            # The build range the override applies to (HealthChecker filters Get-SettingOverride by it).
            foreach ($bound in @(@('MinVersion', 'minVersion'), @('MaxVersion', 'maxVersion'))) {
                $value = Get-Path $o $bound[0]
                if ($null -ne $value -and [string]$value) { $entry[$bound[1]] = [string]$value }
            }
            $null = $overrides.Add($entry)
        }
        $config.settingOverrides = @($overrides)
        $null = $configSources.Add('Get-SettingOverride')
    } else {
        Add-NotCollected -Group 'config.settingOverrides' -Reason 'Get-SettingOverride is not available: the Exchange cmdlets are not loaded in this session (run the collector in the Exchange Management Shell to collect them)'
    }
} catch {
    Add-GroupError -Group 'config.settingOverrides' -Message $_.Exception.Message
}

# The overrides this server's processes have loaded (VariantConfiguration), which HealthChecker prefers to what AD
# holds: Get-ExchangeDiagnosticInfo only reads the topology service's diagnostic state.
try {
    if (Test-Cmdlet -Name 'Get-ExchangeDiagnosticInfo') {
        $diagnostic = Get-ExchangeDiagnosticInfo -Server $env:COMPUTERNAME -Process 'Microsoft.Exchange.Directory.TopologyService' -Component 'VariantConfiguration' -Argument 'Overrides'
        $variant = Get-Path ([xml][string](Get-Path $diagnostic 'Result')) 'Diagnostics/Components/VariantConfiguration/Overrides'
        if ($null -eq $variant) { throw 'the VariantConfiguration result has no Overrides element' }
        $loaded = New-Object -TypeName System.Collections.ArrayList
        foreach ($o in @(Get-Path $variant 'SettingOverride')) {
            if ($null -eq $o) { continue }
            $parameters = @(Get-Path $o 'Parameters/Parameter' | Where-Object -FilterScript { $null -ne $_ } | ForEach-Object -Process { [string]$_ })
            $null = $loaded.Add([ordered]@{ name = [string](Get-Path $o 'Name'); component = [string](Get-Path $o 'ComponentName'); section = [string](Get-Path $o 'SectionName'); parameters = $parameters; status = [string](Get-Path $o 'Status') })
        }
        $config.effectiveOverrides = [ordered]@{ source = 'Get-ExchangeDiagnosticInfo -Process Microsoft.Exchange.Directory.TopologyService -Component VariantConfiguration -Argument Overrides'; server = [string]$env:COMPUTERNAME; overrides = @($loaded) }
        $updated = [string](Get-Path $variant 'Updated')
        if ($updated) { $config.effectiveOverrides.updated = $updated }
        $null = $configSources.Add('Get-ExchangeDiagnosticInfo (VariantConfiguration)')
    } else {
        Add-NotCollected -Group 'config.effectiveOverrides' -Reason 'Get-ExchangeDiagnosticInfo is not available: the Exchange cmdlets are not loaded in this session (Get-SettingOverride, filtered by version and server, is used instead)'
    }
} catch {
    Add-GroupError -Group 'config.effectiveOverrides' -Message $_.Exception.Message
}

# AES256-CBC protected content: IRM licensing (Get-IRMConfiguration) and the access rules of the MSIPC Server key.
try {
    if (Test-Cmdlet -Name 'Get-IRMConfiguration') {
        $irm = Get-IRMConfiguration
        $config.irm = [ordered]@{ internalLicensingEnabled = [bool](Get-Path $irm 'InternalLicensingEnabled'); externalLicensingEnabled = [bool](Get-Path $irm 'ExternalLicensingEnabled') }
        $null = $configSources.Add('Get-IRMConfiguration')
    } else {
        Add-NotCollected -Group 'config.irm' -Reason 'Get-IRMConfiguration is not available: the Exchange cmdlets are not loaded in this session'
    }
} catch {
    Add-GroupError -Group 'config.irm' -Message $_.Exception.Message
}
try {
    $msipc = 'HKLM:\SOFTWARE\Microsoft\MSIPC\Server'
    $key = [ordered]@{ exists = [bool](Test-Path -Path $msipc) }
    if ($key.exists) {
        $acl = Get-Acl -Path $msipc
        $key.rules = @($acl.GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier]) | ForEach-Object -Process {
            [ordered]@{ identity = [string]$_.IdentityReference.Value; rights = [int]$_.RegistryRights; type = [string]$_.AccessControlType; inheritanceFlags = [int]$_.InheritanceFlags; propagationFlags = [int]$_.PropagationFlags }
        })
    }
    $config.msipcServerKey = $key
    $null = $configSources.Add("$msipc (Get-Acl)")
} catch {
    Add-GroupError -Group 'config.msipcServerKey' -Message $_.Exception.Message
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

# certificates: the Exchange certificates (Get-ExchangeCertificate, else the machine's personal store) and which one
# OAuth uses (Get-AuthConfig). Nothing is exported: only public properties are read.
try {
    $fromExchange = Test-Cmdlet -Name 'Get-ExchangeCertificate'
    if ($fromExchange) { $certObjects = @(Get-ExchangeCertificate -Server $env:COMPUTERNAME) } else { $certObjects = @(Get-ChildItem -Path 'Cert:\LocalMachine\My') }
    $certList = New-Object -TypeName System.Collections.ArrayList
    foreach ($cert in $certObjects) {
        if ($null -eq $cert) { continue }
        $entry = [ordered]@{ thumbprint = [string]$cert.Thumbprint; subject = [string](Get-Path $cert 'Subject'); notAfter = ([datetime](Get-Path $cert 'NotAfter')).ToUniversalTime().ToString('o') }
        $friendly = [string](Get-Path $cert 'FriendlyName')
        if ($friendly) { $entry.friendlyName = $friendly }
        $keyOid = [string](Get-Path $cert 'PublicKey/Oid/Value')
        if ($keyOid) { $entry.keyAlgorithmOid = $keyOid }
        # RSA keys only: reading an ECC key through PublicKey.Key throws on .NET Framework.
        if ($keyOid -eq '1.2.840.113549.1.1.1') {
            try { $entry.keySize = [int](Get-Path $cert 'PublicKey/Key/KeySize') } catch { Add-GroupError -Group 'certificates' -Message ('key size of {0}: {1}' -f $entry.thumbprint, $_.Exception.Message) }
        }
        $signatureOid = [string](Get-Path $cert 'SignatureAlgorithm/Value')
        if ($signatureOid) { $entry.signatureAlgorithmOid = $signatureOid; $entry.signatureAlgorithm = [string](Get-Path $cert 'SignatureAlgorithm/FriendlyName') }
        $services = Get-Path $cert 'Services'
        if ($null -ne $services) { $entry.services = [string]$services }
        $status = Get-Path $cert 'Status'
        if ($null -ne $status) { $entry.status = [string]$status }
        $null = $certList.Add($entry)
    }
    $certificates = [ordered]@{ source = 'Cert:\LocalMachine\My'; list = @($certList) }
    if ($fromExchange) { $certificates.source = 'Get-ExchangeCertificate' }
    if (Test-Cmdlet -Name 'Get-AuthConfig') {
        $authConfig = Get-AuthConfig
        $current = [string](Get-Path $authConfig 'CurrentCertificateThumbprint')
        $next = [string](Get-Path $authConfig 'NextCertificateThumbprint')
        if ($current) { $certificates.authCurrentThumbprint = $current }
        if ($next) { $certificates.authNextThumbprint = $next }
        $certificates.source = $certificates.source + '; Get-AuthConfig'
    } else {
        Add-NotCollected -Group 'certificates.auth' -Reason 'Get-AuthConfig is not available: the Exchange cmdlets are not loaded in this session'
    }
    $facts.certificates = $certificates
} catch {
    Add-GroupError -Group 'certificates' -Message $_.Exception.Message
}

# ad: read-only LDAP through [adsi]: the schema class behind CVE-2021-34470, the two Exchange groups, AD split
# permissions, and per domain the Microsoft Exchange System Objects version and the domain root's Deny ACEs
# (CVE-2022-21978). Searches and reads only; nothing is bound for writing.
function Find-Ldap {
    param([string]$Base, [string]$Filter, [string[]]$Properties, [string]$Scope = 'Subtree')
    $searcher = [adsisearcher]$Filter
    $searcher.SearchRoot = [adsi]('LDAP://{0}' -f $Base)
    $searcher.SearchScope = $Scope
    foreach ($property in $Properties) { $null = $searcher.PropertiesToLoad.Add($property) }
    return @($searcher.FindAll())
}
function Get-LdapValues {
    param($Result, [string]$Name)
    return @($Result.Properties[$Name] | Where-Object -FilterScript { $null -ne $_ })
}
# objectSid bytes to the S-1-5-21-... form (no Windows-only type needed).
function ConvertTo-SidString {
    param([byte[]]$Bytes)
    $authority = 0
    for ($i = 2; $i -lt 8; $i++) { $authority = $authority * 256 + $Bytes[$i] }
    $parts = @('S', [string]$Bytes[0], [string]$authority)
    for ($i = 0; $i -lt $Bytes[1]; $i++) { $parts += [string][BitConverter]::ToUInt32($Bytes, 8 + 4 * $i) }
    return ($parts -join '-')
}
if (($null -ne $facts['exchange']) -and $facts['exchange']['edge']) {
    Add-NotCollected -Group 'ad' -Reason 'an Edge Transport server is not a domain member: the Active Directory checks are for the Mailbox servers'
} else {
    try {
        $rootDse = [adsi]'LDAP://RootDSE'
        $schemaNc = [string](@(Get-LdapValues $rootDse 'schemaNamingContext')[0])
        $configNc = [string](@(Get-LdapValues $rootDse 'configurationNamingContext')[0])
        $forestNc = [string](@(Get-LdapValues $rootDse 'rootDomainNamingContext')[0])
        if (-not $schemaNc) { throw 'RootDSE gave no schemaNamingContext: no domain controller answered' }
        $ad = [ordered]@{ source = "LDAP ([adsi]): $schemaNc; CN=Partitions,$configNc; the domains' roots" }
        $schema = [ordered]@{ storageGroupClassFound = $false }
        $storageGroup = @(Find-Ldap -Base $schemaNc -Filter '(&(objectClass=classSchema)(cn=ms-Exch-Storage-Group))' -Properties @('possSuperiors'))
        if ($storageGroup.Count -gt 0) {
            $schema.storageGroupClassFound = $true
            $schema.storageGroupPossSuperiors = @(Get-LdapValues $storageGroup[0] 'possSuperiors' | ForEach-Object -Process { [string]$_ })
        }
        $versionPt = @(Find-Ldap -Base $schemaNc -Filter '(&(objectClass=attributeSchema)(cn=ms-Exch-Schema-Version-Pt))' -Properties @('rangeUpper'))
        if ($versionPt.Count -gt 0) { $schema.schemaVersionRangeUpper = [int](@(Get-LdapValues $versionPt[0] 'rangeUpper')[0]) }
        $ad.schema = $schema
        $groups = New-Object -TypeName System.Collections.ArrayList
        foreach ($group in @(Find-Ldap -Base $forestNc -Filter '(&(objectClass=group)(|(sAMAccountName=Exchange Servers)(sAMAccountName=Exchange Windows Permissions)))' -Properties @('sAMAccountName', 'objectSid', 'distinguishedName', 'member'))) {
            $groupName = [string](@(Get-LdapValues $group 'sAMAccountName')[0])
            $null = $groups.Add([ordered]@{ name = $groupName; sid = (ConvertTo-SidString -Bytes ([byte[]]@(Get-LdapValues $group 'objectSid')[0])) })
            if ($groupName -eq 'Exchange Windows Permissions') {
                # AD split permissions: the group moved to the protected OU and Exchange Trusted Subsystem no longer in it.
                $inProtectedOu = [string](@(Get-LdapValues $group 'distinguishedName')[0]) -like '*OU=Microsoft Exchange Protected Groups,*'
                $trustedMember = @(Get-LdapValues $group 'member' | Where-Object -FilterScript { [string]$_ -like 'CN=Exchange Trusted Subsystem,*' }).Count -gt 0
                $ad.splitPermissions = $inProtectedOu -and -not $trustedMember
            }
        }
        $ad.groups = @($groups)
        $domains = New-Object -TypeName System.Collections.ArrayList
        foreach ($partition in @(Find-Ldap -Base "CN=Partitions,$configNc" -Filter '(&(objectClass=crossRef)(systemFlags:1.2.840.113556.1.4.803:=2))' -Properties @('nCName', 'dnsRoot'))) {
            $domainDn = [string](@(Get-LdapValues $partition 'nCName')[0])
            $domain = [ordered]@{ name = [string](@(Get-LdapValues $partition 'dnsRoot')[0]); dn = $domainDn }
            try {
                $meso = @(Find-Ldap -Base "CN=Microsoft Exchange System Objects,$domainDn" -Filter '(objectClass=*)' -Properties @('objectVersion') -Scope 'Base')
                if ($meso.Count -gt 0) { $domain.mesoObjectVersion = [int](@(Get-LdapValues $meso[0] 'objectVersion')[0]) }
                $rules = ([adsi]('LDAP://{0}' -f $domainDn)).ObjectSecurity.GetAccessRules($true, $false, [System.Security.Principal.SecurityIdentifier])
                $domain.denyAces = @($rules | Where-Object -FilterScript { [string]$_.AccessControlType -eq 'Deny' } | ForEach-Object -Process {
                    [ordered]@{ sid = [string]$_.IdentityReference.Value; rights = [string]$_.ActiveDirectoryRights; objectType = [string]$_.ObjectType; inheritedObjectType = [string]$_.InheritedObjectType; inheritance = [string]$_.InheritanceType }
                })
            } catch {
                # One unreadable domain is that domain's error; the others are still read.
                $domain.error = $_.Exception.Message
                Add-GroupError -Group 'ad.domains' -Message ('{0}: {1}' -f $domainDn, $_.Exception.Message)
            }
            $null = $domains.Add($domain)
        }
        $ad.domains = @($domains)
        $facts.ad = $ad
    } catch {
        Add-GroupError -Group 'ad' -Message $_.Exception.Message
    }
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
