/** Runs the compiled CLI (npm test builds it first) as a user would, capturing output and exit code. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '../../dist/src/cli/main.js');

export interface CliResult { code: number; stdout: string; stderr: string }

export function runCli(args: string[], opts: SpawnSyncOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, ...opts, env: { ...process.env, NO_COLOR: '1', ...opts.env } });
  return { code: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}
