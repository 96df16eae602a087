/** `exaudit rules list|show|validate`: read and check the catalog. Nothing is fetched at run time. */
import type { Command } from 'commander';
import { tryLoadCatalog, type Catalog } from '../catalog/catalog.js';
import { catalogFor } from './common.js';
import { DEFAULT_RULES_DIR } from '../util/tool.js';
import { EXIT, InputError } from '../util/errors.js';
import { compareCveIds } from '../catalog/lookup.js';

const KINDS = ['builds', 'updates', 'cves', 'advisories', 'products'] as const;
type Kind = (typeof KINDS)[number];

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
  }
}

export function showEntry(catalog: Catalog, id: string): unknown {
  const hit =
    catalog.cve(id) ??
    catalog.update(id) ??
    catalog.build(id) ??
    catalog.advisory(id) ??
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
      'ids look like CVE-2021-26855, Mar21SU, 15.2.1544.14 or 2019; see `exaudit rules list`',
    );
  const sources = ((hit as { sources?: string[] }).sources ?? []).map((s) =>
    catalog.meta.sources[s] ? { id: s, ...catalog.meta.sources[s] } : { url: s },
  );
  return { ...hit, sources };
}

export function register(program: Command): Command {
  const rules = program
    .command('rules')
    .description('list, show and validate the rules catalog (builds, updates, CVEs, advisories)')
    .addHelpText(
      'after',
      `
Examples:
  exaudit rules list updates
  exaudit rules show CVE-2021-26855
  exaudit rules validate --rules ./my-newer-rules`,
    );
  rules
    .command('list')
    .description('list catalog entries of one kind')
    .argument('[kind]', 'builds, updates, cves, advisories or products (default: updates)')
    .option('--rules <dir>', 'catalog directory', DEFAULT_RULES_DIR)
    .option('--json', 'print JSON')
    .action((kind: string | undefined, opts: { rules: string; json?: boolean }) => {
      const k = (kind ?? 'updates') as Kind;
      if (!KINDS.includes(k)) throw new InputError(`unknown kind "${kind}"`, `choose one of ${KINDS.join(', ')}`);
      const catalog = catalogFor(opts);
      if (opts.json) {
        const data = catalog[k];
        process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      } else process.stdout.write(`${listLines(catalog, k).join('\n')}\n`);
    });
  rules
    .command('show')
    .description('show one entry (CVE, update, build or product) with its sources')
    .argument('<id>', 'CVE-2021-26855, Mar21SU, 15.2.1544.14, 2019 …')
    .option('--rules <dir>', 'catalog directory', DEFAULT_RULES_DIR)
    .action((id: string, opts: { rules: string }) => {
      process.stdout.write(`${JSON.stringify(showEntry(catalogFor(opts), id), null, 2)}\n`);
    });
  rules
    .command('validate')
    .description('validate a catalog directory: schemas, references, invariants (exit 0 valid, 2 invalid)')
    .option('--rules <dir>', 'catalog directory', DEFAULT_RULES_DIR)
    .action((opts: { rules: string }) => {
      const { catalog, problems } = tryLoadCatalog(opts.rules);
      if (!catalog) {
        for (const p of problems) process.stderr.write(`${p.file}: ${p.path}: ${p.message}\n`);
        process.stderr.write(
          `exaudit: catalog ${opts.rules} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})\n`,
        );
        process.exitCode = EXIT.USAGE;
        return;
      }
      const unverified =
        catalog.cves.filter((c) => !c.verified).length +
        catalog.updates.filter((u) => !u.verified).length +
        catalog.builds.filter((b) => !b.verified).length;
      process.stdout.write(
        `catalog ${catalog.meta.version} (${catalog.meta.date}) is valid: ${catalog.products.length} products, ${catalog.builds.length} builds, ${catalog.updates.length} updates, ${catalog.cves.length} CVEs; ${unverified} entries marked unverified\nsha256 ${catalog.sha256}\n`,
      );
    });
  return rules;
}
