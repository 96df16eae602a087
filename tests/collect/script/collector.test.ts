/**
 * The collector is read-only: parse it with tree-sitter-powershell (no PowerShell on this machine) and fail on a
 * parse error or any command outside the allowlist of read-only cmdlets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { Parser, Language, type Node } from 'web-tree-sitter';
import { COLLECTOR_PATH } from '../../../src/cli/collector.js';
import { extractJson } from '../../../src/collect/offline/facts-files.js';
import { parseFacts } from '../../../src/facts/validate.js';
import { runCli } from '../../helpers/cli.js';

const ALLOWED = new Set([
  'Get-ItemProperty', 'Get-Item', 'Get-ChildItem', 'Get-Content', 'Get-CimInstance', 'Get-Service', 'Get-Command',
  'Get-Date', 'Get-WebAppPoolState', 'Get-SettingOverride', 'Test-Path', 'Join-Path', 'Split-Path', 'New-Object',
  'Where-Object', 'ForEach-Object', 'Select-Object', 'Sort-Object', 'ConvertTo-Json', 'Write-Output', 'Out-String',
  'Add-GroupError', // the script's own helper: appends to an in-memory list
]);

let parser: Parser;
beforeAll(async () => {
  await Parser.init();
  const wasm = join(createRequire(import.meta.url).resolve('tree-sitter-powershell/package.json'), '..', 'tree-sitter-powershell.wasm');
  parser = new Parser();
  parser.setLanguage(await Language.load(wasm));
});

function commands(script: string): { errors: number; names: string[] } {
  const tree = parser.parse(script)!;
  const names: string[] = [];
  let errors = 0;
  const visit = (n: Node) => {
    if (n.type === 'ERROR' || n.isMissing) errors++;
    if (n.type === 'command_name') names.push(n.text);
    for (const c of n.children) if (c) visit(c);
  };
  visit(tree.rootNode);
  return { errors, names };
}

describe('collector script', () => {
  const script = readFileSync(COLLECTOR_PATH, 'utf8');

  it('parses without errors and calls only allowlisted read-only commands', () => {
    const { errors, names } = commands(script);
    expect(errors).toBe(0);
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((n) => !ALLOWED.has(n))).toEqual([]);
  });

  it('the gate catches a writing or evaluating command', () => {
    for (const bad of ['Set-ItemProperty -Path HKLM:\\x -Name y -Value 1', 'Invoke-Expression $x', 'Remove-Item -Path C:\\x', 'Start-Process cmd.exe']) {
      const { names } = commands(`${script}\n${bad}\n`);
      expect(names.filter((n) => !ALLOWED.has(n)).length, bad).toBe(1);
    }
  });

  it('the gate sees parse errors', () => {
    expect(commands('if ($x { Get-Item -Path "unterminated').errors).toBeGreaterThan(0);
  });

  it('builds no command from a string (no Invoke-Expression, no script blocks from text)', () => {
    expect(script).not.toMatch(/Invoke-Expression|\[scriptblock\]::Create|iex\s/i);
  });

  it('exaudit collector prints it, and its marked output loads as facts', () => {
    expect(runCli(['collector']).stdout).toBe(script);
    const sample = `WARNING: noise\r\n<<<EXAUDIT-FACTS-BEGIN>>>\r\n{"schemaVersion":"1","target":{"name":"ex01","transport":"local"},"exchange":{"build":"15.2.1748.10","precision":"exact","source":"ExSetup.exe FileVersion","roles":["Mailbox"],"edge":false},"notCollected":[{"group":"hybrid","reason":"needs Get-HybridConfiguration"}]}\r\n<<<EXAUDIT-FACTS-END>>>\r\n`;
    expect(parseFacts(JSON.parse(extractJson(`\uFEFF${sample}`)), 'sample').exchange?.build).toBe('15.2.1748.10');
  });
});
