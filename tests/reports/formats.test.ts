/**
 * SARIF (GitHub's ingestion rules and the OASIS 2.1.0 schema), JUnit (parsed back and counted), CSV (RFC 4180
 * read back, formula neutralisation), and --format/--output with several formats from scan, audit and ioc.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assess } from '../../src/engine/run.js';
import { loadChecks } from '../../src/engine/loader.js';
import type { Finding, IocHit, ResultDocument } from '../../src/contract.js';
import { toSarif, artifactUri } from '../../reports/sarif.js';
import { toJunit } from '../../reports/junit.js';
import { csvCell, toCsv, CSV_COLUMNS } from '../../reports/csv.js';
import { mergeResults } from '../../src/engine/merge.js';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { cat, facts, AS_OF } from '../checks/_facts.js';

const ROOT = join(import.meta.dirname, '../..');
let dir: string;
let doc: ResultDocument;
let iocDoc: ResultDocument;

const hit = (over: Partial<IocHit> = {}): IocHit => ({
  indicator: 'proxylogon-ssrf-cookie',
  advisory: 'CVE-2021-26855 (ProxyLogon)',
  severity: 'critical',
  file: 'logs/HttpProxy/Ecp/x.LOG',
  line: 4,
  excerpt: 'GET /ecp/y.js',
  ...over,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exaudit-formats-'));
  const f = facts('15.0.1497.2');
  f.target.inventoryFile = 'inventory/exchange.yaml';
  f.target.inventoryLine = 12;
  doc = assess(
    [
      { target: 'ex2013.contoso.test', facts: f },
      { target: 'ex-cu.contoso.test', facts: facts('15.2.1544', {}, 'cu') },
      { target: 'down.contoso.test', failure: { status: 'unreachable', error: 'connect ECONNREFUSED' } },
    ],
    {
      catalog: cat(),
      checks: await loadChecks(),
      command: 'audit',
      startedAt: '2026-11-25T00:00:00Z',
      finishedAt: '2026-11-25T00:00:01Z',
      asOf: AS_OF,
    },
  );
  iocDoc = {
    ...doc,
    command: 'ioc',
    targets: [],
    ioc: {
      summary: { files: 2, bytes: 100, lines: 20, malformedLines: 0, hits: 3 },
      hits: [
        hit(),
        hit({ file: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Logging\\HttpProxy\\Ecp\\a b.LOG', line: 9 }),
        hit({
          file: 'ex2013.contoso.test:C:/Logs/ECP/Server/e.LOG',
          line: 2,
          indicator: 'proxylogon-ecp-set-vdir-script',
          excerpt: '=cmd|" /C calc"!A0',
        }),
      ],
    },
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface SarifRun {
  tool: {
    driver: {
      rules: {
        id: string;
        helpUri: string;
        help: { text: string; markdown: string };
        name: string;
        shortDescription: { text: string };
        fullDescription: { text: string };
        defaultConfiguration: { level: string };
        properties: Record<string, unknown>;
      }[];
    };
  };
  results: {
    ruleId: string;
    ruleIndex: number;
    level: string;
    message: { text: string };
    locations: {
      physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
      logicalLocations: { name: string }[];
    }[];
    partialFingerprints: Record<string, string>;
    properties: Record<string, string>;
  }[];
  properties: Record<string, unknown>;
}
const runOf = (d: ResultDocument, opts = {}) => (toSarif(d, opts) as { runs: SarifRun[] }).runs[0]!;

describe('SARIF', () => {
  it('follows the GitHub ingestion rules: each rule once with help and helpUri, valid indexes and levels, a location on every result', () => {
    const run = runOf(doc);
    const ids = run.tool.driver.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(run.results.length).toBeGreaterThan(10);
    for (const r of run.tool.driver.rules) {
      expect(r.helpUri, r.id).toMatch(/^https:\/\/\S+$/);
      expect(r.help.text.length, r.id).toBeGreaterThan(20);
      // Rule help is about the rule, not one server: no server name in it.
      for (const t of doc.targets) expect(r.help.text, r.id).not.toContain(t.target);
      expect(['error', 'warning', 'note']).toContain(r.defaultConfiguration.level);
      expect(String(r.properties['security-severity'])).toMatch(/^\d+\.\d$/);
    }
    for (const r of run.results) {
      expect(ids[r.ruleIndex]).toBe(r.ruleId);
      expect(['error', 'warning', 'note']).toContain(r.level);
      const loc = r.locations[0]!;
      expect(loc.physicalLocation.artifactLocation.uri).toMatch(/^(?![a-z]+:)\S+$/i);
      expect(loc.physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
      expect(r.partialFingerprints['exauditFinding/v1']).toMatch(/^[0-9a-f]{32}$/);
    }
    const pl = run.results.find((r) => r.ruleId === 'cve-exposure/CVE-2021-26855')!;
    expect(pl.level).toBe('error');
    expect(pl.locations[0]!.physicalLocation).toMatchObject({
      artifactLocation: { uri: 'inventory/exchange.yaml' },
      region: { startLine: 12 },
    });
    expect(pl.locations[0]!.logicalLocations[0]!.name).toBe('ex2013.contoso.test');
    expect(run.tool.driver.rules[pl.ruleIndex]!.helpUri).toBe(
      'https://msrc.microsoft.com/update-guide/vulnerability/CVE-2021-26855',
    );
    expect(run.results.some((r) => r.ruleId.startsWith('cve-exposure/') && r.level === 'note')).toBe(true); // CU-level indeterminate
    const down = run.results.find((r) => r.properties['target'] === 'down.contoso.test')!;
    expect(down).toMatchObject({
      ruleId: 'collection/unreachable',
      level: 'warning',
      message: { text: 'down.contoso.test: not assessed (unreachable): connect ECONNREFUSED' },
    });
    expect(down.locations[0]!.physicalLocation.artifactLocation.uri).toBe('exchange/down.contoso.test');
    // The same finding has the same fingerprint in a later run; passes are not results.
    expect(runOf(doc).results.map((r) => r.partialFingerprints['exauditFinding/v1'])).toEqual(
      run.results.map((r) => r.partialFingerprints['exauditFinding/v1']),
    );
    expect(run.results.filter((r) => r.properties['status'] === 'pass')).toEqual([]);
  });

  it("names and describes rules from the catalog's titles; a lifecycle result's observed value differs from the expected one", () => {
    const run = runOf(doc);
    const rule = (id: string) => run.tool.driver.rules.find((r) => r.id === id)!;
    const pl = rule('cve-exposure/CVE-2021-26855');
    const title = cat().cve('CVE-2021-26855')!.title!;
    expect(pl.shortDescription.text).toBe(`CVE-2021-26855: ${title}`);
    expect(pl.fullDescription.text).toMatch(
      new RegExp(`^CVE-2021-26855: ${title} \\(CVSS [0-9.]+, in CISA KEV\\)\\.$`),
    );
    expect(pl.name).toMatch(/^CVE202126855Microsoft[A-Za-z0-9]+$/); // an identifier of the title, as SARIF validators ask
    // No rule is described by its id alone any more.
    for (const r of run.tool.driver.rules) {
      expect(r.shortDescription.text, r.id).not.toBe(r.id.split('/').at(-1));
      expect(r.fullDescription.text, r.id).not.toMatch(/^(CVE-\d+-\d+) \(\1\)$/);
      expect(r.name, r.id).toMatch(/^[A-Z][A-Za-z0-9]*$/);
    }
    const life = run.results.find((r) => r.ruleId === 'lifecycle/out-of-support')!;
    const m = /Observed (\S+): (.+); expected: (.+)\.$/.exec(life.message.text)!;
    expect(m[1]).toBe('lifecycle');
    expect(m[2]).not.toBe(m[3]);
    const f = doc.targets[0]!.findings.find((x) => x.checkId === 'lifecycle' && x.status === 'fail')!;
    expect(f.evidence[0]).toMatchObject({ fact: 'lifecycle', source: 'rules/products.yaml' });
    expect(f.evidence[0]!.observed).not.toEqual(f.evidence[0]!.expected);
  });

  it('gives an interim mitigation a warning at most, and cites --inventory-file lines for servers their facts do not place', () => {
    const f: Finding = {
      ...doc.targets[0]!.findings.find((x) => x.status === 'fail' && x.severity === 'critical')!,
      status: 'mitigated',
    };
    const mitigated = { ...doc, targets: [{ ...doc.targets[0]!, findings: [f] }] };
    expect(runOf(mitigated).results[0]!.level).toBe('warning');
    const lines = { 'ex-cu.contoso.test': 7 };
    const run = runOf(doc, { inventoryFile: 'ops/fleet hosts.yaml', inventoryLines: lines });
    const cu = run.results.find((r) => r.properties['target'] === 'ex-cu.contoso.test')!;
    expect(cu.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'ops/fleet%20hosts.yaml' },
      region: { startLine: 7 },
    });
    expect(artifactUri('C:\\inv\\fleet.yaml')).toBe('file:///C:/inv/fleet.yaml');
    expect(artifactUri('/srv/inv/fleet.yaml')).toBe('file:///srv/inv/fleet.yaml');
  });

  it('reports indicator hits on the log line, the host as logical location when the hit came over SSH', () => {
    const run = runOf(iocDoc);
    expect(run.results).toHaveLength(3);
    const [local, windows, remote] = run.results;
    expect(local!.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'logs/HttpProxy/Ecp/x.LOG' },
      region: { startLine: 4 },
    });
    expect(windows!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
      'ioc/C/Program%20Files/Microsoft/Exchange%20Server/V15/Logging/HttpProxy/Ecp/a%20b.LOG',
    );
    const withHost = runOf({
      ...iocDoc,
      targets: [{ target: 'ex2013.contoso.test', status: 'assessed', findings: [] }],
    }).results[2]!;
    expect(withHost.locations[0]!.logicalLocations[0]!.name).toBe('ex2013.contoso.test');
    expect(withHost.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'ioc/ex2013.contoso.test/C/Logs/ECP/Server/e.LOG' },
      region: { startLine: 2 },
    });
    expect(remote!.ruleId).toBe('ioc/proxylogon-ecp-set-vdir-script');
    expect(local!.level).toBe('error');
  });

  it('validates against the official SARIF 2.1.0 schema (ajv), which would catch a bad level', async () => {
    const Ajv = (await import('ajv')).default;
    const addFormats = (await import('ajv-formats')).default as unknown as (a: unknown) => void;
    // The schema is draft-04; ajv 8 reads it once the draft-04 "id" is spelled "$id" and its $schema is dropped.
    const {
      id,
      $schema: _draft,
      ...rest
    } = JSON.parse(readFileSync(join(ROOT, 'fixtures/sarif/sarif-2.1.0-rtm.5.json'), 'utf8'));
    // unicodeRegExp off: the schema's language pattern has a stray ']' that only non-unicode regexes accept.
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile({ $id: id, ...rest });
    for (const d of [doc, iocDoc, mergeResults([doc, iocDoc])]) {
      const s = JSON.parse(
        JSON.stringify(toSarif(d, { inventoryFile: 'inv/a b.yaml', inventoryLines: { 'ex-cu.contoso.test': 3 } })),
      );
      expect(validate(s) ? [] : validate.errors).toEqual([]);
    }
    const bad = toSarif(doc) as { runs: { results: { level: string }[] }[] };
    bad.runs[0]!.results[0]!.level = 'bogus';
    expect(validate(bad)).toBe(false);
  });
});

describe('JUnit', () => {
  type Case = { '@_name': string; '@_classname': string; failure?: unknown; error?: unknown; skipped?: unknown };
  type Suite = {
    '@_name': string;
    '@_tests': string;
    '@_failures': string;
    '@_errors': string;
    '@_skipped': string;
    testcase: Case[] | Case;
  };
  const parse = (xml: string) =>
    new XMLParser({ ignoreAttributes: false }).parse(xml) as {
      testsuites: Record<string, string> & { testsuite: Suite[] | Suite };
    };
  const cases = (s: Suite) => ([] as Case[]).concat(s.testcase);

  it('parses back with a suite per server, a case per check result, unique names, and counts that match', () => {
    const x = parse(toJunit(doc));
    const suites = ([] as Suite[]).concat(x.testsuites.testsuite);
    expect(suites.map((s) => s['@_name'])).toEqual(doc.targets.map((t) => t.target));
    doc.targets.forEach((t, i) => {
      const s = suites[i]!;
      const cs = cases(s);
      const names = cs.map((c) => c['@_name']);
      expect(new Set(names).size, t.target).toBe(names.length); // GitLab keeps only the first of duplicate names
      if (t.findings.length) {
        expect(cs).toHaveLength(t.findings.length);
        for (const check of new Set(t.findings.map((f) => f.checkId)))
          expect(
            names.some((n) => n.startsWith(`${check} `)),
            check,
          ).toBe(true);
      }
      expect(Number(s['@_tests'])).toBe(cs.length);
      expect(Number(s['@_failures'])).toBe(t.findings.filter((f) => f.status === 'fail' && !f.waived).length);
      expect(Number(s['@_failures'])).toBe(cs.filter((c) => c.failure !== undefined).length);
      expect(Number(s['@_skipped'])).toBe(
        t.findings.filter((f) => f.status === 'indeterminate' || f.status === 'not_applicable').length,
      );
    });
    expect(Number(suites[2]!['@_errors'])).toBe(1);
    expect(Number(x.testsuites['@_tests'])).toBe(doc.targets.reduce((n, t) => n + t.findings.length, 0) + 1);
    expect(Number(x.testsuites['@_failures'])).toBe(suites.reduce((n, s) => n + Number(s['@_failures']), 0));
  });

  it('gives indicator hits a suite, one failing case per hit; escapes what the logs hold', () => {
    const xml = toJunit({
      ...iocDoc,
      ioc: { ...iocDoc.ioc!, hits: [...iocDoc.ioc!.hits, hit({ excerpt: '<script>&\u001b[31m\u0000' })] },
    });
    // eslint-disable-next-line no-control-regex -- NUL and ESC are what must not be in the XML
    expect(xml).not.toMatch(/[\u0000\u001b]/);
    const s = ([] as Suite[]).concat(parse(xml).testsuites.testsuite).find((x) => x['@_name'] === 'ioc')!;
    expect(Number(s['@_tests'])).toBe(4);
    expect(Number(s['@_failures'])).toBe(4);
    expect(new Set(cases(s).map((c) => c['@_name'])).size).toBe(4);
  });
});

/** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quote');
        cell += text.slice(i, q);
        if (text[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const m = /[,\r]/.exec(text.slice(i));
      const end = m ? i + m.index : text.length;
      cell = text.slice(i, end);
      expect(cell).not.toMatch(/["\n]/);
      i = end;
    }
    row.push(cell);
    if (text[i] === ',') {
      i++;
      continue;
    }
    expect(text.slice(i, i + 2)).toBe('\r\n');
    i += 2;
    rows.push(row);
    row = [];
  }
  return rows;
}

describe('CSV', () => {
  it('neutralises every formula lead (= + - @, tab, CR, LF, space, full-width ＝) and quotes per RFC 4180', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    // Hostile leads: a control character is removed and what follows is still neutralised.
    expect(csvCell('\r=1+1')).toBe("'=1+1");
    expect(csvCell("\n=cmd|'/c calc'!A1")).toBe(`"'\n=cmd|'/c calc'!A1"`);
    expect(csvCell(' =1+1')).toBe("' =1+1");
    expect(csvCell('\uFF1D1+1')).toBe("'\uFF1D1+1");
    expect(csvCell('\uFF20SUM(A1)')).toBe("'\uFF20SUM(A1)");
    expect(csvCell('a=1')).toBe('a=1');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('\x1b[31mred\x1b[0m')).toBe('red');
    expect(csvCell(undefined)).toBe('');
  });

  it('reads back as RFC 4180: one CRLF record per finding, unassessed server and indicator hit, no cell a formula', () => {
    const text = toCsv(mergeResults([doc, iocDoc]));
    const rows = readCsv(text);
    expect(rows[0]).toEqual(CSV_COLUMNS);
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    expect(rows.length).toBe(
      1 + doc.targets.reduce((n, t) => n + Math.max(1, t.findings.length), 0) + iocDoc.ioc!.hits.length,
    );
    expect(rows.some((r) => r[0] === 'down.contoso.test' && r[2] === 'unreachable')).toBe(true);
    for (const r of rows) for (const c of r) expect(c, JSON.stringify(r)).not.toMatch(/^[=+\-@\t\r]/);
    const evil = rows.find((r) => r[1] === 'ioc' && r[4] === 'proxylogon-ecp-set-vdir-script')!;
    expect(evil[7]).toBe(`'=cmd|" /C calc"!A0`);
    expect(evil[8]).toBe('ex2013.contoso.test:C:/Logs/ECP/Server/e.LOG:2');
    // A finding row keeps its values: the message read back equals the finding's.
    const f = doc.targets[0]!.findings[0]!;
    expect(rows.find((r) => r[12] === f.fingerprint)![7]).toBe(f.message);
  });
});

describe('--format with several formats and --output DIR from scan, audit and ioc', () => {
  const ALL = 'json,sarif,junit,csv,markdown,html,console';
  const expectFolder = (out: string) => {
    expect(readdirSync(out).sort()).toEqual([
      'SHA256SUMS',
      'exaudit.csv',
      'exaudit.html',
      'exaudit.json',
      'exaudit.junit.xml',
      'exaudit.md',
      'exaudit.sarif',
      'exaudit.txt',
      'manifest.json',
    ]);
    expect(runCli(['verify', out]).code).toBe(0);
    return JSON.parse(readFileSync(join(out, 'exaudit.json'), 'utf8')) as ResultDocument;
  };

  it('audit', () => {
    const out = join(dir, 'audit-out');
    const r = runCli([
      'audit',
      '--facts',
      join(ROOT, 'fixtures/demo/facts'),
      '--format',
      ALL,
      '--output',
      out,
      '--directive',
      'ed-25-02',
      '--as-of',
      AS_OF,
    ]);
    expect(r.code).toBe(1);
    expect(expectFolder(out).targets.length).toBeGreaterThan(1);
    expect(readFileSync(join(out, 'exaudit.md'), 'utf8')).toMatch(
      /## CISA Emergency Directive 25-02 .*: required actions/,
    );
  });

  it('ioc', () => {
    const out = join(dir, 'ioc-out');
    const r = runCli(['ioc', join(ROOT, 'fixtures/logs'), '--format', ALL, '--output', out, '--as-of', AS_OF]);
    expect(r.code).toBe(1);
    const d = expectFolder(out);
    const sarif = JSON.parse(readFileSync(join(out, 'exaudit.sarif'), 'utf8')) as { runs: SarifRun[] };
    expect(sarif.runs[0]!.results).toHaveLength(d.ioc!.hits.length);
    expect(readCsv(readFileSync(join(out, 'exaudit.csv'), 'utf8')).filter((x) => x[1] === 'ioc')).toHaveLength(
      d.ioc!.hits.length,
    );
  });

  describe('scan', () => {
    let closed: Server;
    let port: number;
    beforeAll(async () => {
      // A port that accepts and closes at once: the target is unreachable in milliseconds, on loopback only.
      closed = createServer((s) => s.destroy());
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
      port = (closed.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((r) => closed.close(() => r())));
    it('writes every format for an unreachable target and exits 3', async () => {
      const out = join(dir, 'scan-out');
      const r = await runCliAsync([
        'scan',
        `127.0.0.1:${port}`,
        '--format',
        ALL,
        '--output',
        out,
        '--timeout',
        '5s',
        '--request-timeout',
        '2s',
        '--samples',
        '1',
        '--as-of',
        AS_OF,
      ]);
      expect(r.code, r.stderr).toBe(3);
      expect(expectFolder(out).targets[0]!.status).not.toBe('assessed');
    });
  });

  it('cites the inventory line of each server with --inventory-file', () => {
    const inv = join(dir, 'fleet.yaml');
    writeFileSync(inv, '# fleet\nservers:\n  - host: ex16-mbx01.contoso.test\n  - host: exse-mbx01.contoso.test\n');
    const r = runCli([
      'audit',
      '--facts',
      join(ROOT, 'fixtures/demo/facts'),
      '--format',
      'sarif',
      '--inventory-file',
      inv,
      '--fail-on',
      'none',
      '--as-of',
      AS_OF,
    ]);
    const run = (JSON.parse(r.stdout) as { runs: SarifRun[] }).runs[0]!;
    const at = (t: string) => run.results.find((x) => x.properties['target'] === t)!.locations[0]!.physicalLocation;
    expect(at('ex16-mbx01.contoso.test').region.startLine).toBe(3);
    expect(at('exse-mbx01.contoso.test').region.startLine).toBe(4);
    expect(at('ex13-legacy.contoso.test').artifactLocation.uri).toBe('exchange/ex13-legacy.contoso.test'); // not in the file
    expect(
      runCli([
        'audit',
        '--facts',
        join(ROOT, 'fixtures/demo/facts'),
        '--format',
        'sarif',
        '--inventory-file',
        join(dir, 'missing.yaml'),
      ]).stderr,
    ).toMatch(/--inventory-file .*missing\.yaml: no such file/);
  });
});

describe('format names', () => {
  it('the names options offer (reports/formats.ts, read without loading renderers) are the renderers there are', async () => {
    const { FORMATS } = await import('../../reports/formats.js');
    const { RENDERERS } = await import('../../reports/index.js');
    expect([...FORMATS].sort()).toEqual(Object.keys(RENDERERS).sort());
  });
});
