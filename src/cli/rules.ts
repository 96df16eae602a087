/** `exaudit rules list|show|validate`: read and check the catalog. Nothing is fetched at run time. */
import { Option, type Command } from 'commander';
import type { Catalog } from '../catalog/compiled.js';
import {
  addCatalogOptions,
  addTextOutputOptions,
  catalogFor,
  checkCatalogAge,
  writeText,
  type CommonOptions,
} from './common.js';
import { EXIT, InputError } from '../util/errors.js';
import { compareCveIds } from '../catalog/lookup.js';
import { catalogAge } from '../catalog/age.js';
import type { Product } from '../facts/schema.js';
import { relative, resolve } from 'node:path';
import { DEFAULT_RULES_DIR, PROJECT_ROOT } from '../util/tool.js';
import { oneLine } from '../util/text.js';

const KINDS = ['builds', 'updates', 'cves', 'advisories', 'products', 'indicators', 'directives'] as const;
type Kind = (typeof KINDS)[number];
type RulesOptions = Pick<CommonOptions, 'rules' | 'asOf' | 'maxCatalogAge'>;
type TextOutput = { format: string; output?: string };

export function listLines(catalog: Catalog, kind: Kind): string[] {
  switch (kind) {
    case 'products':
      return catalog.products.map(
        (p) => `${p.id.padEnd(5)} ${p.name.padEnd(40)} extended support ends ${p.extendedEnd ?? 'not published'}`,
      );
    case 'builds':
      return catalog.builds.map(
        (b) =>
          `${b.build.padEnd(15)} ${b.name.padEnd(36)} ${(b.kb ?? '').padEnd(10)} ${b.releaseDate ?? ''}${b.esuOnly ? '  ESU' : ''}`,
      );
    case 'updates':
      return catalog.updates.map(
        (u) =>
          `${u.id.padEnd(10)} ${u.releaseDate}  ${u.kbs.join(',').padEnd(40)} ${String(u.fixes.length).padStart(2)} builds  ${u.cves.length} CVEs${u.verified ? '' : '  (unverified)'}`,
      );
    case 'cves':
      return [...catalog.cves]
        .sort((a, b) => compareCveIds(a.id, b.id))
        .map(
          (v) =>
            `${v.id.padEnd(16)} ${String(v.cvss ?? '-').padStart(4)}  ${v.kev ? 'KEV ' : '    '}${(v.title ?? '(no title recorded)').slice(0, 70)}`,
        );
    case 'advisories':
      return catalog.advisories.map(
        (a) =>
          `${a.id.padEnd(16)} ${a.title}  (${a.mitigations.length} interim mitigation${a.mitigations.length === 1 ? '' : 's'})`,
      );
    case 'indicators':
      return catalog.indicators.map(
        (i) => `${i.id.padEnd(40)} ${i.source.join(',').padEnd(9)} ${i.severity.padEnd(8)} ${i.advisory}`,
      );
    case 'directives':
      return catalog.directives.map(
        (d) =>
          `${d.id.padEnd(10)} ${d.issued}  ${d.title}  (${d.actions.length} action${d.actions.length === 1 ? '' : 's'})`,
      );
  }
}

export function showEntry(catalog: Catalog, id: string): unknown {
  const hit =
    catalog.cve(id) ??
    catalog.update(id) ??
    catalog.build(id) ??
    catalog.advisory(id) ??
    catalog.directive(id) ??
    catalog.indicators.find((i) => i.id === id) ??
    catalog.products.find((p) => p.id === id || p.name.toLowerCase() === id.toLowerCase()) ??
    catalog.update(
      id.replace(
        /^(\w{3})(\d\d)(su|hu)/i,
        (_m, a: string, b: string, c: string) => a[0]!.toUpperCase() + a.slice(1).toLowerCase() + b + c.toUpperCase(),
      ),
    ) ??
    catalog.cve(id.toUpperCase());
  if (!hit)
    throw new InputError(
      `no catalog entry "${id}"`,
      'ids look like CVE-2021-26855, Mar21SU, 15.2.1544.14, 2019, ed-21-02 or an indicator id; see `exaudit rules list`',
    );
  const sources = ((hit as { sources?: string[] }).sources ?? []).map((s) =>
    catalog.meta.sources[s] ? { id: s, ...catalog.meta.sources[s] } : { url: s },
  );
  return { ...hit, sources };
}

/** What a catalog covers, for `rules validate`: counts, products and CUs, the last update, its age. */
export function coverageLines(catalog: Catalog, asOf: string): string[] {
  const unverified =
    catalog.cves.filter((c) => !c.verified).length +
    catalog.updates.filter((u) => !u.verified).length +
    catalog.builds.filter((b) => !b.verified).length;
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const out = [
    `catalog ${catalog.meta.version} (${catalog.meta.date}) is valid: ${catalog.products.length} products, ${catalog.builds.length} builds, ${catalog.updates.length} updates, ${catalog.cves.length} CVEs, ${plural(catalog.advisories.length, 'advisory', 'advisories')}, ${plural(catalog.indicators.length, 'indicator')}, ${plural(catalog.directives.length, 'directive')}; ${unverified} entries marked unverified`,
  ];
  const width = Math.max(...catalog.products.map((p) => p.name.length));
  for (const p of catalog.products) {
    const cus = catalog.cus(p.id as Product);
    const builds = catalog.builds.filter((b) => b.product === p.id);
    const newest = builds[builds.length - 1];
    const range = cus.length > 1 ? `${cus[0]!.cu} to ${cus[cus.length - 1]!.cu} (${cus.length} CUs)` : cus[0]?.cu;
    out.push(
      `  ${p.name.padEnd(width)}  ${range ?? 'no builds'}${newest ? `; newest build ${newest.build}${newest.update ? ` ${newest.update}` : ''}${newest.releaseDate ? ` of ${newest.releaseDate}` : ''}` : ''}`,
    );
  }
  const last = [...catalog.updates].sort((a, b) => a.releaseDate.localeCompare(b.releaseDate)).pop();
  if (last) out.push(`  last update ${last.id} of ${last.releaseDate} (${last.kbs.join(', ') || 'no KB recorded'})`);
  const settings = Object.keys(catalog.securitySettings).sort();
  const settingFiles = catalog.files.filter((f) => f.startsWith('healthchecker/')).length;
  out.push(
    settings.length
      ? `  security settings (rules/healthchecker/, ${plural(settingFiles, 'file')}): ${settings.join(', ')}`
      : '  security settings: none (no rules/healthchecker/ files): the checks that need them say indeterminate',
  );
  const age = catalogAge(catalog.meta.date, asOf);
  out.push(
    `  age ${age.ageDays} days on ${age.asOf}; latest Patch Tuesday ${age.patchTuesday}: ${age.stale ? 'STALE, updates released since are not judged' : 'current'}`,
  );
  return out;
}

export function register(program: Command): Command {
  const rules = program
    .command('rules')
    .description(
      'list, show and validate the rules catalog (builds, updates, CVEs, advisories, indicators, directives)',
    )
    .addHelpText(
      'after',
      `
Examples:
  exaudit rules list updates
  exaudit rules list cves -f json -o cves.json
  exaudit rules show CVE-2021-26855
  exaudit rules validate --rules ./my-newer-rules`,
    );
  const list = rules
    .command('list')
    .description('list catalog entries of one kind')
    .argument('[kind]', `${KINDS.join(', ')} (default: updates)`)
    .addOption(new Option('--json', 'same as --format json').hideHelp());
  addTextOutputOptions(list, ['console', 'json']);
  addCatalogOptions(list).action(
    async (kind: string | undefined, opts: RulesOptions & TextOutput & { json?: boolean }) => {
      const k = (kind ?? 'updates') as Kind;
      if (!KINDS.includes(k)) throw new InputError(`unknown kind "${kind}"`, `choose one of ${KINDS.join(', ')}`);
      const catalog = await catalogFor(opts);
      if (opts.json || opts.format === 'json') await writeText(`${JSON.stringify(catalog[k], null, 2)}\n`, opts.output);
      else await writeText(`${listLines(catalog, k).join('\n')}\n`, opts.output);
    },
  );
  const show = rules
    .command('show')
    .description('show one entry (CVE, update, build, product, advisory, indicator or directive) with its sources')
    .argument('<id>', 'CVE-2021-26855, Mar21SU, 15.2.1544.14, 2019, ed-21-02 …');
  addTextOutputOptions(show, ['json']);
  addCatalogOptions(show).action(async (id: string, opts: RulesOptions & TextOutput) => {
    await writeText(`${JSON.stringify(showEntry(await catalogFor(opts), id), null, 2)}\n`, opts.output);
  });
  const validate = rules
    .command('validate')
    .description(
      'validate a catalog directory in full: every file of every kind, references, invariants (exit 0 valid, 2 invalid)',
    );
  addCatalogOptions(validate).action(async (opts: RulesOptions) => {
    const { tryLoadCatalog, loadCompiledCatalog, COMPILED_CATALOG } = await import('../catalog/catalog.js');
    const { catalog, problems } = tryLoadCatalog(opts.rules, { compiled: false });
    if (!catalog) {
      for (const p of problems) process.stderr.write(`${oneLine(`${p.file}: ${p.path}: ${p.message}`)}\n`);
      process.stderr.write(
        `exaudit: catalog ${opts.rules} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})\n`,
      );
      process.exitCode = EXIT.USAGE;
      return;
    }
    checkCatalogAge(catalog, opts);
    // Only the shipped folder is compiled at build time; say whether the compiled file still matches it.
    const compiled =
      resolve(opts.rules) === DEFAULT_RULES_DIR
        ? [
            `  compiled ${relative(PROJECT_ROOT, COMPILED_CATALOG)}: ${loadCompiledCatalog(opts.rules) ? 'matches these files' : 'out of date or missing (npm run build rewrites it); the files are read instead'}`,
          ]
        : [];
    process.stdout.write(
      `${[...coverageLines(catalog, opts.asOf), ...compiled, `sha256 ${catalog.sha256}`].join('\n')}\n`,
    );
  });
  return rules;
}
