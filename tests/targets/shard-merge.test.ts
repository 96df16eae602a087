/**
 * Beyond one machine: an inventory split with --shard K/N (as CI matrix jobs or Kubernetes Indexed Job pods run
 * it), each shard's JSON result joined by `exaudit report --merge`, gives what one unsharded run gives.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshLab, type SshLab } from '../../src/lab/ssh/server.js';
import { ResultDocument } from '../../src/contract.js';
import { runCliAsync } from '../helpers/cli.js';
import type { Facts } from '../../src/facts/schema.js';

const fixture = (n: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/demo/facts', n), 'utf8')) as Facts;
let lab: SshLab;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exaudit-shards-'));
  const facts = [
    fixture('ex16-mbx01.contoso.test.json'),
    fixture('ex19-mbx01.contoso.test.json'),
    fixture('exse-mbx01.contoso.test.json'),
  ];
  lab = await startSshLab(
    Array.from({ length: 9 }, (_, i) => ({
      name: `ex${i}`,
      facts: facts[i % 3]!,
      ...(i === 4 ? { behaviour: 'garbage' as const } : {}),
    })),
  );
});
afterAll(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('--shard K/N and report --merge', () => {
  it('three shards merged equal one unsharded run, each server exactly once', async () => {
    const inv = join(dir, 'fleet.csv');
    writeFileSync(inv, `host,port,user,tags\n${lab.servers.map((s) => `${s.host},${s.port},admin,lab`).join('\n')}\n`);
    const base = [
      'audit',
      '--inventory',
      inv,
      '--identity',
      lab.clientKeyFile,
      '--known-hosts',
      lab.knownHostsFile,
      '--format',
      'json',
      '--fail-on',
      'none',
      '--as-of',
      '2026-11-25',
      '--quiet',
    ];
    const whole = join(dir, 'whole.json');
    // One server answers garbage: it is not assessed, so a run exits 3 with --fail-on none (0 for a shard without it).
    expect((await runCliAsync([...base, '-o', whole])).code).toBe(3);
    const shards: string[] = [];
    for (const k of [1, 2, 3]) {
      const out = join(dir, `shard-${k}.json`);
      const r = await runCliAsync([...base, '--shard', `${k}/3`, '-o', out]);
      expect([0, 3], r.stderr).toContain(r.code);
      shards.push(out);
    }
    const parts = shards.map((f) =>
      ResultDocument.parse(JSON.parse(readFileSync(f, 'utf8'))).targets.map((t) => t.target),
    );
    // Disjoint and complete.
    expect(new Set(parts.flat()).size).toBe(parts.flat().length);
    const merged = await runCliAsync(['report', ...shards, '--merge', '--format', 'json', '--fail-on', 'none']);
    expect(merged.code, merged.stderr).toBe(3);
    const m = ResultDocument.parse(JSON.parse(merged.stdout));
    const w = ResultDocument.parse(JSON.parse(readFileSync(whole, 'utf8')));
    const byTarget = (d: ResultDocument) =>
      Object.fromEntries(
        d.targets.map((t) => [
          t.target,
          [t.status, t.error, t.factsDigest, t.findings.map((f) => [f.checkId, f.status, f.code, f.fingerprint])],
        ]),
      );
    expect(byTarget(m)).toEqual(byTarget(w));
    expect(m.targets).toHaveLength(9);
    expect(m.summary).toEqual(w.summary);
    expect(m.argv).toBeUndefined(); // one shard's command line does not describe the merged run
    // The merged result gives the exit code the unsharded run gives.
    for (const failOn of ['high', 'none']) {
      const a = await runCliAsync(['report', whole, '--format', 'json', '--fail-on', failOn]);
      const b = await runCliAsync(['report', ...shards, '--merge', '--format', 'json', '--fail-on', failOn]);
      expect(b.code, failOn).toBe(a.code);
    }
  }, 120_000);

  it('several result files without --merge is a usage error', async () => {
    const r = await runCliAsync(['report', join(dir, 'shard-1.json'), join(dir, 'shard-2.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--merge/);
  });
});
