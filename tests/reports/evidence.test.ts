/**
 * Waivers, directive evidence (every required action mapped and judged from the findings), the evidence
 * folder with its manifest, and `exaudit verify`.
 */
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { assess } from '../../src/engine/run.js';
import { loadChecks, selectChecks } from '../../src/engine/loader.js';
import type { Check, CollectedTarget, ResultDocument } from '../../src/contract.js';
import { applyWaivers, expireWaivers, waiverWarnings } from '../../src/engine/waivers.js';
import { loadWaivers } from '../../src/engine/waivers-file.js';
import { exitCodeFor } from '../../src/engine/policy.js';
import { judgeDirectives, remainingWork } from '../../src/engine/directives.js';
import type { ActionRow } from '../../src/contract.js';
import { toMarkdown } from '../../reports/markdown.js';
import { writeEvidence, verifyEvidence } from '../../src/output/evidence.js';
import { InputError } from '../../src/util/errors.js';
import { cat, facts, AS_OF } from '../checks/_facts.js';

// Directive definitions load and validate with the catalog.
const DIRECTIVES = Object.fromEntries(cat().directives.map((d) => [d.id, d]));

let dir: string;
let checks: Check[];
let doc: ResultDocument;
let resultFile: string;

const judge = (targets: CollectedTarget[], only?: string[]) =>
  assess(targets, {
    catalog: cat(),
    checks: only ? selectChecks(checks, only, undefined) : checks,
    command: 'audit',
    startedAt: '2026-11-25T00:00:00Z',
    finishedAt: '2026-11-25T00:00:02Z',
    asOf: AS_OF,
  });
/** The build of an update on a CU, read from the catalog (never typed in here). */
const fixBuild = (update: string, product: string, cu: string) =>
  cat()
    .update(update)!
    .fixes.find((f) => f.product === product && f.cu === cu)!.build;
const cuBase = (product: string, cu: string) =>
  cat().builds.find((b) => b.product === product && b.cu === cu && !b.update)!.build;
const row = (rows: ActionRow[], action: string, target: string) =>
  rows.find((r) => r.actionId === action && r.target === target)!;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exaudit-evidence-'));
  checks = await loadChecks();
  doc = judge([
    { target: 'ex13.contoso.test', facts: { ...facts('15.0.1497.2'), collectedAt: '2026-11-24T10:00:00Z' } },
    {
      target: 'se.contoso.test',
      facts: {
        ...facts(
          cat()
            .builds.filter((b) => b.product === 'SE')
            .at(-1)!.build,
        ),
        collectedAt: '2026-11-24T10:05:00Z',
      },
    },
    { target: 'down.contoso.test', failure: { status: 'unreachable', error: 'timeout' } },
  ]);
  resultFile = join(dir, 'result.json');
  writeFileSync(resultFile, JSON.stringify(doc));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('waivers', () => {
  it('waives by fingerprint, by check and target (or "*"), reports expired and unused ones, and keeps --fail-on honest', () => {
    const ex13 = doc.targets[0]!;
    const fp = ex13.findings.find((f) => f.checkId === 'lifecycle')!.fingerprint;
    expect(exitCodeFor(doc, 'high')).toBe(1);
    const w = applyWaivers(
      doc,
      [
        { fingerprint: fp, reason: 'replacement scheduled', owner: 'ops', expires: AS_OF }, // expiry is inclusive
        {
          check: 'proxylogon',
          target: 'ex13.contoso.test',
          reason: 'isolated lab',
          owner: 'ops',
          expires: '2020-01-01',
        },
        { check: 'amsi', target: '*', reason: 'accepted for the fleet', owner: 'sec' },
        { check: 'lifecycle', target: 'nobody.contoso.test', reason: 'none', owner: 'ops' },
      ],
      AS_OF,
    );
    const f = (check: string) => w.targets[0]!.findings.find((x) => x.checkId === check)!;
    expect(f('lifecycle').waived).toEqual({ reason: 'replacement scheduled', owner: 'ops', expires: AS_OF });
    expect(f('proxylogon').waived).toBeUndefined();
    expect(f('amsi').waived).toMatchObject({ owner: 'sec' });
    expect(w.waivers!.map((x) => x.state)).toEqual(['applied', 'expired', 'applied', 'unused']);
    expect(waiverWarnings(w).join('\n')).toMatch(
      /proxylogon on ex13\.contoso\.test \(owner ops\) expired on 2020-01-01; it no longer applies/,
    );
    expect(waiverWarnings(w).join('\n')).toMatch(/lifecycle on nobody\.contoso\.test matched no open finding/);
    // proxylogon still fails at critical: the expired waiver did not hide it.
    expect(exitCodeFor(w, 'critical')).toBe(1);
    const onlyWaivable = applyWaivers(
      doc,
      doc.targets[0]!.findings.filter((x) => x.status === 'fail').map((x) => ({
        fingerprint: x.fingerprint,
        reason: 'all accepted',
        owner: 'ops',
      })),
      AS_OF,
    );
    expect(exitCodeFor(onlyWaivable, 'any')).toBe(3); // nothing counts any more, but down.contoso.test was not assessed
  });

  it('a waiver stops applying the day after it expires when a saved result is rendered again', () => {
    const fp = doc.targets[0]!.findings.find((f) => f.checkId === 'proxylogon')!.fingerprint;
    const w = applyWaivers(
      doc,
      [{ fingerprint: fp, reason: 'until the rebuild', owner: 'ops', expires: '2026-12-01' }],
      AS_OF,
    );
    expect(expireWaivers(w, '2026-12-01')).toBe(w);
    const later = expireWaivers(w, '2026-12-02');
    expect(later.targets[0]!.findings.find((f) => f.fingerprint === fp)!.waived).toBeUndefined();
    expect(later.waivers![0]!.state).toBe('expired');
    expect(later.summary.waived).toBe(0);
    const saved = join(dir, 'waived.json');
    writeFileSync(saved, JSON.stringify(w));
    const r = runCli(['report', saved, '--format', 'json', '--fail-on', 'critical', '--as-of', '2026-12-02']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/expired on 2026-12-01; it no longer applies/);
    const before = runCli(['report', saved, '--format', 'json', '--fail-on', 'none', '--as-of', '2026-11-30']);
    expect(
      (JSON.parse(before.stdout) as ResultDocument).targets[0]!.findings.find((f) => f.fingerprint === fp)!.waived,
    ).toMatchObject({ owner: 'ops' });
    expect(before.stderr).not.toMatch(/expired/);
  });

  it.each([
    [
      '- check: lifecycle\n  target: ex01\n  reason: accepted risk\n  owner: ops\n  expires: tomorrow\n',
      /0\.expires: expected YYYY-MM-DD/,
    ],
    ['- check: lifecycle\n  target: ex01\n  reason: accepted risk\n', /0\.owner: /],
    ['- check: lifecycle\n  reason: accepted risk\n  owner: ops\n', /0\.target: a check waiver needs a target/],
    [
      '- target: ex01\n  reason: accepted risk\n  owner: ops\n',
      /a waiver needs a fingerprint, or a check and a target/,
    ],
    ['- check: lifecycle\n  target: ex01\n  reason: accepted risk\n  owner: ops\n  expiry: "2027-01-01"\n', /expiry/],
  ])('rejects a malformed waivers file with the file and the field (%#)', (yaml, message) => {
    const f = join(dir, 'w.yaml');
    writeFileSync(f, yaml);
    expect(() => loadWaivers(f)).toThrow(InputError);
    expect(() => loadWaivers(f)).toThrow(message);
    const r = runCli(['report', resultFile, '--waivers', f, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--waivers .*w\.yaml/);
  });

  it('shows waived findings as waived in every format, and SARIF leaves them out', () => {
    const f = join(dir, 'waivers.yaml');
    writeFileSync(
      f,
      '- check: lifecycle\n  target: ex13.contoso.test\n  reason: replacement in January\n  owner: mail-team\n  expires: "2027-01-31"\n',
    );
    const out = join(dir, 'waived-out');
    const r = runCli([
      'report',
      resultFile,
      '--waivers',
      f,
      '--format',
      'json,markdown,html,csv,junit,sarif',
      '--output',
      out,
      '--fail-on',
      'none',
      '--as-of',
      AS_OF,
    ]);
    expect(r.code).toBe(3);
    const json = JSON.parse(readFileSync(join(out, 'exaudit.json'), 'utf8')) as ResultDocument;
    expect(json.targets[0]!.findings.find((x) => x.checkId === 'lifecycle')!.waived).toEqual({
      reason: 'replacement in January',
      owner: 'mail-team',
      expires: '2027-01-31',
    });
    expect(readFileSync(join(out, 'exaudit.md'), 'utf8')).toMatch(
      /\| waived \(fail\); waived: replacement in January; owner mail-team; until 2027-01-31 \| high \| Supported version: /,
    );
    expect(readFileSync(join(out, 'exaudit.html'), 'utf8')).toMatch(
      /class="st-waived nw">waived \(fail\)<br><small>waived: replacement in January; owner mail-team; until 2027-01-31/,
    );
    expect(readFileSync(join(out, 'exaudit.csv'), 'utf8')).toMatch(
      /ex13\.contoso\.test,lifecycle,fail,high,out-of-support,.*replacement in January \(owner mail-team; until 2027-01-31\)/,
    );
    expect(readFileSync(join(out, 'exaudit.junit.xml'), 'utf8')).toMatch(
      /<skipped message="waived \(fail\): replacement in January; owner mail-team; until 2027-01-31"/,
    );
    const sarif = JSON.parse(readFileSync(join(out, 'exaudit.sarif'), 'utf8'));
    expect(
      sarif.runs[0].results.filter(
        (x: { properties: { target: string; code: string } }) =>
          x.properties.target === 'ex13.contoso.test' && x.properties.code === 'out-of-support',
      ),
    ).toEqual([]);
    expect(sarif.runs[0].properties.waived).toBe(1);
  });
});

describe('directive definitions', () => {
  // Every required action in shared/reference/directives.md §1.1-1.5, with the directive's own due dates.
  const expected: Record<string, [string, string | undefined][]> = {
    'ed-21-02': [
      ['Action 1', undefined],
      ['Action 1', undefined],
      ['Action 1', '2021-04-16'],
      ['Action 2', undefined],
      ['Action 3', undefined],
      ['Action 4', undefined],
      ['Action 5', '2021-03-05'],
      ['Supplemental Direction v1, forensic triage 1', '2021-04-05'],
      ['Supplemental Direction v1, forensic triage 2', '2021-04-05'],
      ...[1, 2, 3, 4, 5, 6, 7].map(
        (n) => [`Supplemental Direction v1, hardening ${n}`, '2021-06-28'] as [string, string],
      ),
      ['Supplemental Direction v1, reporting', '2021-06-28'],
      ['Supplemental Direction v2, Action 1', '2021-04-16'],
      ['Supplemental Direction v2, Action 2', '2021-04-16'],
      ['Supplemental Direction v2, Action 3', '2021-04-16'],
      ['Supplemental Direction v2, Action 4', undefined],
    ],
    'ed-25-02': [
      ['Step 1', '2025-08-11'],
      ['Step 2', '2025-08-11'],
      ['Step 3', '2025-08-11'],
      ['Step 4', '2025-08-11'],
      ['Reporting', '2025-08-11'],
    ],
    'bod-22-01': [
      ['Remediation', undefined],
      ['Procedures', '2022-01-02'],
      ['Reporting', undefined],
    ],
  };

  it('lists every required action of ED 21-02 (with both supplemental directions), ED 25-02 and BOD 22-01 with its due date', () => {
    expect(Object.keys(DIRECTIVES).sort()).toEqual(Object.keys(expected).sort());
    for (const [id, actions] of Object.entries(expected)) {
      expect(
        DIRECTIVES[id]!.actions.map((a) => [a.ref, a.due]),
        id,
      ).toEqual(actions);
    }
    expect(DIRECTIVES['ed-21-02']!.actions.find((a) => a.id === 'sd2-a1-april-updates')!.dueText).toBe('00:01 EDT');
    expect(DIRECTIVES['ed-25-02']!.verified).toBe(false); // its actions come from secondary reporting
  });

  it('maps actions only to checks, updates, CVEs and sources that exist', () => {
    const ids = new Set(checks.map((c) => c.meta.id));
    const sources = Object.keys(
      (parseYaml(readFileSync(join(import.meta.dirname, '../../rules/catalog.yaml'), 'utf8')) as { sources: object })
        .sources,
    );
    for (const d of Object.values(DIRECTIVES)) {
      for (const s of d.sources) expect(sources, `${d.id} source ${s}`).toContain(s);
      for (const a of d.actions) {
        expect(
          a.evidence.length + (a.eligible ? 1 : 0) + (a.ioc ? 1 : 0) + (a.manual ? 1 : 0),
          `${d.id} ${a.id} has no evidence`,
        ).toBeGreaterThan(0);
        for (const e of a.evidence as { check: string; updates?: string[]; cves?: string[] }[]) {
          expect(ids, `${d.id} ${a.id}`).toContain(e.check);
          for (const u of e.updates ?? []) expect(cat().update(u), `${d.id} ${a.id} ${u}`).toBeDefined();
          for (const c of e.cves ?? []) expect(cat().cve(c), `${d.id} ${a.id} ${c}`).toBeDefined();
        }
        if (a.eligible) expect(cat().update(a.eligible.update)).toBeDefined();
        if (a.appliesIf) expect(ids).toContain(a.appliesIf);
      }
    }
  });
});

describe('directive status per server', () => {
  const ed21 = () => DIRECTIVES['ed-21-02']!;
  const status = (d: ResultDocument, id = 'ed-21-02') => judgeDirectives(d, [DIRECTIVES[id]!], cat(), AS_OF)[0]!.rows;

  it('ED 21-02: the March and April 2021 updates are judged from the CVEs they fix; manual actions need attestation', () => {
    const mar21 = fixBuild('Mar21SU', '2013', 'CU23');
    const apr21 = fixBuild('Apr21SU', '2013', 'CU23');
    const d = judge([
      { target: 'rtm', facts: facts(cuBase('2013', 'CU23')) },
      { target: 'mar21', facts: facts(mar21) },
      { target: 'apr21', facts: facts(apr21) },
      { target: 'gone', failure: { status: 'unreachable', error: 'connect ECONNREFUSED' } },
    ]);
    const rows = status(d);
    expect(['rtm', 'mar21', 'apr21', 'gone'].map((t) => row(rows, 'a1-patch', t).status)).toEqual([
      'not met',
      'met',
      'met',
      'not assessed',
    ]);
    expect(['rtm', 'mar21', 'apr21', 'gone'].map((t) => row(rows, 'sd2-a1-april-updates', t).status)).toEqual([
      'not met',
      'not met',
      'met',
      'not assessed',
    ]);
    expect(row(rows, 'sd2-a1-april-updates', 'mar21').summary).toMatch(
      /CVE-2021-(28480|28481|28482|28483|34473|34523)/,
    );
    expect(row(rows, 'sd2-a1-april-updates', 'apr21').facts[0]).toEqual({
      fact: 'exchange.build',
      observed: apr21,
      source: 'ExSetup.exe FileVersion (precision exact)',
    });
    expect(row(rows, 'sd1-h4-identity', 'apr21').status).toBe('needs attestation');
    expect(row(rows, 'sd1-h2-updates', 'apr21').status).toBe('not met'); // later updates are missing
    expect(rows).toHaveLength(ed21().actions.length * 4);
    const todo = remainingWork(ed21(), rows, AS_OF);
    const patch = todo.find((x) => x.actionIds.includes('sd2-a1-april-updates') && x.status === 'not met')!;
    expect(patch.targets.sort()).toEqual(['mar21', 'rtm']);
    expect(patch).toMatchObject({ by: '2021-04-16', overdue: true });
  });

  it('never says met without evidence: a check that did not run, a CU-level build, a waived failure', () => {
    const noCve = judge([{ target: 'a', facts: facts(cuBase('2013', 'CU23')) }], ['exchange-build', 'lifecycle']);
    expect(row(status(noCve), 'sd2-a1-april-updates', 'a')).toMatchObject({
      status: 'not assessed',
      summary: expect.stringMatching(/cve-exposure .*was not run/),
    });
    const cuOnly = judge([{ target: 'b', facts: facts('15.2.1544', {}, 'cu') }]);
    expect(row(status(cuOnly, 'bod-22-01'), 'kev-remediate', 'b').status).toBe('indeterminate');
    const open = judge([{ target: 'c', facts: facts(cuBase('2013', 'CU23')) }]);
    const waived = applyWaivers(
      open,
      open.targets[0]!.findings.filter((f) => f.status === 'fail').map((f) => ({
        fingerprint: f.fingerprint,
        reason: 'accepted',
        owner: 'ops',
      })),
      AS_OF,
    );
    expect(row(status(waived), 'a1-patch', 'c')).toMatchObject({
      status: 'waived',
      summary: expect.stringMatching(/Waived: accepted \(owner ops, until no expiry\)/),
    });
  });

  it('ED 25-02: CU eligibility for the April 2025 HU, and the hybrid steps only where hybrid is configured', () => {
    const notHybrid = { hybrid: { source: 'Get-HybridConfiguration', configured: false } };
    const d = judge([
      { target: 'cu22', facts: facts(cuBase('2016', 'CU22'), notHybrid as never) },
      { target: 'cu23', facts: facts(fixBuild('Apr25HU', '2016', 'CU23')) },
      { target: 'ex13', facts: facts(cuBase('2013', 'CU23')) },
      { target: 'se', facts: facts(cuBase('SE', 'RTM')) },
      {
        target: 'product',
        facts: {
          target: { name: 'product' },
          exchange: { product: '2019', precision: 'product', source: 'OWA resource path' },
        } as never,
      },
    ]);
    const rows = status(d, 'ed-25-02');
    expect(['cu22', 'cu23', 'ex13', 'se', 'product'].map((t) => row(rows, 'step2-disconnect', t).status)).toEqual([
      'not met',
      'met',
      'not met',
      'met',
      'indeterminate',
    ]);
    expect(row(rows, 'step2-disconnect', 'cu22').facts).toContainEqual({
      fact: 'exchange.cu',
      observed: expect.stringMatching(/^Exchange 2016 CU22/),
      source: 'rules/builds.json',
    });
    expect(row(rows, 'step3-hotfix', 'cu22').status).toBe('not applicable');
    expect(row(rows, 'step4-hybrid-app', 'cu22').status).toBe('not applicable');
    expect(row(rows, 'step3-hotfix', 'cu23').status).toBe('met');
    expect(row(rows, 'step4-hybrid-app', 'cu23').status).toBe('indeterminate'); // hybrid state not collected
    expect(toMarkdown({ ...d, directives: judgeDirectives(d, [DIRECTIVES['ed-25-02']!], cat(), AS_OF) })).toMatch(
      /secondary reporting/,
    );
  });

  it('BOD 22-01: open KEV CVEs with their KEV due dates; non-KEV CVEs do not count', () => {
    const d = judge([{ target: 'rtm', facts: facts(cuBase('2013', 'CU23')) }]);
    const r = row(status(d, 'bod-22-01'), 'kev-remediate', 'rtm');
    expect(r.status).toBe('not met');
    const kev = cat().cves.filter((c) => c.kev && r.kevDue.some((k) => k.cve === c.id));
    expect(kev.length).toBe(r.kevDue.length);
    expect(r.kevDue).toContainEqual({ cve: 'CVE-2021-26855', due: cat().cve('CVE-2021-26855')!.kev!.dueDate });
    const by = remainingWork(DIRECTIVES['bod-22-01']!, [r], AS_OF)[0]!.by;
    expect(by).toBe(
      r.kevDue
        .map((k) => k.due)
        .filter(Boolean)
        .sort()[0],
    );
  });

  const hit = (file: string, target?: string) => ({
    indicator: 'proxylogon-ssrf-cookie',
    advisory: 'CVE-2021-26855 (ProxyLogon)',
    severity: 'critical' as const,
    file,
    line: 7,
    excerpt: 'x',
    ...(target ? { target } : {}),
  });
  const sweep = (target: string, files = 3, extra: object = {}) => ({
    target,
    source: 'local' as const,
    paths: ['/triage'],
    files,
    lines: files * 10,
    hits: 0,
    ...extra,
  });
  const withIoc = (hits: ReturnType<typeof hit>[], sweeps?: ReturnType<typeof sweep>[]) => ({
    ...doc,
    ioc: {
      summary: { files: 3, bytes: 10, lines: 30, malformedLines: 0, hits: hits.length },
      hits,
      ...(sweeps ? { sweeps } : {}),
    },
  });

  it('indicator actions: "action required" only where hits are attributed, "met" only where a sweep read the server', () => {
    // A remote sweep's hit names its server in the file ("server:path"); a local one with --target in `target`.
    for (const h of [hit('ex13.contoso.test:C:/Logs/HttpProxy/x.log'), hit('/triage/x.log', 'ex13.contoso.test')]) {
      const rows = status(withIoc([h], [sweep('ex13.contoso.test'), sweep('se.contoso.test')]));
      expect(row(rows, 'a1-triage', 'ex13.contoso.test').status).toBe('not met');
      expect(row(rows, 'a3-disconnect', 'ex13.contoso.test').status).toBe('action required');
      expect(row(rows, 'a4-report-incident', 'ex13.contoso.test').status).toBe('action required');
      // se was swept too, and its files were clean: the trigger did not fire there.
      expect(row(rows, 'a3-disconnect', 'se.contoso.test')).toMatchObject({
        status: 'met',
        summary: expect.stringMatching(/read 3 of this server's files and found no indicator/),
      });
      // Triage has a manual part (memory, registry): clean logs are not the whole of it.
      expect(row(rows, 'a1-triage', 'se.contoso.test').status).toBe('needs attestation');
    }
    // A server no sweep covered needs evidence, whatever the other servers showed.
    const partial = status(withIoc([hit('/triage/x.log', 'ex13.contoso.test')], [sweep('ex13.contoso.test')]));
    expect(row(partial, 'a3-disconnect', 'se.contoso.test')).toMatchObject({
      status: 'needs evidence',
      summary: expect.stringMatching(/No sweep in this result read this server's files/),
    });
    // No sweep at all.
    expect(row(status(doc), 'a3-disconnect', 'ex13.contoso.test')).toMatchObject({
      status: 'needs evidence',
      summary: expect.stringMatching(/No indicator sweep is part of this result/),
    });
    // A sweep that read nothing, or could not read some files, clears nobody.
    expect(row(status(withIoc([], [sweep('se.contoso.test', 0)])), 'a3-disconnect', 'se.contoso.test').status).toBe(
      'needs evidence',
    );
    expect(
      row(status(withIoc([], [sweep('se.contoso.test', 3, { unreadable: 1 })])), 'a3-disconnect', 'se.contoso.test')
        .status,
    ).toBe('needs evidence');
  });

  it('unattributed hits make every in-scope server "needs evidence" for the indicator actions, never "met"', () => {
    const d = withIoc([hit('/triage/x.log')], [sweep('ex13.contoso.test'), sweep('se.contoso.test')]);
    const [ed] = judgeDirectives(d, [ed21()], cat(), AS_OF);
    for (const t of ['ex13.contoso.test', 'se.contoso.test'])
      for (const a of ['a1-triage', 'a3-disconnect', 'a4-report-incident', 'sd2-a4-incidents'])
        expect(row(ed!.rows, a, t), `${a} ${t}`).toMatchObject({
          status: 'needs evidence',
          summary: expect.stringMatching(/not attributed to any server/),
        });
    expect(ed!.notes.join('\n')).toMatch(/1 indicator hit was found in files not attributed to any server/);
  });

  it('a target that is not on-premises Exchange, or was not reached, gets no judged status for any action', () => {
    const d = judge([
      { target: 'ex13', facts: facts(cuBase('2013', 'CU23')) },
      {
        target: 'exo',
        facts: { target: { name: 'exo' }, exchange: { online: true, source: 'X-FEServer header' } } as never,
      },
      {
        target: 'nginx',
        facts: { target: { name: 'nginx' }, exchange: { notExchange: 'Server: nginx', source: 'GET /owa/' } } as never,
      },
      { target: 'down', failure: { status: 'unreachable', error: 'connect ECONNREFUSED' } },
    ]);
    const withSweep = {
      ...d,
      ioc: {
        summary: { files: 3, bytes: 1, lines: 3, malformedLines: 0, hits: 0 },
        hits: [],
        sweeps: ['ex13', 'exo', 'nginx', 'down'].map((t) => sweep(t)),
      },
    };
    for (const id of ['ed-21-02', 'ed-25-02', 'bod-22-01']) {
      const [ed] = judgeDirectives(withSweep, [DIRECTIVES[id]!], cat(), AS_OF);
      for (const a of DIRECTIVES[id]!.actions) {
        expect(row(ed!.rows, a.id, 'exo').status, `${id} ${a.id}`).toBe('not applicable');
        expect(row(ed!.rows, a.id, 'nginx').status, `${id} ${a.id}`).toBe('not applicable');
        expect(row(ed!.rows, a.id, 'down').status, `${id} ${a.id}`).toBe('not assessed');
      }
      expect(ed!.servers.map((x) => x.scope)).toEqual(['in scope', 'out of scope', 'out of scope', 'not assessed']);
      expect(ed!.remaining.flatMap((x) => x.targets)).not.toContain('exo');
    }
    const [ed] = judgeDirectives(withSweep, [ed21()], cat(), AS_OF);
    expect(row(ed!.rows, 'a1-patch', 'exo').summary).toMatch(/Out of scope: Exchange Online/);
    expect(ed!.notes.join('\n')).toMatch(/2 targets are not on-premises Exchange \(exo, nginx\)/);
  });
});

describe('report --directive --output DIR, and verify', () => {
  let out: string;
  beforeAll(() => {
    out = join(dir, 'evidence');
    const r = runCli([
      'report',
      resultFile,
      '--directive',
      'ed-21-02',
      '--format',
      'html',
      '--output',
      out,
      '--fail-on',
      'none',
      '--as-of',
      AS_OF,
    ]);
    expect(r.code, r.stderr).toBe(3); // one server was unreachable and nothing reached --fail-on
  });

  it('writes the evidence an agency files: scope, each action per server with facts, sources and times, versions, what remains', () => {
    expect(readdirSync(out).sort()).toEqual(['SHA256SUMS', 'exaudit.html', 'manifest.json']);
    const html = readFileSync(join(out, 'exaudit.html'), 'utf8');
    expect(html).toContain('connected to the Internet, directly or indirectly, at any time since 2021-01-01'); // scope
    expect(html).toContain(`exaudit ${doc.tool.version}`);
    expect(html).toContain(`${doc.catalog.version} (${doc.catalog.date}), sha256 ${doc.catalog.sha256}`);
    for (const a of DIRECTIVES['ed-21-02']!.actions)
      expect(html).toContain(`${a.ref}: ${a.title}`.replace(/'/g, '&#39;'));
    // Each server's rows: the action, its status, why, and the facts (the build is stated once, above them).
    expect(html).toMatch(
      /<details id="server-ex13\.contoso\.test">.*precision exact \(ExSetup\.exe FileVersion\).*<a href="#act-ed-21-02-a1-patch">a1-patch<\/a><br><small>Action 1<\/small><\/td><td class="st-not-met nw">not met<\/td><td>proxylogon: /s,
    );
    expect(html).toContain('2026-11-24T10:00:00Z'); // collection time
    expect(html).toMatch(/<h3 id="remaining-ed-21-02">What remains, and by when<\/h3>.*2021-04-16, overdue/s);
    expect(html).toMatch(/<strong>not assessed:<\/strong> down\.contoso\.test <small>\(not reached: timeout\)/);
    // The verdicts are in the result, for every format and for anyone who reads the JSON.
    const json = runCli(['report', resultFile, '--directive', 'ed-21-02', '--format', 'json', '--fail-on', 'none']);
    const judged = (JSON.parse(json.stdout) as ResultDocument).directives![0]!;
    expect(judged.id).toBe('ed-21-02');
    expect(judged.rows).toHaveLength(DIRECTIVES['ed-21-02']!.actions.length * 3);
    expect(judged.rows.find((r) => r.actionId === 'a1-patch' && r.target === 'ex13.contoso.test')!.status).toBe(
      'not met',
    );
  });

  it('verify passes on the fresh folder, and sha256sum -c agrees', () => {
    const v = runCli(['verify', out]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^intact: .*evidence \(manifest sha256 [0-9a-f]{64}\)$/m);
    const sums = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
    expect(sums.status, sums.stdout + sums.stderr).toBe(0);
  });

  it('fails on any changed byte, in any file, and names the file that changed', () => {
    const html = join(out, 'exaudit.html');
    const size = readFileSync(html).length;
    for (const name of ['exaudit.html', 'manifest.json', 'SHA256SUMS']) {
      const file = join(out, name);
      const original = readFileSync(file);
      // Every byte of the manifest and the sums file, and bytes spread over the report.
      const step = name === 'exaudit.html' ? Math.max(1, Math.floor(size / 97)) : 1;
      for (let at = 0; at < original.length; at += step) {
        const changed = Buffer.from(original);
        changed[at] = changed[at]! ^ 0x01; // one bit of one byte; same size
        writeFileSync(file, changed);
        const v = verifyEvidence(out);
        expect(v.ok, `${name}@${at}`).toBe(false);
        const named = [...v.changed, ...v.missing];
        if (name === 'exaudit.html') expect(named, `${name}@${at}`).toEqual(['exaudit.html']);
        else {
          expect(
            named.some((n) => n === name || n.startsWith('manifest.json or SHA256SUMS')),
            `${name}@${at}: ${named.join(', ')}`,
          ).toBe(true);
          expect(named, `${name}@${at}`).not.toContain('exaudit.html'); // the report itself is intact
        }
      }
      writeFileSync(file, original);
      expect(verifyEvidence(out).ok).toBe(true);
    }
    // And through the CLI: exit 1, the file named.
    const original = readFileSync(html);
    const changed = Buffer.from(original);
    changed[Math.floor(changed.length / 2)] ^= 0x01;
    writeFileSync(html, changed);
    const v = runCli(['verify', out]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/^changed {2}exaudit\.html$/m);
    expect(v.stdout).toMatch(/^NOT intact/m);
    writeFileSync(html, original);
    expect(runCli(['verify', out]).code).toBe(0);
  });

  it('names added and removed files', () => {
    const copy = join(dir, 'evidence-copy');
    const m = writeEvidence(copy, { 'a.md': '# a\n', 'sub/b.json': '{}\n' }, 'test');
    expect(m.files.map((f) => f.path)).toEqual(['a.md', 'sub/b.json']);
    expect(verifyEvidence(copy).ok).toBe(true);
    writeFileSync(join(copy, 'extra.txt'), 'x');
    unlinkSync(join(copy, 'sub/b.json'));
    const v = runCli(['verify', copy]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/^missing {2}sub\/b\.json$/m);
    expect(v.stdout).toMatch(/^extra {4}extra\.txt$/m);
    appendFileSync(join(copy, 'a.md'), ' ');
    expect(runCli(['verify', copy]).stdout).toMatch(/^changed {2}a\.md$/m);
  });

  it('refuses what is not an evidence folder with one line and exit 2', () => {
    for (const target of [dir, join(dir, 'nope')]) {
      const v = runCli(['verify', target]);
      expect(v.code).toBe(2);
      expect(v.stderr.trim().split('\n')).toHaveLength(1);
    }
    const bad = runCli(['report', resultFile, '--directive', 'ed-99-99', '--output', join(dir, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(
      /--directive ed-99-99: the catalog has no such directive \(choose bod-22-01, ed-21-02, ed-25-02\)/,
    );
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('--evidence or --directive with no --format writes html, markdown and json', () => {
    const o = join(dir, 'ev2');
    expect(runCli(['report', resultFile, '--evidence', '--output', o, '--fail-on', 'none']).code).toBe(3);
    expect(readdirSync(o).sort()).toEqual([
      'SHA256SUMS',
      'exaudit.html',
      'exaudit.json',
      'exaudit.md',
      'manifest.json',
    ]);
    expect(runCli(['verify', o]).code).toBe(0);
  });

  it('renders a saved result in another format, merges shards, and rejects a file that is not a result', () => {
    const s = runCli(['report', resultFile, '--format', 'sarif', '--fail-on', 'none']);
    expect(JSON.parse(s.stdout).version).toBe('2.1.0');
    // The same result twice: each server once.
    const m = runCli(['report', resultFile, resultFile, '--merge', '--format', 'json', '--fail-on', 'none']);
    expect((JSON.parse(m.stdout) as ResultDocument).targets.map((t) => t.target)).toEqual(
      doc.targets.map((t) => t.target),
    );
    // The same server with a different result in two files: refused, naming both.
    const other = join(dir, 'other.json');
    const changed = structuredClone(doc);
    changed.targets[0]!.findings[0]!.status = 'pass';
    writeFileSync(other, JSON.stringify(changed));
    const twice = runCli(['report', resultFile, other, '--merge', '--format', 'json']);
    expect(twice.code).toBe(2);
    expect(twice.stderr.trim().split('\n')).toHaveLength(1);
    expect(twice.stderr).toMatch(
      /ex13\.contoso\.test is in .*result\.json and in .*other\.json with different results/,
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const r = runCli(['report', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: .*not an exaudit result document/);
  });
});
