#!/usr/bin/env bash
# Installs what the collector's PowerShell tests need, pinned: PowerShell 7.6.10 as a .NET global tool
# (~/.dotnet/tools/pwsh) and Pester 5.7.1 from its NuGet package into .tools/nuget/pester/5.7.1 (imported by path,
# never from the PowerShell Gallery). Needs the .NET SDK and NuGet. Idempotent: a second run only checks.
# Prints one line saying what is installed, or why not; exits 1 when either is missing afterwards.
#   bash scripts/install-pwsh.sh        (then: export PATH="$PATH:$HOME/.dotnet/tools")
set -uo pipefail
cd "$(dirname "$0")/.."

PWSH_VERSION=7.6.10
PESTER_VERSION=5.7.1
tools="$HOME/.dotnet/tools"
pester_dir=".tools/nuget/pester/$PESTER_VERSION/tools"
log=/tmp/exaudit-install-pwsh.log
: >"$log"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "pwsh: not installed: the .NET SDK (dotnet) is missing; the collector's PowerShell tests will fail in CI"
  exit 1
fi

if [ "$("$tools/pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null)" != "$PWSH_VERSION" ]; then
  # update installs the tool when it is absent and moves any other version to the pinned one
  dotnet tool update --global PowerShell --version "$PWSH_VERSION" >>"$log" 2>&1 \
    || dotnet tool install --global PowerShell --version "$PWSH_VERSION" >>"$log" 2>&1
fi

if [ ! -f "$pester_dir/Pester.psd1" ]; then
  # A throwaway project whose only job is to make NuGet download the package into .tools/nuget.
  # Its framework is the SDK's own, whose reference pack ships with the SDK (nothing else is downloaded).
  proj=$(mktemp -d)
  tfm="net$(dotnet --version | cut -d. -f1).0"
  cat >"$proj/pester.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>$tfm</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[$PESTER_VERSION]" /></ItemGroup>
</Project>
EOF
  dotnet restore "$proj/pester.csproj" --packages "$PWD/.tools/nuget" >>"$log" 2>&1
  rm -rf "$proj"
fi

got_pwsh=$("$tools/pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null)
got_pester=$("$tools/pwsh" -NoProfile -Command "(Import-Module '$PWD/$pester_dir/Pester.psd1' -PassThru).Version.ToString()" 2>/dev/null)
if [ "$got_pwsh" = "$PWSH_VERSION" ] && [ "$got_pester" = "$PESTER_VERSION" ]; then
  echo "pwsh: PowerShell $got_pwsh ($tools/pwsh, dotnet global tool) and Pester $got_pester ($pester_dir, NuGet) installed"
  exit 0
fi
echo "pwsh: install failed (PowerShell '${got_pwsh:-none}', want $PWSH_VERSION; Pester '${got_pester:-none}', want $PESTER_VERSION; see $log)"
exit 1
