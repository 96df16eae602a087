# Loaded first into the real pwsh that node-powershell drives (see pwsh-fake-world.sh): the same fake world as the
# Pester tests (FakeWindows.psm1 and a fixtures/collector set), with global functions in place of the Windows and
# Exchange commands the collector runs, and strict mode on. Pester's Mock works only inside a Pester run, so here
# plain functions route to the same Invoke-FakeCommand. Environment: FAKE_WORLD (a fixture folder), FAKE_HANG
# (a command that blocks, for the timeout test).
# The shell's own process id ($PID: with PowerShell as a .NET global tool, not the launcher's), for the timeout test.
if ($env:FAKE_PWSH_PIDS) { [System.IO.File]::AppendAllText($env:FAKE_PWSH_PIDS, "$PID`n") }
Import-Module ([System.IO.Path]::Combine($PSScriptRoot, 'FakeWindows.psm1'))
$fakeWorld = Import-FakeWorld -Path $env:FAKE_WORLD
$fakeHang = @{}
if ($env:FAKE_HANG) { $fakeHang[$env:FAKE_HANG] = 600 }
Set-FakeWorld -World $fakeWorld -Dir $env:FAKE_WORLD -Hang $fakeHang
$env:COMPUTERNAME = $fakeWorld['computerName']
$env:windir = 'C:\Windows'
$env:SystemRoot = 'C:\Windows'
$env:SystemDrive = 'C:'
$fakeCommands = @($WindowsCommands) + @('Get-WebAppPoolState') + @(Get-FakeExchangeCommands) + @(Get-FakePlatformCommands)
foreach ($name in $fakeCommands) {
    $body = "$(Get-FakeStubSource $name) Invoke-FakeCommand -Name '$name' -Bound `$PSBoundParameters"
    Set-Item -Path "function:global:$name" -Value ([scriptblock]::Create($body))
}
Remove-Variable -Name fakeWorld, fakeHang, fakeCommands, name, body
Set-StrictMode -Version Latest
