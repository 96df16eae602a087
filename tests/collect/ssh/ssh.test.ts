import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshLab, type SshLab } from '../../../src/lab/ssh/server.js';
import { collectOverSsh, knownKeys, parseSshTarget, SSH_COMMAND, type SshOptions } from '../../../src/collect/ssh/index.js';
import { runCliAsync } from '../../helpers/cli.js';
import { ResultDocument } from '../../../src/engine/result.js';
import type { Facts } from '../../../src/facts/schema.js';

const FACTS = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/demo/facts/ex16-mbx01.contoso.test.json'), 'utf8')) as Facts;
let lab: SshLab;
let dir: string;
const opts = (o: Partial<SshOptions> = {}): SshOptions => ({ identity: lab.clientKeyFile, knownHostsFile: lab.knownHostsFile, connectTimeoutMs: 5000, commandTimeoutMs: 3000, ...o });
const target = (i: number) => ({ user: 'admin', host: '127.0.0.1', port: lab.servers[i]!.port, name: lab.servers[i]!.name });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exaudit-ssh-'));
  lab = await startSshLab([
    { name: 'ex16', facts: FACTS },
    { name: 'hang', behaviour: 'hang' },
    { name: 'garbage', behaviour: 'garbage' },
    { name: 'huge', behaviour: 'huge' },
    { name: 'drop', behaviour: 'drop' },
    { name: 'cmd', behaviour: 'not-powershell' },
    { name: 'pw', facts: FACTS, password: 'S3cret-for-tests' },
  ]);
});
afterAll(async () => { await lab?.close(); rmSync(dir, { recursive: true, force: true }); });

describe('SSH collection', () => {
  it('runs the collector through the short bootstrap and returns validated facts', async () => {
    expect(SSH_COMMAND.length).toBeLessThan(400); // far below cmd.exe's 8,191 characters whatever the script's size
    const r = await collectOverSsh(target(0), opts());
    expect(r.failure).toBeUndefined();
    expect(r.facts!.exchange!.build).toBe('15.1.2507.61');
    expect(r.facts!.target).toMatchObject({ transport: 'ssh', port: lab.servers[0]!.port });
  });

  it('authenticates with a password from the environment, and reports a failed authentication', async () => {
    expect((await collectOverSsh(target(6), opts({ identity: undefined, password: 'S3cret-for-tests' }))).facts).toBeDefined();
    const bad = await collectOverSsh(target(6), opts({ identity: undefined, password: 'wrong' }));
    expect(bad.failure?.error).toMatch(/authentication failed/);
  });

  it('refuses an unknown host key unless accepted, and always a changed one', async () => {
    const empty = join(dir, 'known_hosts_empty');
    writeFileSync(empty, '');
    expect((await collectOverSsh(target(0), opts({ knownHostsFile: empty }))).failure?.error).toMatch(/unknown host key SHA256:.*--accept-new-host-key/);
    expect((await collectOverSsh(target(0), opts({ knownHostsFile: empty, acceptNewHostKey: true }))).facts).toBeDefined();
    expect(knownKeys(empty, '127.0.0.1', lab.servers[0]!.port)).toHaveLength(1);
    const wrong = join(dir, 'known_hosts_wrong');
    const other = readFileSync(lab.knownHostsFile, 'utf8').split('\n')[1]!.split(' ').slice(1).join(' ');
    writeFileSync(wrong, `[127.0.0.1]:${lab.servers[0]!.port} ${other}\n`);
    expect((await collectOverSsh(target(0), opts({ knownHostsFile: wrong, acceptNewHostKey: true }))).failure?.error).toMatch(/HOST KEY CHANGED/);
  });

  it('turns a hung command, garbage, oversized output, a dropped connection and cmd.exe into per-target errors', async () => {
    const [hang, garbage, huge, drop, cmd] = await Promise.all([1, 2, 3, 4, 5].map((i) => collectOverSsh(target(i), opts({ maxOutputBytes: 4 * 1024 * 1024 }))));
    expect(hang!.failure?.error).toMatch(/did not finish within 3000 ms/);
    expect(garbage!.failure?.error).toMatch(/no facts in the collector's output/);
    expect(huge!.failure?.error).toMatch(/exceeded 4194304 bytes/);
    expect(drop!.failure?.error).toMatch(/no facts/);
    expect(cmd!.failure?.error).toMatch(/is not recognized/);
  });

  it('an unreachable port is unreachable', async () => {
    const r = await collectOverSsh({ user: 'a', host: '127.0.0.1', port: 1, name: 'closed' }, opts());
    expect(r.failure?.status).toBe('unreachable');
  });

  it('parses targets', () => {
    expect(parseSshTarget('admin@ex01.contoso.test:2222')).toMatchObject({ user: 'admin', host: 'ex01.contoso.test', port: 2222, name: 'ex01.contoso.test:2222' });
    expect(parseSshTarget('ex01')).toMatchObject({ port: 22, name: 'ex01' });
    expect(parseSshTarget('[::1]:22')).toMatchObject({ host: '::1', port: 22 });
    expect(() => parseSshTarget('a@b:99999')).toThrow(/port/);
  });
});

describe('exaudit audit --ssh', () => {
  it('gives the same findings as audit --facts on the facts it saved, and reports bad targets without stopping', async () => {
    const saved = join(dir, 'saved');
    const targets = [0, 2].map((i) => `admin@127.0.0.1:${lab.servers[i]!.port}`);
    const live = await runCliAsync(['audit', '--ssh', ...targets, '--identity', lab.clientKeyFile, '--known-hosts', lab.knownHostsFile, '--save-facts', saved, '--format', 'json', '--fail-on', 'none', '--as-of', '2026-11-25', '--quiet']);
    const liveDoc = ResultDocument.parse(JSON.parse(live.stdout));
    expect(liveDoc.targets.map((t) => t.status)).toEqual(['assessed', 'error']);
    const offline = await runCliAsync(['audit', '--facts', saved, '--format', 'json', '--fail-on', 'none', '--as-of', '2026-11-25']);
    const offDoc = ResultDocument.parse(JSON.parse(offline.stdout));
    const strip = (d: typeof liveDoc) => d.targets.filter((t) => t.findings.length).map((t) => t.findings.map((f) => [f.checkId, f.status, f.code, f.fingerprint]));
    expect(strip(offDoc)).toEqual(strip(liveDoc));
  });
});

describe('exaudit audit --inventory', () => {
  it('audits the inventory\'s servers over SSH, records the declaring line, and shards cover the fleet once', async () => {
    const inv = join(dir, 'fleet.yaml');
    writeFileSync(inv, `hosts:\n  - host: 127.0.0.1\n    port: ${lab.servers[0]!.port}\n    user: admin\n  - host: 127.0.0.1\n    port: ${lab.servers[6]!.port}\n    user: admin\n`);
    const base = ['audit', '--inventory', inv, '--identity', lab.clientKeyFile, '--known-hosts', lab.knownHostsFile, '--format', 'json', '--fail-on', 'none', '--quiet'];
    const all = ResultDocument.parse(JSON.parse((await runCliAsync(base)).stdout));
    expect(all.targets.map((t) => t.facts?.target.inventoryLine)).toEqual([2, 5]);
    const parts: string[][] = [];
    for (const shard of ['1/2', '2/2']) {
      const r = await runCliAsync([...base, '--shard', shard]);
      // A shard may hold no servers: then there is nothing to audit (exit 2, said on stderr).
      parts.push(r.stdout ? ResultDocument.parse(JSON.parse(r.stdout)).targets.map((t) => t.target) : []);
      if (!r.stdout) expect(r.stderr).toMatch(/holds no servers/);
    }
    expect(parts.flat().sort()).toEqual(all.targets.map((t) => t.target).sort());
  });
});
