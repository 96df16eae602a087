/** Slow and malformed servers, and builds no other test uses: right facts or clear per-target errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpLab, type HttpLab } from '../../../src/lab/index.js';
import { runCliAsync } from '../../helpers/cli.js';
import { ResultDocument } from '../../../src/engine/result.js';

let lab: HttpLab;
let doc: ReturnType<typeof ResultDocument.parse>;
beforeAll(async () => {
  lab = await startHttpLab([
    { name: 'slow', kind: 'slow', build: '15.2.1258.28', delayMs: 3000 },
    { name: 'malformed', kind: 'malformed' },
    { name: 'unseen-2016-cu22-aug22', build: '15.1.2375.31' },
    { name: 'unseen-2019-cu13-nov23', build: '15.2.1258.28' },
    { name: 'unseen-2019-cu13-cu-only', build: '15.2.1258.28', owaVersionHeader: false, ecp: false },
  ]);
  const r = await runCliAsync(['scan', ...lab.servers.map((s) => `127.0.0.1:${s.port}`), '--ca', lab.caFile, '--format', 'json', '--fail-on', 'none', '--request-timeout', '1000', '--timeout', '6000', '--as-of', '2026-11-25', '--quiet']);
  doc = ResultDocument.parse(JSON.parse(r.stdout));
}, 60_000);
afterAll(async () => { await lab?.close(); });
const t = (i: number) => doc.targets[i]!;
const has = (i: number, code: string, cve: string) => t(i).findings.some((f) => f.code === code && f.cves.includes(cve));

describe('scan: bad servers and unseen builds', () => {
  it('a slow server times out per request and is reported, a malformed one too', () => {
    expect(t(0)).toMatchObject({ status: 'error', error: expect.stringMatching(/Headers Timeout/) });
    // Garbage headers ("X-OWA-Version: banana") and bodies never become a build.
    expect(t(1).facts!.exchange).toMatchObject({ precision: 'none', notExchange: expect.any(String) });
    expect(t(1).facts!.exchange!.build).toBeUndefined();
  });
  it('2016 CU22 Aug22SU: exact, Nov22SU missing, so ProxyNotShell is open', () => {
    expect(t(2).facts!.exchange).toMatchObject({ build: '15.1.2375.31', precision: 'exact', product: '2016' });
    expect(has(2, 'cve-open', 'CVE-2022-41082')).toBe(true);
    expect(has(2, 'cve-open', 'CVE-2021-26855')).toBe(false);
  });
  it('2019 CU13 Nov23SU exact: Mar24SU missing; the same CU at CU precision leaves it indeterminate', () => {
    expect(has(3, 'cve-open', 'CVE-2024-26198')).toBe(true);
    expect(t(4).facts!.exchange).toMatchObject({ build: '15.2.1258', precision: 'cu' });
    expect(has(4, 'cve-su-unknown', 'CVE-2024-26198')).toBe(true);
    expect(has(4, 'cve-open', 'CVE-2024-26198')).toBe(false);
  });
});
