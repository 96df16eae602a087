/**
 * The read-only PowerShell collector beside this module (Get-ExchangeFacts.ps1) and the markers around the JSON
 * it writes, shared by every transport that runs it (SSH, local PowerShell), the lab that answers like it, the
 * `collector` command that prints it and the offline loader that reads its saved output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../util/tool.js';

/** From src/ and from dist/src/ alike: the script ships in src/collect/ps/ (package.json "files"). */
export const COLLECTOR_PATH = join(PROJECT_ROOT, 'src', 'collect', 'ps', 'Get-ExchangeFacts.ps1');

export const BEGIN = '<<<EXAUDIT-FACTS-BEGIN>>>';
export const END = '<<<EXAUDIT-FACTS-END>>>';

let script: string | undefined;

/** The collector script's text (read once). */
export function collectorScript(): string {
  return (script ??= readFileSync(COLLECTOR_PATH, 'utf8'));
}

/** The collector's output carries markers (so console noise around it does no harm); plain JSON has none. */
export function extractJson(text: string): string {
  const t = text.replace(/^\uFEFF/, '');
  const b = t.indexOf(BEGIN);
  const e = t.indexOf(END);
  return b >= 0 && e > b ? t.slice(b + BEGIN.length, e).trim() : t;
}
