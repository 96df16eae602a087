/** `exaudit collector`: prints the read-only collector script, to read, run by hand and feed to `audit --facts`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../util/tool.js';

export const COLLECTOR_PATH = join(PROJECT_ROOT, 'src', 'collect', 'ps', 'Get-ExchangeFacts.ps1');

export function register(program: Command): Command {
  return program.command('collector')
    .description('print the read-only PowerShell collector (Get-ExchangeFacts.ps1) that produces facts for audit --facts')
    .addHelpText('after', `
The script only reads (registry, files, services, IIS configuration; setting overrides when run in the Exchange
Management Shell) and writes one JSON document to standard output between marker lines.

Example:
  exaudit collector > Get-ExchangeFacts.ps1
  (on the Exchange server)  powershell -NoProfile -ExecutionPolicy Bypass -File Get-ExchangeFacts.ps1 > ex01.json
  exaudit audit --facts ex01.json`)
    .action(() => { process.stdout.write(readFileSync(COLLECTOR_PATH, 'utf8')); });
}
