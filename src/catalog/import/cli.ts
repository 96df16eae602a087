/**
 * `npm run catalog:import`: regenerates rules/builds.json, updates.json and cves.json from the snapshots in
 * rules/sources/ and the curated files in rules/curated/. No network, nothing outside the rules directory.
 *   --check      exit 1 (listing the files) when the committed files differ from what the import produces
 *   --rules DIR  another rules directory
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_RULES_DIR } from '../../util/tool.js';
import { renderCatalogFiles } from './render.js';

export function main(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { check: { type: 'boolean' }, rules: { type: 'string' } } });
  const dir = values.rules ?? DEFAULT_RULES_DIR;
  const { files, warnings } = renderCatalogFiles(dir);
  for (const w of warnings) console.error(`warning: ${w}`);
  const stale = Object.entries(files).filter(
    ([name, text]) => !existsSync(join(dir, name)) || readFileSync(join(dir, name), 'utf8') !== text,
  );
  if (values.check) {
    if (!stale.length) {
      console.log('catalog is up to date with rules/sources and rules/curated');
      return 0;
    }
    console.error(`catalog differs from the import: ${stale.map(([n]) => n).join(', ')}; run npm run catalog:import`);
    return 1;
  }
  for (const [name, text] of stale) writeFileSync(join(dir, name), text);
  console.log(stale.length ? `wrote ${stale.map(([n]) => n).join(', ')}` : 'nothing changed');
  return 0;
}
