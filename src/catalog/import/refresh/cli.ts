/**
 * `npm run catalog:refresh -- [inputs…]`: rewrites the snapshot extracts in rules/sources/ from upstream files that a
 * maintainer has on disk (no network; not run in CI). Every input is optional; a snapshot whose input is not given
 * is left as it is. Inputs:
 *   --gebn FILE --gebn-commit SHA        ExchangeBuildNumbers.csv of microsoft/Get-ExchangeBuildNumber
 *   --learn FILE --learn-commit SHA      ms-exchange-unique-versions-dict.json of righel/ms-exchange-version-nse
 *   --css-exchange DIR --css-commit SHA  a checkout of microsoft/CSS-Exchange (HealthChecker's tables)
 *   --cvelist DIR --cvelist-commit SHA   cvelistV5 record files (CVE-*.json, any depth); records of the CVEs already
 *                                        in cvelist.json and of every --cve ID are (re)read, others stay as they are
 *   --cve ID                             a CVE to add (repeatable)
 *   --kev FILE --kev-commit SHA          CISA known_exploited_vulnerabilities.json (Exchange entries and those of
 *                                        the other CVEs the catalog lists)
 *   --date YYYY-MM-DD                    retrieval date to record (default: today)
 *   --rules DIR                          the rules directory (default: rules/ of this checkout)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_RULES_DIR } from '../../../util/tool.js';
import { readCurated, readSnapshots, writeJson } from '../io.js';
import {
  parseCveRecord,
  parseHcBuildDictionary,
  parseHcCveDictionary,
  parseHcOverrides,
  parseKev,
  parseLearnDict,
  parseMsBuildCsv,
} from './parsers.js';
import type { CvelistSnapshot } from '../snapshots.js';

function findRecordFiles(dir: string, out = new Map<string, string>(), depth = 0): Map<string, string> {
  if (depth > 4) return out;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) findRecordFiles(path, out, depth + 1);
    else if (st.isFile() && /^CVE-\d{4}-\d+\.json$/.test(name)) out.set(name.replace(/\.json$/, ''), path);
  }
  return out;
}

export function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      gebn: { type: 'string' },
      'gebn-commit': { type: 'string' },
      learn: { type: 'string' },
      'learn-commit': { type: 'string' },
      'css-exchange': { type: 'string' },
      'css-commit': { type: 'string' },
      cvelist: { type: 'string' },
      'cvelist-commit': { type: 'string' },
      cve: { type: 'string', multiple: true },
      kev: { type: 'string' },
      'kev-commit': { type: 'string' },
      date: { type: 'string' },
      rules: { type: 'string' },
    },
  });
  const dir = values.rules ?? DEFAULT_RULES_DIR;
  const retrieved = values.date ?? new Date().toISOString().slice(0, 10);
  const snap = readSnapshots(dir);
  const out = join(dir, 'sources');
  if (values.gebn) {
    const rows = parseMsBuildCsv(readFileSync(values.gebn, 'utf8'));
    writeJson(join(out, 'ms-build-numbers.json'), {
      source: { ...snap.msBuilds.source, commit: values['gebn-commit'] ?? snap.msBuilds.source.commit, retrieved },
      rows,
    });
    console.log(`ms-build-numbers.json: ${rows.length} rows`);
  }
  if (values.learn) {
    const rows = parseLearnDict(JSON.parse(readFileSync(values.learn, 'utf8')) as Record<string, never>);
    writeJson(join(out, 'learn-build-numbers.json'), {
      source: { ...snap.learn.source, commit: values['learn-commit'] ?? snap.learn.source.commit, retrieved },
      rows,
    });
    console.log(`learn-build-numbers.json: ${rows.length} rows`);
  }
  if (values['css-exchange']) {
    const root = values['css-exchange'];
    const read = (p: string) => readFileSync(join(root, p), 'utf8');
    const cveCheck = read('Diagnostics/HealthChecker/Analyzer/Security/Invoke-AnalyzerSecurityCveCheck.ps1');
    writeJson(join(out, 'healthchecker.json'), {
      source: { ...snap.hc.source, commit: values['css-commit'] ?? snap.hc.source.commit, retrieved },
      cus: parseHcBuildDictionary(read('Shared/Get-ExchangeBuildVersionInformation.ps1')),
      cveDictionary: parseHcCveDictionary(cveCheck),
      overrides: parseHcOverrides(cveCheck),
    });
    console.log('healthchecker.json written');
  }
  if (values.cvelist) {
    const files = findRecordFiles(values.cvelist);
    const byId = new Map(snap.cvelist.records.map((r) => [r.id, r]));
    const wanted = new Set([...byId.keys(), ...(values.cve ?? [])]);
    let read = 0;
    for (const id of wanted) {
      const path = files.get(id);
      if (!path) continue;
      byId.set(id, parseCveRecord(JSON.parse(readFileSync(path, 'utf8')), values['cvelist-commit'] ?? null));
      read++;
    }
    const records: CvelistSnapshot['records'] = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
    writeJson(join(out, 'cvelist.json'), { source: { ...snap.cvelist.source, retrieved }, records });
    console.log(`cvelist.json: ${read} records read, ${records.length} in all`);
  }
  if (values.kev) {
    const listed = new Set([...snap.cvelist.records.map((r) => r.id), ...readCurated(dir).cves.map((c) => c.id)]);
    const parsed = parseKev(JSON.parse(readFileSync(values.kev, 'utf8')), listed);
    writeJson(join(out, 'kev.json'), {
      source: { ...snap.kev.source, retrieved, commit: values['kev-commit'] ?? snap.kev.source.commit },
      ...parsed,
    });
    console.log(`kev.json: ${parsed.entries.length} entries (catalog ${parsed.catalogVersion})`);
  }
  console.log('Now run: npm run catalog:import, review git diff rules/, then npm test.');
  return 0;
}
