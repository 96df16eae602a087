/** Tool identity and the project root (where rules/, reports/schema and the collector script live). */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'exaudit') return dir;
    } catch {
      /* keep walking up */
    }
    dir = dirname(dir);
  }
  throw new Error('exaudit: cannot find the package root (package.json named exaudit)');
}

/** Works from src/ (vitest) and from dist/src/ (compiled). */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
export const DEFAULT_RULES_DIR = resolve(PROJECT_ROOT, 'rules');
