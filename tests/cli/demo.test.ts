import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli.js';
import { hitServer, ResultDocument } from '../../src/contract.js';

describe('exaudit demo', () => {
  it("scans the lab, audits the saved facts, sweeps the logs, writes every report and exits with the findings' code", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exaudit-demo-'));
    try {
      const out = join(dir, 'out');
      const r = await runCliAsync(['demo', '--output', out, '--as-of', '2026-11-25']);
      expect(r.code).toBe(1); // the lab fleet has servers with critical/high open CVEs
      expect(r.stdout).toMatch(/Reports in .*out/);
      // The file names --format gives, in one folder with its manifest.
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
      expect((await runCliAsync(['verify', out])).code).toBe(0);
      const doc = ResultDocument.parse(JSON.parse(readFileSync(join(out, 'exaudit.json'), 'utf8')));
      expect(doc.command).toBe('demo');
      const names = doc.targets.map((t) => t.target);
      expect(names).toHaveLength(18);
      expect(names).toEqual(
        expect.arrayContaining([
          'ex2016-cu19-mar21su.lab.test',
          'exo-autodiscover.lab.test',
          'ex16-mbx01.contoso.test',
        ]),
      );
      // The override in ex16-mbx01's saved facts re-opens CVE-2025-53782 although the build has Oct25SU.
      const ex16 = doc.targets.find((t) => t.target === 'ex16-mbx01.contoso.test')!;
      expect(ex16.findings.some((f) => f.code === 'cve-open' && f.cves.includes('CVE-2025-53782'))).toBe(true);
      expect(doc.targets.find((t) => t.target === 'broken-tls.lab.test')!.status).toMatch(/unreachable|error/);
      expect(JSON.parse(readFileSync(join(out, 'exaudit.sarif'), 'utf8')).runs[0].results.length).toBeGreaterThan(0);
      expect(readFileSync(join(out, 'exaudit.junit.xml'), 'utf8')).toMatch(/<testsuite name="ex2013-mar21\.lab\.test"/);

      // ED 21-02, judged in the engine and stored in the result.
      const ed = doc.directives!.find((d) => d.id === 'ed-21-02')!;
      const rowsOf = (target: string) => ed.rows.filter((r) => r.target === target);
      // Out of scope (Exchange Online, nginx) and unreached: no judged status for any action.
      for (const t of ['exo-autodiscover.lab.test', 'intranet-nginx.lab.test']) {
        expect(rowsOf(t)).toHaveLength(ed.actions.length);
        expect(new Set(rowsOf(t).map((r) => r.status))).toEqual(new Set(['not applicable']));
      }
      expect(new Set(rowsOf('broken-tls.lab.test').map((r) => r.status))).toEqual(new Set(['not assessed']));
      // "action required" only on the server whose own logs hold the hits.
      const hitServers = new Set(doc.ioc!.hits.map((h) => hitServer(h, names)));
      expect([...hitServers]).toEqual(['ex2013-mitigated.lab.test']);
      for (const a of ['a3-disconnect', 'a4-report-incident', 'sd2-a4-incidents']) {
        const required = ed.rows.filter((r) => r.actionId === a && r.status === 'action required').map((r) => r.target);
        expect(required, a).toEqual(['ex2013-mitigated.lab.test']);
        // Swept over SFTP and clean: met. Never swept: needs evidence.
        expect(ed.rows.find((r) => r.actionId === a && r.target === 'ex16-mbx01.contoso.test')!.status).toBe('met');
        expect(ed.rows.find((r) => r.actionId === a && r.target === 'ex2013-mar21.lab.test')!.status).toBe(
          'needs evidence',
        );
      }
      expect(doc.ioc!.sweeps!.map((s) => s.target).sort()).toEqual(
        [
          'ex13-legacy.contoso.test',
          'ex16-mbx01.contoso.test',
          'ex19-mbx01.contoso.test',
          'ex2013-mitigated.lab.test',
          'exse-mbx01.contoso.test',
        ].sort(),
      );

      // Summary first, and small enough to read; the JSON keeps every finding.
      const txt = readFileSync(join(out, 'exaudit.txt'), 'utf8').split('\n');
      expect(txt[2]).toMatch(/^server +verdict +build \(precision\) +to install +closes +actions not met$/);
      expect(statSync(join(out, 'exaudit.md')).size).toBeLessThan(150 * 1024);
      const findings = doc.targets.reduce((n, t) => n + t.findings.length, 0);
      expect(findings).toBe(doc.summary.findings);
      const perCve = doc.targets.flatMap((t) => t.findings).filter((f) => f.code === 'cve-open').length;
      expect(perCve).toBeGreaterThan(100); // one finding per open CVE stays in JSON; the views group them
      expect(readFileSync(join(out, 'exaudit.md'), 'utf8').match(/CVE-2021-26855/g)!.length).toBeLessThan(perCve);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
