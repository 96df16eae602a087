/**
 * Files of the import: the snapshots in rules/sources/, the curated overlay in rules/curated/, and the generated
 * catalog files (builds.json, updates.json, cves.json). Reading validates with zod; writing is deterministic.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CuratedBuild, CuratedCve, CuratedUpdate, type CuratedFiles } from './curated.js';
import { CvelistSnapshot, HealthCheckerSnapshot, KevSnapshot, LearnBuildNumbers, MsBuildNumbers } from './snapshots.js';

export interface Snapshots {
  msBuilds: MsBuildNumbers;
  learn: LearnBuildNumbers;
  hc: HealthCheckerSnapshot;
  cvelist: CvelistSnapshot;
  kev: KevSnapshot;
}

/** The generated files, in the order the import writes them. */
export const GENERATED_FILES = ['builds.json', 'updates.json', 'cves.json'] as const;

export const SNAPSHOT_FILES = {
  msBuilds: 'ms-build-numbers.json',
  learn: 'learn-build-numbers.json',
  hc: 'healthchecker.json',
  cvelist: 'cvelist.json',
  kev: 'kev.json',
} as const;

export const CURATED_FILES = { builds: 'builds.yaml', updates: 'updates.yaml', cves: 'cves.yaml' } as const;

function parseWith<T>(schema: z.ZodType<T>, path: string, text: string, yaml: boolean): T {
  let data: unknown;
  try {
    data = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: cannot parse: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const r = schema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

export function readSnapshots(rulesDir: string): Snapshots {
  const read = <T>(schema: z.ZodType<T>, file: string) => {
    const path = join(rulesDir, 'sources', file);
    return parseWith(schema, path, readFileSync(path, 'utf8'), false);
  };
  return {
    msBuilds: read(MsBuildNumbers, SNAPSHOT_FILES.msBuilds),
    learn: read(LearnBuildNumbers, SNAPSHOT_FILES.learn),
    hc: read(HealthCheckerSnapshot, SNAPSHOT_FILES.hc),
    cvelist: read(CvelistSnapshot, SNAPSHOT_FILES.cvelist),
    kev: read(KevSnapshot, SNAPSHOT_FILES.kev),
  };
}

export function readCurated(rulesDir: string): CuratedFiles {
  const read = <T>(schema: z.ZodType<T>, file: string) => {
    const path = join(rulesDir, 'curated', file);
    return parseWith(z.array(schema), path, readFileSync(path, 'utf8'), true);
  };
  const files = {
    builds: read(CuratedBuild, CURATED_FILES.builds),
    updates: read(CuratedUpdate, CURATED_FILES.updates),
    cves: read(CuratedCve, CURATED_FILES.cves),
  };
  // One entry per id: a second entry would silently lose facts in the merge.
  for (const [file, ids] of [
    [CURATED_FILES.builds, files.builds.map((b) => b.build)],
    [CURATED_FILES.updates, files.updates.map((u) => u.id)],
    [CURATED_FILES.cves, files.cves.map((c) => c.id)],
  ] as const) {
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice) throw new Error(`${join(rulesDir, 'curated', file)}: ${twice} appears twice; merge the two entries`);
  }
  return files;
}

/** The one JSON layout of generated and snapshot files: one-space indent, trailing newline. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 1) + '\n';
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, renderJson(value));
}
