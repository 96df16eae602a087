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

$script:World = $null
$script:Dir = $null
$script:Throw = @{}
$script:Hang = @{}
$script:Calls = New-Object System.Collections.Generic.List[string]

# The commands the collector runs that Windows (or the Exchange Management Shell, or IIS) provides.
$script:WindowsCommands = @('Get-ItemProperty', 'Get-Item', 'Get-ChildItem', 'Get-Content', 'Test-Path', 'Join-Path', 'Get-CimInstance', 'Get-Service')
$script:PlatformOnly = @('Get-CimInstance', 'Get-Service', 'Get-WebAppPoolState')

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
            return [pscustomobject]@{ FullName = $f.path; Name = ($f.path -split '\\')[-1]; VersionInfo = $info }
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
        default {
            # An Exchange cmdlet: the recorded objects, narrowed the way -Identity and -Server narrow them.
            if (-not $script:World['exchange'].Contains($Name)) { throw "The term '$Name' is not recognized as a name of a cmdlet" }
            $objects = @($script:World['exchange'][$Name] | ForEach-Object { [pscustomobject]$_ })
            if ($Bound.Contains('Identity')) { $objects = @($objects | Where-Object { $_.Name -ieq [string]$Bound['Identity'] }) }
            if ($Bound.Contains('Server')) { $objects = @($objects | Where-Object { $_.Server -ieq [string]$Bound['Server'] }) }
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
    'Get-CimInstance' = '[string]$ClassName'
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

Export-ModuleMember -Function Import-FakeWorld, Set-FakeWorld, Get-FakeCalls, Get-FakeExchangeCommands, Test-FakeWebAdministration, Invoke-FakeCommand, Get-FakeStubSource -Variable WindowsCommands, PlatformOnly
