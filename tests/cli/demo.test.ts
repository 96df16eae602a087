import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli.js';
import { ResultDocument } from '../../src/contract.js';

describe('exaudit demo', () => {
  it("scans the lab, audits the saved facts, writes every report and exits with the findings' code", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exaudit-demo-'));
    try {
      const out = join(dir, 'out');
      const r = await runCliAsync(['demo', '--output', out, '--as-of', '2026-11-25']);
      expect(r.code).toBe(1); // the lab fleet has servers with critical/high open CVEs
      expect(r.stdout).toMatch(/Reports in .*out/);
      const doc = ResultDocument.parse(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
      expect(doc.command).toBe('demo');
      const names = doc.targets.map((t) => t.target);
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
      expect(readFileSync(join(out, 'TEST-exaudit.xml'), 'utf8')).toMatch(/<testsuite name="ex2013-mar21\.lab\.test"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
