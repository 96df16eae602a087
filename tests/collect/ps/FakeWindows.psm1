# FakeWindows.psm1: the Windows and Exchange world the collector reads, answered from a fixture's world.json
# (fixtures/collector/<set>/, made by scripts/make-collector-fixtures.ps1 from HealthChecker's recorded data sets).
# One dispatcher, Invoke-FakeCommand, answers every command the collector runs on Windows; the Pester tests route
# their mocks to it and the node-powershell shell (fake-world-prelude.ps1) routes same-named functions to it, so both
# see the same world. It is a module so that its own file reads are never caught by the tests' mocks, and it calls
# none of the commands it fakes (the node-powershell shell replaces them with global functions that it would see).
#
# Semantics follow Windows PowerShell 5.1: a missing registry key, value, file or service is an ItemNotFound error
# (nothing at all with -ErrorAction SilentlyContinue); registry DWORDs are Int32; paths are case-insensitive.
Set-StrictMode -Version Latest

# [adsi] and [adsisearcher] for the collector's read-only LDAP (System.DirectoryServices exists only on Windows): the
# same members the collector uses, answered from the world's "ad" entries by distinguished name.
class FakeObjectSecurity {
    [string]$DistinguishedName
    FakeObjectSecurity([string]$dn) { $this.DistinguishedName = $dn }
    # Reading the security descriptor of an object that is not there fails, as it does against a domain controller.
    [object[]] GetAccessRules([bool]$explicit, [bool]$inherited, [type]$identityType) { return (Get-FakeLdapEntry -DistinguishedName $this.DistinguishedName).Rules }
}
class FakeDirectoryEntry {
    [string]$Path
    [hashtable]$Properties
    [object]$ObjectSecurity
    # Binding is lazy in System.DirectoryServices: a path to a missing object fails only when it is read.
    FakeDirectoryEntry([string]$path) {
        $dn = $path -replace '^LDAP://', ''
        $this.Path = $path
        $this.Properties = @{}
        if (Test-FakeLdapEntry $dn) { $this.Properties = (Get-FakeLdapEntry -DistinguishedName $dn).Properties }
        $this.ObjectSecurity = [FakeObjectSecurity]::new($dn)
    }
}
class FakeDirectorySearcher {
    [string]$Filter
    [object]$SearchRoot
    [string]$SearchScope = 'Subtree'
    [System.Collections.ArrayList]$PropertiesToLoad = [System.Collections.ArrayList]::new()
    FakeDirectorySearcher([string]$filter) { $this.Filter = $filter }
    [object[]] FindAll() { return @(Find-FakeLdap -Base ($this.SearchRoot.Path -replace '^LDAP://', '') -Filter $this.Filter -Scope $this.SearchScope) }
}
$accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
$accelerators::Add('adsi', [FakeDirectoryEntry])
$accelerators::Add('adsisearcher', [FakeDirectorySearcher])

$script:World = $null
$script:Dir = $null
$script:Throw = @{}
$script:Hang = @{}
$script:Calls = New-Object System.Collections.Generic.List[string]

# The commands the collector runs that Windows (or the Exchange Management Shell, or IIS) provides.
$script:WindowsCommands = @('Get-ItemProperty', 'Get-Item', 'Get-ChildItem', 'Get-Content', 'Test-Path', 'Join-Path', 'Get-CimInstance', 'Get-Service')
$script:PlatformOnly = @('Get-CimInstance', 'Get-Service', 'Get-WebAppPoolState')
# Windows-only cmdlets a recorded server has (the world's "platform" answers): the TLS, SMB, ServerManager and security
# modules.
function Get-FakePlatformCommands { if ($script:World.Contains('platform')) { return @($script:World['platform'].Keys | Where-Object { $_ -like '*-*' }) } return @() }

function Import-FakeWorld {
    param([Parameter(Mandatory)][string]$Path)
    $json = [System.IO.File]::ReadAllText([System.IO.Path]::Combine($Path, 'world.json'))
    return (ConvertFrom-Json -InputObject $json -AsHashtable)
}

# Sets the world for the next collector run. Throw: command name -> message (that command throws). Hang: command
# name -> seconds (that command blocks, for the shell-timeout test).
function Set-FakeWorld {
    param([Parameter(Mandatory)][hashtable]$World, [Parameter(Mandatory)][string]$Dir, [hashtable]$Throw = @{}, [hashtable]$Hang = @{})
    $script:World = $World
    $script:Dir = $Dir
    $script:Throw = $Throw
    $script:Hang = $Hang
    $script:Calls.Clear()
}

function Get-FakeCalls { return $script:Calls.ToArray() }

# Exchange cmdlets the world's shell has (the Exchange Management Shell), and whether IIS's WebAdministration is there.
function Get-FakeExchangeCommands { return @($script:World['exchange'].Keys) }
function Test-FakeWebAdministration { return ($script:World.Contains('appPoolStates')) }

function Get-WindowsPath { param([string]$Path) return ($Path -replace '/', '\').TrimEnd('\') }
function Find-Key { param([hashtable]$Map, [string]$Path)
    $p = Get-WindowsPath $Path
    foreach ($k in $Map.Keys) { if ($k -ieq $p) { return $k } }
    return $null
}
function New-NotFound { param([string]$Path)
    return New-Object System.Management.Automation.ItemNotFoundException -ArgumentList "Cannot find path '$Path' because it does not exist."
}

# Registry values as Windows returns them: DWORD -> Int32, QWORD -> Int64, REG_SZ -> String, REG_MULTI_SZ -> String[].
function ConvertTo-RegistryValue { param($Entry)
    switch ($Entry['type']) {
        'DWord' { return [int]$Entry['value'] }
        'QWord' { return [long]$Entry['value'] }
        'MultiString' { return , [string[]]@($Entry['value']) }
        default { return [string]$Entry['value'] }
    }
}

function Get-FakeFile { param([string]$Path)
    $key = Find-Key $script:World['files'] $Path
    if ($null -eq $key) { return $null }
    return @{ path = $key; entry = $script:World['files'][$key] }
}
function Test-FakeDirectory { param([string]$Path)
    $p = (Get-WindowsPath $Path) + '\'
    foreach ($k in $script:World['files'].Keys) { if ($k.StartsWith($p, [System.StringComparison]::OrdinalIgnoreCase)) { return $true } }
    return $false
}

# A world value as PowerShell objects all the way down (a nested dictionary becomes a PSCustomObject, as a recorded
# object's properties are), so that property paths such as PublicKey/Oid/Value work.
function ConvertTo-FakeObject { param($Value)
    if ($Value -is [System.Collections.IDictionary]) {
        $o = [ordered]@{}
        foreach ($k in $Value.Keys) { $o[$k] = ConvertTo-FakeObject $Value[$k] }
        return [pscustomobject]$o
    }
    if ($Value -is [System.Collections.IList] -and $Value -isnot [string]) { return , @($Value | ForEach-Object { ConvertTo-FakeObject $_ }) }
    return $Value
}

# S-1-5-21-... back to the bytes Active Directory stores in objectSid.
function ConvertTo-SidBytes { param([string]$Sid)
    $parts = $Sid.Split('-')
    $bytes = New-Object System.Collections.Generic.List[byte]
    $bytes.Add([byte]$parts[1]); $bytes.Add([byte]($parts.Count - 3))
    $authority = [long]$parts[2]
    for ($i = 5; $i -ge 0; $i--) { $bytes.Add([byte](($authority -shr (8 * $i)) -band 255)) }
    for ($i = 3; $i -lt $parts.Count; $i++) { $bytes.AddRange([BitConverter]::GetBytes([uint32]$parts[$i])) }
    return , $bytes.ToArray()
}

function Get-FakeLdapEntry { param([string]$DistinguishedName)
    $script:Calls.Add('[adsi]')
    if ($script:Throw.Contains('[adsi]')) { throw $script:Throw['[adsi]'] }
    $entries = if ($script:World.Contains('ad') -and $null -ne $script:World['ad']) { $script:World['ad']['entries'] } else { @{} }
    $key = Find-Key $entries $DistinguishedName
    if ($null -eq $key) { throw 'There is no such object on the server.' }
    $e = $entries[$key]
    $props = @{}
    foreach ($p in $e['properties'].Keys) {
        $v = @($e['properties'][$p])
        if ($p -eq 'objectSid') { $props[$p] = , (ConvertTo-SidBytes ([string]$v[0])) } else { $props[$p] = $v }
    }
    $rules = @(@($e['acl']) | Where-Object { $null -ne $_ } | ForEach-Object { ConvertTo-FakeObject $_ })
    return @{ Properties = $props; Rules = $rules }
}

function Test-FakeLdapEntry { param([string]$DistinguishedName)
    $entries = if ($script:World.Contains('ad') -and $null -ne $script:World['ad']) { $script:World['ad']['entries'] } else { @{} }
    return ($null -ne (Find-Key $entries $DistinguishedName))
}

function Find-FakeLdap { param([string]$Base, [string]$Filter, [string]$Scope)
    $script:Calls.Add("ldap:$Filter")
    if ($Scope -eq 'Base') { return [pscustomobject]@{ Path = "LDAP://$Base"; Properties = (Get-FakeLdapEntry $Base).Properties } }
    $searches = if ($null -ne $script:World['ad']) { $script:World['ad']['searches'] } else { @{} }
    $key = Find-Key $searches "$Base|$Filter"
    if ($null -eq $key) { return }
    foreach ($dn in @($searches[$key])) { [pscustomobject]@{ Path = "LDAP://$dn"; Properties = (Get-FakeLdapEntry $dn).Properties } }
}

function Invoke-FakeCommand {
    param([Parameter(Mandatory)][string]$Name, [hashtable]$Bound = @{})
    $script:Calls.Add($Name)
    $script:Calls.Add("$Name@$([System.Globalization.CultureInfo]::CurrentCulture.Name)")
    if ($script:Hang.Contains($Name)) { Start-Sleep -Seconds $script:Hang[$Name] }
    if ($script:Throw.Contains($Name)) { throw $script:Throw[$Name] }
    $silent = $Bound.Contains('ErrorAction') -and ([string]$Bound['ErrorAction'] -in @('SilentlyContinue', 'Ignore'))
    $path = if ($Bound.Contains('Path')) { [string]$Bound['Path'] } else { '' }
    $registry = $script:World['registry']
    switch ($Name) {
        'Join-Path' {
            # Windows' join: no drive has to exist here (a Linux pwsh has no C: drive).
            return ('{0}\{1}' -f ($path -replace '[\\/]+$', ''), ([string]$Bound['ChildPath'] -replace '^[\\/]+', ''))
        }
        'Test-Path' {
            if ($path -like 'HKLM:*') { return ($null -ne (Find-Key $registry $path)) }
            return (($null -ne (Get-FakeFile $path)) -or (Test-FakeDirectory $path))
        }
        'Get-ItemProperty' {
            $key = Find-Key $registry $path
            if ($null -eq $key) { if ($silent) { return } throw (New-NotFound $path) }
            $o = [ordered]@{}
            $values = $registry[$key]['values']
            foreach ($v in $values.Keys) { $o[$v] = ConvertTo-RegistryValue $values[$v] }
            $o['PSPath'] = "Microsoft.PowerShell.Core\Registry::$($key -replace '^HKLM:', 'HKEY_LOCAL_MACHINE')"
            $o['PSChildName'] = ($key -split '\\')[-1]
            return [pscustomobject]$o
        }
        'Get-ChildItem' {
            if ($path -like 'Cert:*') {
                if (-not $script:World['platform'].Contains('certificateStore')) { throw (New-NotFound $path) }
                return (ConvertTo-FakeObject $script:World['platform']['certificateStore'])
            }
            if ($path -like 'HKLM:*') {
                $key = Find-Key $registry $path
                if ($null -eq $key) { if ($silent) { return } throw (New-NotFound $path) }
                foreach ($s in $registry[$key]['subkeys']) { [pscustomobject]@{ PSChildName = [string]$s; Name = "$key\$s" -replace '^HKLM:', 'HKEY_LOCAL_MACHINE' } }
                return
            }
            if (-not (Test-FakeDirectory $path)) { if ($silent) { return } throw (New-NotFound $path) }
            $root = (Get-WindowsPath $path) + '\'
            $filter = if ($Bound.Contains('Filter')) { [string]$Bound['Filter'] } else { '*' }
            foreach ($k in @($script:World['files'].Keys | Sort-Object)) {
                if (-not $k.StartsWith($root, [System.StringComparison]::OrdinalIgnoreCase)) { continue }
                $rest = $k.Substring($root.Length)
                if (-not $Bound.Contains('Recurse') -and $rest.Contains('\')) { continue }
                $leaf = ($k -split '\\')[-1]
                if ($leaf -like $filter) { [pscustomobject]@{ FullName = $k; Name = $leaf } }
            }
            return
        }
        'Get-Item' {
            $f = Get-FakeFile $path
            if ($null -eq $f) { if ($silent) { return } throw (New-NotFound $path) }
            $info = if ($f.entry.Contains('versionInfo')) { [pscustomobject]$f.entry['versionInfo'] } else { $null }
            $item = [ordered]@{ FullName = $f.path; Name = ($f.path -split '\\')[-1]; VersionInfo = $info }
            if ($f.entry.Contains('lastWriteTimeUtc')) {
                # ConvertFrom-Json may already have made the ISO text a DateTime.
                $written = $f.entry['lastWriteTimeUtc']
                if ($written -isnot [datetime]) { $written = [datetime]::Parse([string]$written, [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::AdjustToUniversal) }
                $item['LastWriteTimeUtc'] = $written.ToUniversalTime()
            }
            return [pscustomobject]$item
        }
        'Get-Content' {
            $f = Get-FakeFile $path
            if ($null -eq $f -or -not $f.entry.Contains('content')) { if ($silent) { return } throw (New-NotFound $path) }
            $text = [System.IO.File]::ReadAllText([System.IO.Path]::Combine($script:Dir, $f.entry['content']))
            if ($Bound.Contains('Raw')) { return $text }
            return ($text -split "`r?`n")
        }
        'Get-CimInstance' {
            $class = [string]$Bound['ClassName']
            if ($Bound.Contains('Namespace')) { $class = '{0}:{1}' -f $Bound['Namespace'], $class }
            if (-not $script:World['cim'].Contains($class)) { throw "Invalid class `"$class`"" }
            return [pscustomobject]$script:World['cim'][$class]
        }
        'Get-Service' {
            foreach ($n in @($Bound['Name'])) {
                $svc = @($script:World['services'] | Where-Object { $_['Name'] -ieq $n })
                if ($svc.Count -eq 0) {
                    if ($silent) { continue }
                    throw "Cannot find any service with service name '$n'."
                }
                # Status and StartType are enums on Windows: [string] of them is the invariant name in every language.
                [pscustomobject]@{
                    Name = $svc[0]['Name']; DisplayName = $svc[0]['DisplayName']
                    Status = [System.ServiceProcess.ServiceControllerStatus]$svc[0]['Status']
                    StartType = [System.ServiceProcess.ServiceStartMode]$svc[0]['StartType']
                }
            }
            return
        }
        'Get-WebAppPoolState' {
            $n = [string]$Bound['Name']
            if (-not $script:World['appPoolStates'].Contains($n)) { throw "Cannot find application pool '$n'" }
            return [pscustomobject]@{ Value = $script:World['appPoolStates'][$n] }
        }
        'Get-AuthenticodeSignature' {
            $key = Find-Key $script:World['platform']['Get-AuthenticodeSignature'] ([string]$Bound['FilePath'])
            if ($null -eq $key) { return [pscustomobject]@{ Status = 'NotSigned'; SignerCertificate = $null; Path = $Bound['FilePath'] } }
            return (ConvertTo-FakeObject $script:World['platform']['Get-AuthenticodeSignature'][$key])
        }
        'Get-Acl' {
            $key = Find-Key $script:World['platform']['Get-Acl'] $path
            if ($null -eq $key) { throw (New-NotFound $path) }
            $acl = [pscustomobject]@{ Path = $key }
            $rules = @($script:World['platform']['Get-Acl'][$key] | ForEach-Object { ConvertTo-FakeObject $_ })
            $acl | Add-Member -MemberType ScriptMethod -Name GetAccessRules -Value { param($explicit, $inherited, $type) return $rules }.GetNewClosure()
            return $acl
        }
        'Get-WindowsFeature' {
            return (ConvertTo-FakeObject @($script:World['platform']['Get-WindowsFeature'] | Where-Object { $_['Name'] -ieq [string]$Bound['Name'] }))
        }
        { $_ -in @('Get-TlsCipherSuite', 'Get-SmbServerConfiguration') } {
            return (ConvertTo-FakeObject $script:World['platform'][$Name])
        }
        default {
            # An Exchange cmdlet: the recorded objects, narrowed the way -Identity and -Server narrow them.
            if (-not $script:World['exchange'].Contains($Name)) { throw "The term '$Name' is not recognized as a name of a cmdlet" }
            $objects = @($script:World['exchange'][$Name] | ForEach-Object { ConvertTo-FakeObject $_ })
            if ($Bound.Contains('Identity')) { $objects = @($objects | Where-Object { $_.Name -ieq [string]$Bound['Identity'] }) }
            if ($Bound.Contains('Server')) { $objects = @($objects | Where-Object { $null -eq $_.PSObject.Properties['Server'] -or $_.Server -ieq [string]$Bound['Server'] }) }
            return $objects
        }
    }
}

# Stub definitions for commands that exist only on Windows or in the Exchange Management Shell, with the
# parameters the collector passes (Pester can mock only a command that exists, with its parameters). The prelude
# of the node-powershell shell defines the Windows cmdlets with these parameters too.
$script:StubParams = @{
    'Get-ItemProperty' = '[string]$Path'
    'Get-Item' = '[string]$Path'
    'Get-ChildItem' = '[string]$Path, [string]$Filter, [switch]$Recurse'
    'Get-Content' = '[string]$Path, [switch]$Raw'
    'Test-Path' = '[string]$Path'
    'Join-Path' = '[string]$Path, [string]$ChildPath'
    'Get-CimInstance' = '[string]$ClassName, [string]$Namespace'
    'Get-TlsCipherSuite' = ''
    'Get-SmbServerConfiguration' = ''
    'Get-WindowsFeature' = '[string]$Name'
    'Get-AuthenticodeSignature' = '[string]$FilePath'
    'Get-Acl' = '[string]$Path'
    'Get-ExchangeDiagnosticInfo' = '[string]$Server, [string]$Process, [string]$Component, [string]$Argument'
    'Get-ExchangeCertificate' = '[string]$Server'
    'Get-Service' = '[string[]]$Name'
    'Get-WebAppPoolState' = '[string]$Name'
    'Get-ExchangeServer' = '[string]$Identity'
    'Get-OutlookAnywhere' = '[string]$Server, [switch]$ADPropertiesOnly'
    'Get-OwaVirtualDirectory' = '[string]$Server, [switch]$ADPropertiesOnly'
}
function Get-FakeStubSource { param([string]$Name)
    $params = if ($script:StubParams.Contains($Name)) { $script:StubParams[$Name] } else { '' }
    return "[CmdletBinding()] param($params)"
}

Export-ModuleMember -Function Import-FakeWorld, Set-FakeWorld, Get-FakeCalls, Get-FakeExchangeCommands, Get-FakePlatformCommands, Test-FakeWebAdministration, Invoke-FakeCommand, Get-FakeStubSource, Get-FakeLdapEntry, Test-FakeLdapEntry, Find-FakeLdap -Variable WindowsCommands, PlatformOnly
