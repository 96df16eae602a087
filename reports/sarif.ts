/**
 * SARIF 2.1.0 as GitHub code scanning accepts it: each rule once in tool.driver.rules (with help text and a
 * helpUri), every result with a level and a location (the inventory file's line when known, else a synthetic
 * repo-relative path for the host), the host as logical location, partialFingerprints from the finding's
 * stable fingerprint (never a build or a time).
 *
 * Results: open findings (fail, mitigated, indeterminate, error), servers that could not be assessed, and
 * indicator hits. Passes, not-applicable and waived findings are not results: GitHub would open an alert for
 * a suppressed result too, so a waiver keeps its finding out (the other formats show it as waived).
 */
import { sha256 } from '../src/util/hash.js';
import type { Renderer, RenderOptions } from './index.js';
import {
  hitServer,
  type Finding,
  type IocHit,
  type ResultDocument,
  type Severity,
  type TargetResult,
} from '../src/contract.js';
import { clean } from './text.js';
import { valueText } from '../src/util/text.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};
const INFORMATION_URI = 'https://github.com/exaudit/exaudit';
/** Used when a check names no reference: the README's table of checks. */
const CHECKS_HELP = `${INFORMATION_URI}#checks`;

type Level = 'error' | 'warning' | 'note';

/** A fail keeps its severity's level; an interim mitigation is a warning at most; unknowns are notes. */
function levelOf(f: Finding): Level {
  if (f.status === 'indeterminate') return 'note';
  if (f.status === 'error') return 'warning';
  if (f.status === 'mitigated') return LEVEL[f.severity] === 'error' ? 'warning' : LEVEL[f.severity];
  return LEVEL[f.severity];
}

function ruleIdOf(f: Finding): string {
  return (f.code === 'cve-open' || f.code === 'cve-su-unknown') && f.cves[0]
    ? `${f.checkId}/${f.cves[0]}`
    : `${f.checkId}/${f.code}`;
}

/** SARIF's friendly rule name: a Pascal-case identifier made of the title's words ("Cve202126855MicrosoftExchange…"). */
const pascal = (title: string) =>
  title
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')
    .slice(0, 120) || 'ExauditRule';

/** " Observed: X; expected: Y." from the first evidence that says what was expected (and differs from it). */
function observedText(f: Finding): string {
  const e = f.evidence.find((x) => x.expected !== undefined && valueText(x.expected) !== valueText(x.observed));
  return e ? ` Observed ${e.fact}: ${valueText(e.observed, 'null')}; expected: ${valueText(e.expected)}.` : '';
}

/** "CVSS 9.8, in CISA KEV", from the catalog facts a CVE finding carries. */
function cveFacts(f: Finding): string | undefined {
  const e = f.evidence.find((x) => x.fact === 'catalog.cve')?.observed as
    { cvss?: number | null; kev?: unknown; exploited?: boolean } | undefined;
  if (!e || typeof e !== 'object') return undefined;
  const parts = [
    typeof e.cvss === 'number' ? `CVSS ${e.cvss}` : '',
    e.kev ? 'in CISA KEV' : e.exploited ? 'exploited in the wild' : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

/** A SARIF artifact URI from a path: repo-relative paths stay relative, absolute ones become file: URIs. */
export function artifactUri(path: string): string {
  const p = path.replace(/\\/g, '/');
  const enc = (s: string) =>
    s
      .split('/')
      .map((seg) => encodeURIComponent(seg))
      .join('/');
  if (/^[A-Za-z]:\//.test(p)) return `file:///${p.slice(0, 2)}${enc(p.slice(2))}`;
  if (p.startsWith('/')) return `file://${enc(p)}`;
  return enc(p.replace(/^\.\//, ''));
}

function hostLocation(t: TargetResult, opts: RenderOptions) {
  const inv = t.facts?.target.inventoryFile;
  const line = inv ? (t.facts?.target.inventoryLine ?? 1) : opts.inventoryLines?.[t.target.toLowerCase()];
  const file = inv ?? (opts.inventoryFile && line ? opts.inventoryFile : undefined);
  const physical = file
    ? { artifactLocation: { uri: artifactUri(file) }, region: { startLine: line ?? 1 } }
    : {
        artifactLocation: { uri: `exchange/${encodeURIComponent(t.target.replace(/[^A-Za-z0-9._-]/g, '_'))}` },
        region: { startLine: 1 },
      };
  return { physicalLocation: physical, logicalLocations: [{ name: t.target, kind: 'module' }] };
}

/** An indicator hit: the log line itself; remote hits ("host:path") name the host as logical location. */
function hitLocation(h: IocHit, servers: string[]) {
  const host = hitServer(h, servers);
  const path = host ? h.file.slice(host.length + 1) : h.file;
  const uri =
    host || /^[A-Za-z]:[\\/]/.test(path) || path.includes('!/')
      ? `ioc/${host ? `${encodeURIComponent(host)}/` : ''}${path
          .replace(/\\/g, '/')
          .replace(/^([A-Za-z]):/, '$1')
          .split('/')
          .filter(Boolean)
          .map(encodeURIComponent)
          .join('/')}`
      : artifactUri(path);
  return {
    physicalLocation: { artifactLocation: { uri }, region: { startLine: Math.max(1, h.line) } },
    logicalLocations: [{ name: host ?? path, kind: host ? 'module' : 'resource' }],
  };
}

interface RuleDraft {
  id: string;
  title: string;
  /** Catalog facts about the rule's CVE (CVSS, KEV). */
  about?: string;
  cves: Set<string>;
  fixes: Set<string>;
  helpUri?: string;
  severity: Severity;
  levels: Set<Level>;
  checkId: string;
  code: string;
}

const worseSeverity = (a: Severity, b: Severity): Severity =>
  ['critical', 'high', 'medium', 'low', 'info'].indexOf(a) <= ['critical', 'high', 'medium', 'low', 'info'].indexOf(b)
    ? a
    : b;

function ruleHelp(r: RuleDraft): { text: string; markdown: string } {
  const cves = [...r.cves].filter((c) => !r.title.includes(c));
  const what = `exaudit check "${r.checkId}", result "${r.code}": ${r.title}${r.about ? ` (${r.about})` : ''}${cves.length ? `; ${cves.join(', ')}` : ''}.`;
  const why =
    'Each result names the server, what was observed and where that came from; the JSON result has the full evidence.';
  const fixes = [...r.fixes].slice(0, 12);
  const more = r.fixes.size > fixes.length ? `\n(and ${r.fixes.size - fixes.length} more)` : '';
  return {
    text: clean(
      `${what} ${why}${fixes.length ? `\nRemediation seen in this run:\n${fixes.map((f) => `- ${f}`).join('\n')}${more}` : ''}`,
    ),
    markdown: clean(
      `**${what}**\n\n${why}${fixes.length ? `\n\nRemediation seen in this run:\n\n${fixes.map((f) => `- ${f.replace(/([\\`*_[\]<>])/g, '\\$1')}`).join('\n')}${more}` : ''}`,
    ),
  };
}

export function toSarif(doc: ResultDocument, opts: RenderOptions = {}): object {
  const drafts = new Map<string, RuleDraft>();
  const results: {
    ruleId: string;
    level: Level;
    message: { text: string };
    locations: object[];
    partialFingerprints: Record<string, string>;
    properties: object;
  }[] = [];
  const draft = (id: string, init: Omit<RuleDraft, 'id' | 'cves' | 'fixes' | 'levels'>, level: Level) => {
    const r = drafts.get(id) ?? {
      id,
      ...init,
      cves: new Set<string>(),
      fixes: new Set<string>(),
      levels: new Set<Level>(),
    };
    r.severity = worseSeverity(r.severity, init.severity);
    r.levels.add(level);
    r.helpUri ??= init.helpUri;
    drafts.set(id, r);
    return r;
  };
  for (const t of doc.targets) {
    if (t.status === 'unreachable' || t.status === 'error') {
      const id = `collection/${t.status}`;
      draft(
        id,
        {
          title: t.status === 'unreachable' ? 'Server could not be reached' : 'Facts could not be collected',
          severity: 'medium',
          checkId: 'collection',
          code: t.status,
          helpUri: CHECKS_HELP,
        },
        'warning',
      ).fixes.add(
        'Reach the server (network, credentials, host key) and run exaudit again; until then nothing is known about it.',
      );
      results.push({
        ruleId: id,
        level: 'warning',
        message: { text: clean(`${t.target}: not assessed (${t.status}): ${t.error ?? 'no facts'}`) },
        locations: [hostLocation(t, opts)],
        partialFingerprints: {
          'exauditFinding/v1': sha256(`collection|${t.target.toLowerCase()}`).slice(0, 32),
        },
        properties: { status: t.status, target: t.target },
      });
    }
    for (const f of t.findings) {
      if (f.waived || f.status === 'pass' || f.status === 'not_applicable') continue;
      const id = ruleIdOf(f);
      const level = levelOf(f);
      const cveRef = f.cves.length === 1 ? f.references.find((u) => u.endsWith(`/${f.cves[0]}`)) : undefined;
      const about = cveFacts(f);
      const r = draft(
        id,
        {
          // The check's title, or for a CVE the id and the catalog's title ("CVE-2021-26855: Microsoft Exchange …").
          title: f.title,
          ...(about ? { about } : {}),
          severity: f.severity,
          checkId: f.checkId,
          code: f.code,
          helpUri: cveRef ?? f.references[0] ?? CHECKS_HELP,
        },
        level,
      );
      for (const c of f.cves) r.cves.add(c);
      if (f.remediation) r.fixes.add(f.remediation);
      results.push({
        ruleId: id,
        level,
        message: { text: clean(`${t.target}: ${f.message}${observedText(f)}`) },
        locations: [hostLocation(t, opts)],
        partialFingerprints: { 'exauditFinding/v1': f.fingerprint },
        properties: { status: f.status, code: f.code, target: t.target, severity: f.severity },
      });
    }
  }
  const servers = doc.targets.map((t) => t.target);
  for (const h of doc.ioc?.hits ?? []) {
    const id = `ioc/${h.indicator}`;
    const level = LEVEL[h.severity];
    draft(
      id,
      {
        title: `Indicator of compromise: ${h.indicator} (${h.advisory})`,
        severity: h.severity,
        checkId: 'ioc',
        code: h.indicator,
        helpUri: CHECKS_HELP,
      },
      level,
    ).fixes.add(
      'Treat as a possible compromise: preserve the logs, investigate the server, and report it (CISA ED 21-02 Actions 3-4).',
    );
    results.push({
      ruleId: id,
      level,
      message: {
        text: clean(
          `${h.file}:${h.line}: ${h.advisory} indicator ${h.indicator}${h.timestamp ? ` at ${h.timestamp}` : ''}${h.clientIp ? ` from ${h.clientIp}` : ''}: ${h.excerpt.slice(0, 300)}`,
        ),
      },
      locations: [hitLocation(h, servers)],
      partialFingerprints: {
        'exauditFinding/v1': sha256(`ioc|${h.indicator}|${h.file}|${h.line}`).slice(0, 32),
      },
      properties: { indicator: h.indicator, advisory: h.advisory, file: h.file, line: h.line, severity: h.severity },
    });
  }
  const ids = [...drafts.keys()];
  const rules = [...drafts.values()].map((r) => ({
    id: r.id,
    name: pascal(r.title),
    shortDescription: { text: clean(r.title) },
    fullDescription: {
      text: clean(
        `${r.title}${r.about ? ` (${r.about})` : ''}${r.cves.size > 1 || (r.cves.size === 1 && !r.title.includes([...r.cves][0]!)) ? `; CVEs: ${[...r.cves].join(', ')}` : ''}.`,
      ),
    },
    help: ruleHelp(r),
    helpUri: r.helpUri!,
    defaultConfiguration: { level: r.levels.has('error') ? 'error' : r.levels.has('warning') ? 'warning' : 'note' },
    properties: {
      tags: ['security', 'exchange', ...r.cves],
      precision: r.levels.size === 1 && r.levels.has('note') && r.checkId !== 'ioc' ? 'low' : 'high',
      'security-severity': SECURITY_SEVERITY[r.severity],
    },
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'exaudit', semanticVersion: doc.tool.version, informationUri: INFORMATION_URI, rules },
        },
        automationDetails: { id: `exaudit/${doc.command}/` },
        invocations: [{ executionSuccessful: true, startTimeUtc: doc.startedAt, endTimeUtc: doc.finishedAt }],
        properties: {
          catalogVersion: doc.catalog.version,
          catalogDate: doc.catalog.date,
          ...(doc.catalog.ageDays !== undefined ? { catalogAgeDays: doc.catalog.ageDays } : {}),
          ...(doc.catalog.asOf ? { asOf: doc.catalog.asOf } : {}),
          ...(doc.catalog.stale !== undefined ? { catalogStale: doc.catalog.stale } : {}),
          waived: doc.summary.waived,
        },
        results: results.map((r) => ({ ...r, ruleIndex: ids.indexOf(r.ruleId) })),
      },
    ],
  };
}

const sarif: Renderer = {
  format: 'sarif',
  extension: 'sarif',
  description: 'SARIF 2.1.0 for GitHub code scanning',
  render: (doc, opts) => `${JSON.stringify(toSarif(doc, opts), null, 2)}\n`,
};
export default sarif;
