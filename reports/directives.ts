/** Directive definitions (rules/directives/*.yaml) and each required action's status per server. */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ResultDocument } from '../src/engine/result.js';
import { DEFAULT_RULES_DIR } from '../src/util/tool.js';

export const Directive = z.object({
  id: z.string(), title: z.string(), issued: z.string(), source: z.string(), sources: z.array(z.string()),
  verified: z.boolean().default(true),
  actions: z.array(z.object({ id: z.string(), title: z.string(), due: z.string().optional(), checks: z.array(z.string()), manual: z.string().optional() })),
});
export type Directive = z.infer<typeof Directive>;

export function loadDirectives(dir = join(DEFAULT_RULES_DIR, 'directives')): Record<string, Directive> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => {
    const d = Directive.parse(parseYaml(readFileSync(join(dir, f), 'utf8')));
    return [d.id, d];
  }));
}

export const DIRECTIVES = loadDirectives();

export interface ActionRow { action: string; due?: string; target: string; status: 'met' | 'not met' | 'mitigated (interim)' | 'indeterminate' | 'not assessed' | 'needs attestation'; evidence: string }

export function directiveStatus(doc: ResultDocument, d: Directive): ActionRow[] {
  const rows: ActionRow[] = [];
  for (const a of d.actions) {
    for (const t of doc.targets) {
      const base = { action: a.title, ...(a.due ? { due: a.due } : {}), target: t.target };
      if (!a.checks.length) { rows.push({ ...base, status: 'needs attestation', evidence: a.manual ?? '' }); continue; }
      if (t.status === 'unreachable' || t.status === 'error') { rows.push({ ...base, status: 'not assessed', evidence: t.error ?? t.status }); continue; }
      const fs = t.findings.filter((f) => a.checks.includes(f.checkId) && !f.waived);
      const fail = fs.filter((f) => f.status === 'fail' || f.status === 'error');
      const status: ActionRow['status'] = fail.length ? 'not met' : fs.some((f) => f.status === 'indeterminate') ? 'indeterminate' : fs.some((f) => f.status === 'mitigated') ? 'mitigated (interim)' : 'met';
      const shown = (fail.length ? fail : fs.filter((f) => f.status !== 'pass' && f.status !== 'not_applicable')).slice(0, 3);
      rows.push({ ...base, status, evidence: shown.map((f) => f.message).join(' / ') || fs.map((f) => f.message)[0] || '' });
    }
  }
  return rows;
}
