/** `exaudit collector`: prints the read-only collector script, to read, run by hand and feed to `audit --facts`. */
import type { Command } from 'commander';
import { collectorScript } from '../collect/ps/script.js';

export function register(program: Command): Command {
  return program
    .command('collector')
    .description(
      'print the read-only PowerShell collector (Get-ExchangeFacts.ps1) that produces facts for audit --facts',
    )
    .addHelpText(
      'after',
      `
The script only reads: the registry (ExSetup.exe install path, roles, Diagnostics, LSA, AMSI providers), files
(ExSetup.exe version, applicationHost.config, web.config), services, IIS app pool state; and, when run in the
Exchange Management Shell, Get-SettingOverride, Get-OrganizationConfig, Get-ExchangeServer,
Get-HybridConfiguration and Get-AuthServer. Each group has its own error; groups it cannot read are listed under
notCollected with why. It writes one JSON document to standard output between marker lines.

Example:
  exaudit collector > Get-ExchangeFacts.ps1
  (on the server, in the Exchange Management Shell)  .\\Get-ExchangeFacts.ps1 | Out-File -Encoding utf8 ex01.json
  exaudit audit --facts ex01.json`,
    )
    .action(() => {
      process.stdout.write(collectorScript());
    });
}
