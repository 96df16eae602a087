/**
 * `node dist/src/engine/checks-manifest.js` (run by `npm run build`): validates every check's metadata with the
 * CheckMeta schema and records it beside the compiled checks (dist/checks/checks.manifest.json), so that loading
 * checks as built needs no zod (src/engine/loader.ts). A check changed after the build no longer matches its record
 * and is validated again when loaded.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHECK_MANIFEST, CHECKS_DIR, checkFiles, loadChecks, type CheckManifest } from './loader.js';
import { stableStringify } from './run.js';

/** Writes the manifest of the checks in `dir`; throws (writing nothing) when a check's metadata is invalid. */
export async function writeCheckManifest(dir = CHECKS_DIR): Promise<string> {
  const checks = await loadChecks(dir, { manifest: false });
  // The record compares with the metadata as the module gives it, before validation.
  const raw = await Promise.all(
    checkFiles(dir).map(
      async (f) => (await import(pathToFileURL(join(dir, f)).href)) as { default: { meta: unknown } },
    ),
  );
  const manifest: CheckManifest = {};
  checks.forEach((c, i) => {
    manifest[c.meta.id] = { raw: stableStringify(raw[i]!.default.meta), meta: c.meta };
  });
  const file = join(dir, CHECK_MANIFEST);
  writeFileSync(file, `${JSON.stringify(manifest)}\n`);
  return file;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = await writeCheckManifest();
  process.stdout.write(`checks: metadata validated → ${file}\n`);
}
