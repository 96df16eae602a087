/**
 * `exaudit build <version…>`: what a build is, which updates it lacks and which CVEs are open by build alone.
 * Text for people, JSON (one object per input, an array for several) for scripts.
 */
import type { Command } from 'commander';
import { createColors } from 'picocolors';
import { addCatalogOptions, addTextOutputOptions, catalogFor, writeText } from './common.js';
import { lookupBuild, type BuildInfo } from '../catalog/lookup.js';
import type { Catalog } from '../catalog/catalog.js';

interface BuildOptions {
  format: 'console' | 'text' | 'json';
  output?: string;
  rules: string;
  asOf: string;
  maxCatalogAge?: number;
}

export function register(program: Command): Command {
  const cmd = program
    .command('build')
    .description('identify Exchange builds: product, CU, update, support state, missing updates and CVEs open by build')
    .argument(
      '<version...>',
      'builds (15.2.1544.14, 15.02.1544.014, 15.2.1544), AdminDisplayVersion ("Version 15.2 (Build 1544.4)") or names ("Exchange 2019 CU14 Nov24SUv2")',
    );
  addTextOutputOptions(cmd, ['console', 'json']);
  addCatalogOptions(cmd, 'reference date (YYYY-MM-DD) for support state and the catalog age');
  return cmd
    .addHelpText(
      'after',
      `
A three-part build (15.2.1544) or an AdminDisplayVersion is known only to the CU: CVEs fixed by a later SU on
that CU are listed as indeterminate, never as fixed. Open CVEs assume a non-Edge Mailbox server with default
configuration; conditional CVEs depend on configuration (Extended Protection, overrides, ...). Run
\`exaudit audit\` for those. A name pairing a CU with an update it never received is refused (exit 2).

Examples:
  exaudit build 15.2.1544.14
  exaudit build 15.02.0986.005 "Exchange 2016 CU23 Feb26SU" -f json -o builds.json
  exaudit build 15.2.1544
  exaudit build "Version 15.2 (Build 1544.4)"`,
    )
    .action(async (versions: string[], opts: BuildOptions) => {
      const catalog = await catalogFor(opts);
      const infos = versions.map((v) => lookupBuild(catalog, v, opts.asOf));
      if (opts.format === 'json')
        await writeText(`${JSON.stringify(infos.length === 1 ? infos[0] : infos, null, 2)}\n`, opts.output);
      else {
        const color = !opts.output && process.stdout.isTTY === true && !process.env['NO_COLOR'];
        await writeText(infos.map((i) => renderText(i, catalog, color)).join('\n'), opts.output);
      }
    });
}

export function renderText(i: BuildInfo, catalog: Catalog, color = false): string {
  const c = createColors(color);
  const out: string[] = [];
  out.push(c.bold(`${i.input}`) + `  ${i.name}`);
  out.push(
    `  build       ${i.build ?? '(product only)'}  precision ${i.precision}${i.known ? '' : c.yellow('  (not in the catalog)')}`,
  );
  if (i.judgedAs) out.push(`  judged as   ${i.judgedAs} (the highest known build below it)`);
  for (const n of i.notes) out.push(`  note        ${n}`);
  if (i.releaseDate) out.push(`  released    ${i.releaseDate}`);
  const support = i.supported
    ? c.green('supported')
    : i.esu
      ? c.yellow(`out of support; ${i.esu.name} until ${i.esu.end}`)
      : c.red('not supported');
  out.push(`  support     ${support}${i.endOfSupport ? `  (end of support ${i.endOfSupport})` : ''}`);
  if (i.latestBuild) {
    const latest = catalog.build(i.latestBuild);
    out.push(
      `  latest      ${i.latestBuild}${latest?.update ? ` ${latest.update}` : ''}${latest?.esuOnly ? ' (ESU customers only)' : ''}`,
    );
  }
  if (i.missingUpdates.length) {
    out.push(`  missing     ${i.missingUpdates.length} update${i.missingUpdates.length === 1 ? '' : 's'}:`);
    for (const m of i.missingUpdates) {
      const where = m.build ? `${m.build}` : 'not released for this CU: move to a newer CU';
      out.push(
        `    ${m.id.padEnd(10)} ${m.releaseDate}  ${(m.kb ?? '').padEnd(9)}  ${where}${m.esuOnly ? ' (ESU)' : ''}${m.cves.length ? `  ${m.cves.length} CVE${m.cves.length === 1 ? '' : 's'}` : ''}`,
      );
    }
  }
  out.push(
    `  open CVEs   ${i.cves.length ? c.red(String(i.cves.length)) : c.green('0')}${i.cves.length ? `: ${i.cves.join(', ')}` : ''}`,
  );
  if (i.indeterminateCves.length)
    out.push(
      `  ${c.yellow('indeterminate')} ${i.indeterminateCves.length}: ${i.indeterminateCves.map((x) => x.id).join(', ')}`,
    );
  const cond = [...new Set(i.conditionalCves.map((x) => x.id))];
  if (cond.length) out.push(`  conditional ${cond.length}: ${cond.join(', ')}  (open only under some configurations)`);
  return `${out.join('\n')}\n`;
}
