# Runs the real collector (src/collect/ps/Get-ExchangeFacts.ps1) under pwsh with Pester mocks for everything it
# touches on Windows, answered from HealthChecker's recorded servers (fixtures/collector/, see its README), under
# Set-StrictMode -Version Latest. Each case writes the collector's output to $env:EXAUDIT_PS_OUT/<case>.out;
# tests/collect/ps/collector-pwsh.test.ts validates those through the Facts schema and the engine. It also checks
# the script with PowerShell's own parser for syntax that Windows PowerShell 5.1 lacks. Run through
# run-pester.ps1 (which imports the pinned Pester by path), not on its own.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FakeWindows.psm1') -Force
    $script:Repo = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path
    $script:Collector = Join-Path $script:Repo 'src/collect/ps/Get-ExchangeFacts.ps1'
    $script:Fixtures = Join-Path $script:Repo 'fixtures/collector'
    $script:OutDir = $env:EXAUDIT_PS_OUT
    if (-not $script:OutDir) { throw 'EXAUDIT_PS_OUT is not set (run tests/collect/ps/run-pester.ps1)' }
    # A C: drive, so that Pester's mock of Get-Content offers the file system's -Raw for Windows paths (nothing
    # is read through it: every read is answered by the fake).
    if (-not (Get-PSDrive -Name C -ErrorAction SilentlyContinue)) { $null = New-PSDrive -Name C -PSProvider FileSystem -Root $script:OutDir -Scope Global }

    # Runs the collector in a world: a fixture set, optionally changed, with or without the Exchange Management
    # Shell, with some commands throwing, in some culture. Returns the facts document (and keeps the raw output).
    function Invoke-Collector {
        param(
            [Parameter(Mandatory)][string]$Set, [Parameter(Mandatory)][string]$Case, [switch]$NoExchangeShell,
            [hashtable]$Throw = @{}, [scriptblock]$Change, [string]$Culture, [string]$ScriptPath = $script:Collector
        )
        $dir = [System.IO.Path]::Combine($script:Fixtures, $Set)  # Join-Path may be mocked by an earlier run in this test
        $world = Import-FakeWorld $dir
        if ($Change) { & $Change $world }
        Set-FakeWorld -World $world -Dir $dir -Throw $Throw
        $env:COMPUTERNAME = $world['computerName']
        $env:windir = 'C:\Windows'
        $env:SystemRoot = 'C:\Windows'
        $env:SystemDrive = 'C:'
        $stubs = @('Get-CimInstance', 'Get-Service') + @(Get-FakePlatformCommands)
        if (Test-FakeWebAdministration) { $stubs += 'Get-WebAppPoolState' }
        if (-not $NoExchangeShell) { $stubs += Get-FakeExchangeCommands }
        foreach ($s in $stubs) { Set-Item -Path "function:global:$s" -Value ([scriptblock]::Create((Get-FakeStubSource $s))) }
        foreach ($c in @($WindowsCommands + $stubs | Select-Object -Unique)) {
            Mock $c ([scriptblock]::Create("Invoke-FakeCommand -Name '$c' -Bound `$PesterBoundParameters"))
        }
        $savedCulture = [System.Globalization.CultureInfo]::CurrentCulture
        $savedUiCulture = [System.Globalization.CultureInfo]::CurrentUICulture
        try {
            if ($Culture) {
                [System.Globalization.CultureInfo]::CurrentCulture = $Culture
                [System.Globalization.CultureInfo]::CurrentUICulture = $Culture
            }
            # Uninitialised variables, absent properties and out-of-range indexes fail in the script (a child scope).
            Set-StrictMode -Version Latest
            $lines = @(& $ScriptPath)
        } finally {
            Set-StrictMode -Off
            [System.Globalization.CultureInfo]::CurrentCulture = $savedCulture
            [System.Globalization.CultureInfo]::CurrentUICulture = $savedUiCulture
            foreach ($s in $stubs) { Remove-Item -Path "function:$s" }
        }
        $text = ($lines | ForEach-Object { [string]$_ }) -join "`n"
        [System.IO.File]::WriteAllText([System.IO.Path]::Combine($script:OutDir, "$Case.out"), $text + "`n")
        $begin = [array]::IndexOf([string[]]$lines, '<<<EXAUDIT-FACTS-BEGIN>>>')
        $end = [array]::IndexOf([string[]]$lines, '<<<EXAUDIT-FACTS-END>>>')
        $begin | Should -BeGreaterOrEqual 0 -Because 'the collector writes its begin marker'
        $end | Should -Be ($begin + 2) -Because 'one JSON line sits between the markers'
        return (ConvertFrom-Json -InputObject $lines[$begin + 1])
    }
    function Get-GroupErrors { param($Facts) return @($Facts.collectors[0].errors | ForEach-Object { $_.group }) }
    function Get-NotCollected { param($Facts) return @($Facts.notCollected | ForEach-Object { $_.group }) }
    $script:ExchangeShellGroups = @('config.settingOverrides', 'config.effectiveOverrides', 'config.irm', 'config.clientAccess', 'config.eems', 'certificates.auth', 'hybrid')
}

Describe 'HealthChecker''s recorded servers' {
    It '<set>: every group is collected with no error, in the Exchange Management Shell' -ForEach @(
        @{ set = 'hc-e19-cu11' }, @{ set = 'hc-e19-scenario2' }, @{ set = 'hc-e19-hybrid' }, @{ set = 'hc-e19-physical' }
        @{ set = 'hc-e19-scenario1' }, @{ set = 'hc-e16-cu22' }
    ) {
        $facts = Invoke-Collector -Set $set -Case $set
        Get-GroupErrors $facts | Should -BeNullOrEmpty
        # Only what no server shows: the tenant side of hybrid.
        Get-NotCollected $facts | Should -Be @('hybrid.firstPartySpKeyCredentials')
        Should -Invoke Get-Content -ParameterFilter { $Path -like '*\inetsrv\config\applicationHost.config' } -Exactly -Times 1
        Should -Invoke Get-SettingOverride -Exactly -Times 1
        Should -Invoke Get-OrganizationConfig -Exactly -Times 2
    }

    It 'hc-e15-cu23: Exchange 2013 has no setting overrides, the rest is collected with no error' {
        $facts = Invoke-Collector -Set 'hc-e15-cu23' -Case 'hc-e15-cu23'
        Get-GroupErrors $facts | Should -BeNullOrEmpty
        # Exchange 2013's recording has no VariantConfiguration Overrides, so its world does not answer Get-ExchangeDiagnosticInfo
        Get-NotCollected $facts | Should -Be @('config.settingOverrides', 'config.effectiveOverrides', 'hybrid.firstPartySpKeyCredentials')
        Should -Invoke Get-ExchangeServer -Exactly -Times 1
    }
}

Describe 'Field situations' {
    It 'plain PowerShell over SSH without the Exchange snap-in: the cmdlet groups go to notCollected with why' {
        $facts = Invoke-Collector -Set 'hc-e19-cu11' -Case 'no-snapin' -NoExchangeShell
        Get-GroupErrors $facts | Should -BeNullOrEmpty
        Get-NotCollected $facts | Should -Be $script:ExchangeShellGroups
        foreach ($nc in $facts.notCollected) { $nc.reason | Should -Match 'Get-\w+' }
        $facts.exchange.build | Should -Be '15.2.986.5'
        $facts.config.eems.serviceStatus | Should -Be 'Running'
        @(Get-FakeCalls) | Should -Not -Contain 'Get-OrganizationConfig'
    }

    It 'a cmdlet that throws fails its own groups only' {
        $facts = Invoke-Collector -Set 'hc-e19-cu11' -Case 'cmdlet-throws' -Throw @{
            'Get-OrganizationConfig' = 'Active Directory operation failed on dc01.solo.com. The server is not operational.'
            'Get-CimInstance' = 'Invalid class "Win32_OperatingSystem"'
        }
        Get-GroupErrors $facts | Should -Be @('os', 'windows.deviceGuard', 'config.clientAccess', 'config.eems')
        ($facts.collectors[0].errors | Where-Object { $_.group -eq 'config.eems' }).message | Should -Match 'Active Directory operation failed'
        $facts.exchange.build | Should -Be '15.2.986.5'
        $facts.config.settingOverrides.Count | Should -Be 1
        $facts.hybrid.configured | Should -BeFalse
    }

    It 'an Edge Transport server: roles from the EdgeTransportRole key, no IIS, no organization cmdlets' {
        $facts = Invoke-Collector -Set 'hc-e19-cu11' -Case 'edge' -Change {
            param($w)
            $w['registry']['HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15']['subkeys'] = @('EdgeTransportRole', 'Setup', 'Diagnostics')
            $w['registry'].Remove('HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\FIP-FS')
            foreach ($f in @($w['files'].Keys)) { if ($f -notlike '*\bin\ExSetup.exe' -and $f -notlike '*\Microsoft.NET\*') { $w['files'].Remove($f) } }
            $w['services'] = @($w['services'] | Where-Object { $_['Name'] -like 'MSExchangeHM*' })
            $w.Remove('appPoolStates')
            $server = $w['exchange']['Get-ExchangeServer'][0]
            $server['ServerRole'] = 'Edge'
            $server['IsEdgeServer'] = $true
            $w['exchange'] = [ordered]@{ 'Get-ExchangeServer' = @($server) }
        }
        Get-GroupErrors $facts | Should -BeNullOrEmpty
        $facts.exchange.roles | Should -Be @('EdgeTransport')
        $facts.exchange.edge | Should -BeTrue
        Get-NotCollected $facts | Should -Contain 'iis'
        Get-NotCollected $facts | Should -Contain 'config.settingOverrides'
    }

    It 'registry values and keys that are not there are absent facts, not errors' {
        $facts = Invoke-Collector -Set 'hc-e16-cu22' -Case 'missing-registry' -Change {
            param($w)
            $w['registry']['HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion']['values'].Remove('UBR')
            $w['registry']['HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Diagnostics']['values'].Clear()
            foreach ($k in @('HKLM:\SYSTEM\CurrentControlSet\Control\LSA', 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\FIP-FS', 'HKLM:\SOFTWARE\Microsoft\AMSI\Providers')) { $w['registry'].Remove($k) }
        }
        Get-GroupErrors $facts | Should -BeNullOrEmpty
        $facts.os.PSObject.Properties.Name | Should -Not -Contain 'ubr'
        $facts.config.suppressExtendedProtection | Should -Be 0
        $facts.config.PSObject.Properties.Name | Should -Not -Contain 'outsideInDisabled'
        @($facts.config.amsi.providers).Count | Should -Be 0
    }

    It 'the Exchange Setup key missing fails the exchange group and what needs the install path, nothing else' {
        $facts = Invoke-Collector -Set 'hc-e16-cu22' -Case 'missing-setup-key' -Change {
            param($w) $w['registry'].Remove('HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Setup')
        }
        Get-GroupErrors $facts | Should -Be @('exchange')
        $facts.collectors[0].errors[0].message | Should -Match 'ExchangeServer\\v15\\Setup'
        Get-NotCollected $facts | Should -Contain 'iis.rewriteRulesClearedIn'
        $facts.iis.virtualDirectories.Count | Should -BeGreaterThan 20
    }

    It 'files that are not there (applicationHost.config, ExSetup.exe) are an error or notCollected for their group only' {
        $facts = Invoke-Collector -Set 'hc-e16-cu22' -Case 'missing-files' -Change {
            param($w)
            foreach ($f in @($w['files'].Keys)) { if ($f -like '*\applicationHost.config' -or $f -like '*\ExSetup.exe') { $w['files'].Remove($f) } }
        }
        Get-GroupErrors $facts | Should -Be @('exchange')
        $facts.collectors[0].errors[0].message | Should -Match 'ExSetup.exe'
        Get-NotCollected $facts | Should -Contain 'iis'
        $facts.config.eems.orgEnabled | Should -BeTrue
    }

    It 'a web.config that is not well-formed XML fails the rewrite-rule group only' {
        $facts = Invoke-Collector -Set 'hc-e19-cu11' -Case 'malformed-web-config' -Change {
            param($w) $w['files']['C:\inetpub\wwwroot\web.config']['content'] = 'wwwroot-web1-invalid.config'
        }
        Get-GroupErrors $facts | Should -Be @('iis.rewriteRules')
        $facts.iis.virtualDirectories.Count | Should -BeGreaterThan 20
    }

    It 'an applicationHost.config that is not well-formed fails the IIS groups that read it and is listed as invalid' {
        $facts = Invoke-Collector -Set 'hc-e19-cu11' -Case 'malformed-applicationhost' -Change {
            param($w) $w['files']['C:\Windows\System32\inetsrv\config\applicationHost.config']['content'] = 'applicationHost-invalid.config'
        }
        Get-GroupErrors $facts | Should -Be @('iis.virtualDirectories', 'iis.rewriteRules', 'iis.appPools', 'iis.globalModules', 'iis.hsts')
        @($facts.iis.configFiles | Where-Object { -not $_.valid } | ForEach-Object { $_.path }) | Should -Be @('C:\Windows\System32\inetsrv\config\applicationHost.config')
    }

    It 'a non-English display gives the same facts (nothing localized is parsed)' {
        $english = Invoke-Collector -Set 'hc-e19-cu11' -Case 'english'
        $german = Invoke-Collector -Set 'hc-e19-cu11' -Case 'localized-de' -Culture 'de-DE' -Change {
            param($w)
            $w['cim']['Win32_OperatingSystem']['Caption'] = 'Microsoft Windows Server 2019 Datacenter (Deutsch)'
            foreach ($s in $w['services']) { $s['DisplayName'] = "Microsoft Exchange-Dienst $($s['Name'])" }
        }
        foreach ($group in @('exchange', 'services', 'iis', 'config', 'hybrid')) {
            ($german.$group | ConvertTo-Json -Depth 10) | Should -Be ($english.$group | ConvertTo-Json -Depth 10) -Because "$group does not depend on the display language"
        }
        @(Get-FakeCalls) | Should -Contain 'Get-Service@de-DE'
    }
}

Describe 'Windows PowerShell 5.1 syntax, by PowerShell''s own parser' {
    BeforeAll {
        # The constructs PowerShell 7 added to the language, as its parser represents them.
        function Find-Ps7Syntax { param([string]$Text)
            $tokens = $null; $parseErrors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($Text, [ref]$tokens, [ref]$parseErrors)
            $found = New-Object System.Collections.Generic.List[string]
            foreach ($node in $ast.FindAll({ $true }, $true)) {
                $type = $node.GetType().Name
                if ($type -eq 'TernaryExpressionAst') { $found.Add('ternary') }
                elseif ($type -eq 'PipelineChainAst') { $found.Add('pipeline chain') }
                elseif ($type -eq 'BinaryExpressionAst' -and [string]$node.Operator -eq 'QuestionQuestion') { $found.Add('??') }
                elseif ($type -eq 'AssignmentStatementAst' -and [string]$node.Operator -eq 'QuestionQuestionEquals') { $found.Add('??=') }
                elseif ($type -in @('MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst') -and $node.NullConditional) { $found.Add('null-conditional') }
                elseif ($type -eq 'ScriptBlockAst' -and $null -ne $node.CleanBlock) { $found.Add('clean block') }
                elseif ($type -eq 'CommandAst' -and $node.GetCommandName() -eq 'ForEach-Object') {
                    foreach ($e in $node.CommandElements) { if ($e -is [System.Management.Automation.Language.CommandParameterAst] -and $e.ParameterName -match '^(pa|as|th|ti|u)') { $found.Add("ForEach-Object -$($e.ParameterName)") } }
                }
            }
            return $found.ToArray()
        }
    }

    It 'the collector has none of the syntax PowerShell 7 added' {
        Find-Ps7Syntax ([System.IO.File]::ReadAllText($script:Collector)) | Should -BeNullOrEmpty
    }

    It 'the check finds <want> (it can fail)' -ForEach @(
        @{ code = '$a = $b ? 1 : 2'; want = 'ternary' }, @{ code = 'Get-Item -Path x && Get-Item -Path y'; want = 'pipeline chain' }
        @{ code = '$a = $b ?? $c'; want = '??' }, @{ code = '$a ??= 1'; want = '??=' }, @{ code = '$x = ${a}?.b'; want = 'null-conditional' }
        @{ code = '$x = ${a}?[0]'; want = 'null-conditional' }, @{ code = 'function f { process { 1 } clean { 2 } }'; want = 'clean block' }
        @{ code = '1..2 | ForEach-Object -Parallel { $_ }'; want = 'ForEach-Object -Parallel' }
        @{ code = '1..2 | ForEach-Object -AsJob { $_ }'; want = 'ForEach-Object -AsJob' }
    ) {
        Find-Ps7Syntax $code | Should -Contain $want
    }
}

Describe 'The harness' {
    It 'runs scripts under Set-StrictMode -Version Latest (an uninitialised variable fails)' {
        $probe = [System.IO.Path]::Combine($script:OutDir, "strict-probe.ps1")
        [System.IO.File]::WriteAllText($probe, '$x = $neverAssigned + 1')
        { Invoke-Collector -Set 'hc-e19-cu11' -Case 'strict-probe' -ScriptPath $probe } | Should -Throw '*neverAssigned*'
    }
}
