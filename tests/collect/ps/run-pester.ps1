# Runs the collector's Pester suite (Collector.Tests.ps1) with the pinned Pester imported by path, writes each
# case's collector output and results.json (one entry per test: name, result, error) into -OutDir. One pwsh start
# for every case, so the suite stays fast. Used by collector-pwsh.test.ts.
#   pwsh -NoProfile -NonInteractive -File tests/collect/ps/run-pester.ps1 -PesterPath <Pester.psd1> -OutDir <dir>
param([Parameter(Mandatory)][string]$PesterPath, [Parameter(Mandatory)][string]$OutDir)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:EXAUDIT_PS_OUT = $OutDir
$config = New-PesterConfiguration
$config.Run.Path = Join-Path $PSScriptRoot 'Collector.Tests.ps1'
$config.Run.PassThru = $true
$config.Output.Verbosity = 'None'
$result = Invoke-Pester -Configuration $config
$tests = foreach ($t in $result.Tests) {
    $message = $null
    if ($t.ErrorRecord -and $t.ErrorRecord.Count -gt 0) { $message = ($t.ErrorRecord | ForEach-Object { $_.ToString() }) -join "`n" }
    [ordered]@{ name = $t.ExpandedPath; result = [string]$t.Result; error = $message }
}
$containers = foreach ($c in $result.Containers) {
    [ordered]@{ result = [string]$c.Result; error = (($c.ErrorRecord | ForEach-Object { $_.ToString() }) -join "`n") }
}
$doc = [ordered]@{ pester = (Get-Module Pester).Version.ToString(); pwsh = $PSVersionTable.PSVersion.ToString(); tests = @($tests); containers = @($containers) }
[System.IO.File]::WriteAllText((Join-Path $OutDir 'results.json'), (ConvertTo-Json -InputObject $doc -Depth 5))
