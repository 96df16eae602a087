/**
 * Where the collector's PowerShell tests find pwsh (PATH, then ~/.dotnet/tools) and the pinned Pester
 * (.tools/nuget/pester/<version>, installed by scripts/install-pwsh.sh, which .ci/run runs). Without them a suite is
 * skipped with the reason in its name, except in CI (CI=true), where their absence is a failing test that says why.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

export const PESTER_VERSION = '5.7.1';
export const REPO = join(import.meta.dirname, '../../..');
const PESTER = join(REPO, '.tools', 'nuget', 'pester', PESTER_VERSION, 'tools', 'Pester.psd1');

function findPwsh(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), join(homedir(), '.dotnet', 'tools')];
  return dirs.map((d) => join(d, 'pwsh')).find((p) => existsSync(p));
}

export interface PwshTools {
  pwsh: string;
  pester: string;
}

/** The tools, or why they are missing. */
export function pwshTools(): PwshTools | { missing: string } {
  const pwsh = findPwsh();
  if (!pwsh) return { missing: 'pwsh not found on PATH or in ~/.dotnet/tools (run bash scripts/install-pwsh.sh)' };
  if (!existsSync(PESTER))
    return { missing: `Pester ${PESTER_VERSION} not found at ${PESTER} (run bash scripts/install-pwsh.sh)` };
  return { pwsh, pester: PESTER };
}

/** describe() when pwsh and Pester are there; a visible skip where they are not; a failure in CI. */
export function describeWithPwsh(title: string, body: (tools: PwshTools) => void): void {
  const tools = pwshTools();
  if (!('missing' in tools)) {
    describe(title, () => body(tools));
  } else if (process.env['CI'] === 'true') {
    describe(title, () => {
      it('has pwsh and Pester (CI installs them with scripts/install-pwsh.sh)', () => {
        throw new Error(`CI=true but ${tools.missing}`);
      });
    });
  } else {
    console.warn(`exaudit tests: skipped "${title}": ${tools.missing}`);
    describe.skip(`${title} [skipped: ${tools.missing}]`, () => {
      it('needs pwsh and Pester', () => {});
    });
  }
}
