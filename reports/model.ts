/**
 * What the Markdown and HTML evidence reports say, computed once so both say the same: scope, each required
 * action's status per server with the facts behind it, what remains and by when, findings with evidence,
 * waivers, indicator hits, and the tool and catalog versions.
 */
import type { RenderOptions } from './index.js';
import type { Finding, IocHit, ResultDocument } from '../src/contract.js';
import { directiveStatus, remainingWork, type ActionRow, type Directive, type Remaining } from './directives.js';
import { catalogAgeText, clean, waiverTerms } from './text.js';
import { valueText } from '../src/util/text.js';
import { getCatalog } from '../src/catalog/catalog.js';
import { DEFAULT_RULES_DIR } from '../src/util/tool.js';

export interface ServerLine {
  target: string;
  status: string;
  error?: string;
  product?: string;
  build?: string;
  precision?: string;
  source?: string;
  collectedAt?: string;
  collectors?: string;
  digest?: string;
}

export interface ReportModel {
  title: string;
  directive?: Directive;
  asOf: string;
  meta: [string, string][];
  servers: ServerLine[];
  summary: [string, number][];
  rows: ActionRow[];
  remaining: Remaining[];
  findings: { target: string; findings: Finding[] }[];
  waivers: NonNullable<ResultDocument['waivers']>;
  ioc?: { summary: NonNullable<ResultDocument['ioc']>['summary']; hits: IocHit[]; shown: number };
  notes: string[];
}

/** Most hits listed in a report; the full list stays in the JSON result. */
export const MAX_HITS = 200;

export const isOpen = (f: Finding): boolean => f.status !== 'pass' && f.status !== 'not_applicable';

export function shownStatus(f: Finding): string {
  return f.waived ? `waived (${f.status})` : f.status;
}

export function waiverText(f: Finding): string {
  if (!f.waived) return '';
  return `waived: ${f.waived.reason}; ${waiverTerms(f.waived)}`;
}

export function evidenceText(f: Finding): string {
  return f.evidence
    .map((e) => {
      const obs = clean(valueText(e.observed, 'null'));
      const exp = e.expected === undefined ? '' : ` (expected ${clean(valueText(e.expected, 'null'))})`;
      return `${e.fact}: ${obs}${exp}${e.source ? ` [${e.source}]` : ''}`;
    })
    .join('; ');
}

export function buildModel(doc: ResultDocument, opts: RenderOptions): ReportModel {
  const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
  // A directive's CVE lists, KEV dates and CUs come from the catalog: the shipped one unless the caller gave one.
  let catalog = opts.catalog;
  if (opts.directive && !catalog) {
    try {
      catalog = getCatalog(DEFAULT_RULES_DIR);
    } catch {
      /* said in the notes below */
    }
  }
  const directive = opts.directive ? (opts.directiveDef ?? catalog?.directive(opts.directive)) : undefined;
  if (opts.directive && !directive) throw new Error(`unknown directive ${opts.directive}`);
  const rows = directive ? directiveStatus(doc, directive, { ...(catalog ? { catalog } : {}), asOf }) : [];
  const meta: [string, string][] = [
    ['Tool', `exaudit ${doc.tool.version}`],
    [
      'Catalog',
      `${doc.catalog.version} (${doc.catalog.date})${doc.catalog.sha256 ? `, sha256 ${doc.catalog.sha256}` : ''}`,
    ],
    ['Catalog age', catalogAgeText(doc.catalog)],
    ['Run', `${doc.command}, ${doc.startedAt} to ${doc.finishedAt}`],
    ...(doc.argv?.length ? [['Command line (redacted)', `exaudit ${doc.argv.join(' ')}`] as [string, string]] : []),
    ['Judged as of', asOf],
  ];
  const notes: string[] = [];
  if (directive) {
    meta.push(['Directive', `${directive.title}, issued ${directive.issued}; ${directive.source}`]);
    if (!directive.verified)
      notes.push(
        `The required actions of ${directive.id.toUpperCase().replace('-', ' ')} come from secondary reporting; the directive's own text could not be read in full. Check them against CISA's page before filing.`,
      );
    if (catalog && catalog.meta.version !== doc.catalog.version)
      notes.push(
        `Directive CVE lists were resolved with catalog ${catalog.meta.version}; the findings were judged with catalog ${doc.catalog.version}.`,
      );
    if (!catalog)
      notes.push('The rules catalog could not be loaded: actions that need CVE lists or CUs are indeterminate.');
  }
  const unverified = doc.targets.flatMap((t) => t.findings).filter((f) => /not verified/.test(f.message)).length;
  if (unverified) notes.push(`${unverified} finding(s) rest on catalog facts marked unverified (see rules/).`);
  const servers: ServerLine[] = doc.targets.map((t) => {
    const ex = t.facts?.exchange;
    return {
      target: t.target,
      status: t.status,
      ...(t.error ? { error: t.error } : {}),
      ...(ex?.product ? { product: ex.product } : {}),
      ...(ex?.build ? { build: ex.build } : {}),
      ...(ex?.precision ? { precision: ex.precision } : {}),
      ...(ex?.source ? { source: ex.source } : {}),
      ...(t.facts?.collectedAt ? { collectedAt: t.facts.collectedAt } : {}),
      ...(t.facts?.collectors?.length
        ? { collectors: t.facts.collectors.map((c) => `${c.name}${c.version ? ` ${c.version}` : ''}`).join(', ') }
        : t.facts?.target.transport
          ? { collectors: t.facts.target.transport }
          : {}),
      ...(t.factsDigest ? { digest: t.factsDigest } : {}),
    };
  });
  return {
    title: `Exchange exposure evidence${directive ? `: ${directive.title}` : ''}`,
    ...(directive ? { directive } : {}),
    asOf,
    meta,
    servers,
    summary: Object.entries(doc.summary.byStatus),
    rows,
    remaining: remainingWork(rows, asOf),
    findings: doc.targets.map((t) => ({ target: t.target, findings: t.findings.filter(isOpen) })),
    waivers: doc.waivers ?? [],
    ...(doc.ioc
      ? {
          ioc: {
            summary: doc.ioc.summary,
            hits: doc.ioc.hits.slice(0, MAX_HITS),
            shown: Math.min(MAX_HITS, doc.ioc.hits.length),
          },
        }
      : {}),
    notes,
  };
}

export function dueText(r: { due?: string; dueText?: string }): string {
  return r.due ? `${r.due}${r.dueText ? ` ${r.dueText}` : ''}` : (r.dueText ?? '');
}

export function remainingBy(x: Remaining): string {
  const kev = x.row.kevDue.length
    ? ` (KEV: ${x.row.kevDue.map((k) => `${k.cve} ${k.due ?? 'no due date in the catalog'}`).join(', ')})`
    : '';
  const by = x.by
    ? `${x.by}${x.row.dueText && x.by === x.row.due ? ` ${x.row.dueText}` : ''}${x.overdue ? ', overdue' : ''}`
    : 'no date set by the directive';
  return `${by}${kev}`;
}
