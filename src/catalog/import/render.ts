/** Runs the import over a rules directory and renders the generated files (one place for the CLI and the test). */
import { importCatalog } from './build-catalog.js';
import { GENERATED_FILES, readCurated, readSnapshots, renderJson } from './io.js';

export function renderCatalogFiles(rulesDir: string): {
  files: Record<(typeof GENERATED_FILES)[number], string>;
  warnings: string[];
} {
  const r = importCatalog(readSnapshots(rulesDir), readCurated(rulesDir));
  return {
    files: {
      'builds.json': renderJson(r.builds),
      'updates.json': renderJson(r.updates),
      'cves.json': renderJson(r.cves),
    },
    warnings: r.warnings,
  };
}
