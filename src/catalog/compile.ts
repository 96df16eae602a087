/**
 * Build step (`npm run build`, `prepare`, `pretest`): validates the shipped rules/ folder and writes it as one JSON
 * file, dist/catalog.json, which the CLI loads without parsing YAML or validating again. A broken catalog fails the
 * build with every problem listed, as `exaudit rules validate` lists them.
 *
 *   node dist/src/catalog/compile.js [rulesDir] [outFile]
 */
import { relative } from 'node:path';
import { COMPILED_CATALOG, CatalogValidationError, compileCatalog } from './catalog.js';
import { DEFAULT_RULES_DIR } from '../util/tool.js';

const [dir = DEFAULT_RULES_DIR, out = COMPILED_CATALOG] = process.argv.slice(2);
try {
  const c = compileCatalog(dir, out);
  process.stdout.write(
    `catalog: ${relative(process.cwd(), dir) || '.'} → ${relative(process.cwd(), out)} (${c.files.length} files, ${c.data.meta.version})\n`,
  );
} catch (err) {
  if (!(err instanceof CatalogValidationError)) throw err;
  for (const p of err.problems) process.stderr.write(`${p.file}: ${p.path}: ${p.message}\n`);
  process.stderr.write(`catalog: ${dir} is invalid (${err.problems.length} problems); dist/catalog.json not written\n`);
  process.exitCode = 2;
}
