import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshLab, type SshLab } from '../../../src/lab/ssh/server.js';
import {
  collectOverSsh,
  knownKeys,
  parseSshTarget,
  SSH_COMMAND,
  type SshOptions,
} from '../../../src/collect/ssh/index.js';
import { runCliAsync } from '../../helpers/cli.js';
import { COLLECTOR_PATH } from '../../../src/collect/ps/script.js';
import { ResultDocument } from '../../../src/contract.js';
import type { Facts } from '../../../src/facts/schema.js';

const FACTS = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../fixtures/demo/facts/ex16-mbx01.contoso.test.json'), 'utf8'),
) as Facts;
let lab: SshLab;
let dir: string;
const opts = (o: Partial<SshOptions> = {}): SshOptions => ({
  identity: lab.clientKeyFile,
  knownHostsFile: lab.knownHostsFile,
  connectTimeoutMs: 5000,
  commandTimeoutMs: 3000,
  ...o,
});
const target = (i: number) => ({
  user: 'admin',
  host: '127.0.0.1',
  port: lab.servers[i]!.port,
  name: lab.servers[i]!.name,
});

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
    { name: 'two-keys', facts: FACTS, hostKeyTypes: ['ed25519', 'ecdsa'], pinnedKeyType: 'ecdsa' },
    { name: 'bad-facts', facts: { schemaVersion: '1', exchange: { build: 'x' } } as unknown as Facts },
  ]);
});
afterAll(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SSH collection', () => {
  it('runs the collector through the short bootstrap and returns validated facts', async () => {
    expect(SSH_COMMAND.length).toBeLessThan(400); // far below cmd.exe's 8,191 characters whatever the script's size
    expect(readFileSync(COLLECTOR_PATH, 'utf8').length).toBeGreaterThan(8191); // the script itself would not fit
    // Only characters that cmd.exe and PowerShell both pass through unchanged (no quotes, $, %, ^, &, |, <, >, ;).
    expect(SSH_COMMAND).toMatch(/^powershell -NoProfile -NonInteractive -EncodedCommand [A-Za-z0-9+/=]+$/);
    // The bootstrap reads the script from standard input: the script itself is never on the command line.
    expect(Buffer.from(SSH_COMMAND.split(' ').at(-1)!, 'base64').toString('utf16le')).toMatch(
      /\[Console\]::In\.ReadToEnd\(\)/,
    );
    const r = await collectOverSsh(target(0), opts());
    expect(r.failure).toBeUndefined();
    expect(r.facts!.exchange!.build).toBe('15.1.2507.61');
    expect(r.facts!.target).toMatchObject({ transport: 'ssh', port: lab.servers[0]!.port });
  });

  it('authenticates with a password from the environment, and reports a failed authentication', async () => {
    expect(
      (await collectOverSsh(target(6), opts({ identity: undefined, password: 'S3cret-for-tests' }))).facts,
    ).toBeDefined();
    const bad = await collectOverSsh(target(6), opts({ identity: undefined, password: 'wrong' }));
    expect(bad.failure?.error).toMatch(/authentication failed/);
  });

  it('refuses an unknown host key unless accepted, and always a changed one', async () => {
    const empty = join(dir, 'known_hosts_empty');
    writeFileSync(empty, '');
    expect((await collectOverSsh(target(0), opts({ knownHostsFile: empty }))).failure?.error).toMatch(
      /unknown host key SHA256:.*--accept-new-host-key/,
    );
    expect(
      (await collectOverSsh(target(0), opts({ knownHostsFile: empty, acceptNewHostKey: true }))).facts,
    ).toBeDefined();
    expect(knownKeys(empty, '127.0.0.1', lab.servers[0]!.port)).toHaveLength(1);
    const wrong = join(dir, 'known_hosts_wrong');
    const other = readFileSync(lab.knownHostsFile, 'utf8').split('\n')[1]!.split(' ').slice(1).join(' ');
    writeFileSync(wrong, `[127.0.0.1]:${lab.servers[0]!.port} ${other}\n`);
    expect(
      (await collectOverSsh(target(0), opts({ knownHostsFile: wrong, acceptNewHostKey: true }))).failure?.error,
    ).toMatch(/HOST KEY CHANGED/);
  });

  it('asks first for the host key type known_hosts holds, so a server with several key types is not a changed key', async () => {
    const t = { user: 'admin', host: '127.0.0.1', port: lab.servers[7]!.port, name: 'two-keys' };
    expect((await collectOverSsh(t, opts())).facts?.exchange?.build).toBe('15.1.2507.61');
  });

  it('refuses a key that known_hosts marks @revoked, even with --accept-new-host-key', async () => {
    const revoked = join(dir, 'known_hosts_revoked');
    const line = readFileSync(lab.knownHostsFile, 'utf8').split('\n')[0]!;
    writeFileSync(revoked, `@revoked ${line}\n`);
    const r = await collectOverSsh(target(0), opts({ knownHostsFile: revoked, acceptNewHostKey: true }));
    expect(r.failure?.error).toMatch(/REVOKED host key SHA256:/);
    expect(readFileSync(revoked, 'utf8')).toBe(`@revoked ${line}\n`); // nothing was added
  });

  it("an unreadable identity file is that target's error", async () => {
    const r = await collectOverSsh(target(0), opts({ identity: join(dir, 'no-such-key') }));
    expect(r.failure).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/cannot read the identity file .*no-such-key/),
    });
  });

  it('turns a hung command, garbage, oversized output, a dropped connection and cmd.exe into per-target errors', async () => {
    const [hang, garbage, huge, drop, cmd] = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => collectOverSsh(target(i), opts({ maxOutputBytes: 4 * 1024 * 1024 }))),
    );
    expect(hang!.failure?.error).toMatch(/did not finish within 3000 ms/);
    expect(garbage!.failure?.error).toMatch(/no facts in the collector's output/);
    expect(huge!.failure?.error).toMatch(/exceeded 4194304 bytes/);
    expect(drop!.failure?.error).toMatch(/the connection closed in the middle of the collector's output/);
    expect(cmd!.failure?.error).toMatch(/is not recognized/);
  });

  it("facts that fail the schema are that target's error, naming the field", async () => {
    const r = await collectOverSsh(target(8), opts());
    expect(r.failure?.error).toMatch(/the collector's output is not valid facts: .*\(over SSH\): (target|exchange)/);
  });

  it('a peer that accepts TCP but never speaks SSH is unreachable after the connect timeout', async () => {
    const socks = new Set<import('node:net').Socket>();
    const silent = createServer((sock) => {
      socks.add(sock);
      sock.on('error', () => {});
      sock.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const r = await collectOverSsh(
        { user: 'a', host: '127.0.0.1', port, name: 'silent' },
        opts({ connectTimeoutMs: 500 }),
      );
      expect(r.failure).toEqual({ status: 'unreachable', error: 'no SSH handshake within 500 ms' });
    } finally {
      for (const s of socks) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('an unreachable port is unreachable', async () => {
    const r = await collectOverSsh({ user: 'a', host: '127.0.0.1', port: 1, name: 'closed' }, opts());
    expect(r.failure?.status).toBe('unreachable');
  });

  it('parses targets', () => {
    expect(parseSshTarget('admin@ex01.contoso.test:2222')).toMatchObject({
      user: 'admin',
      host: 'ex01.contoso.test',
      port: 2222,
      name: 'ex01.contoso.test:2222',
    });
    expect(parseSshTarget('ex01')).toMatchObject({ port: 22, name: 'ex01' });
    expect(parseSshTarget('[::1]:22')).toMatchObject({ host: '::1', port: 22 });
    expect(() => parseSshTarget('a@b:99999')).toThrow(/port/);
    // A UPN user name keeps its own @: the last one splits user from host.
    expect(parseSshTarget('svc@contoso.com@ex01:2222')).toMatchObject({
      user: 'svc@contoso.com',
      host: 'ex01',
      port: 2222,
    });
  });
});

describe('exaudit audit --ssh', () => {
  it('gives the same findings as audit --facts on the facts it saved, and reports bad targets without stopping', async () => {
    const saved = join(dir, 'saved');
    const targets = [0, 2].map((i) => `admin@127.0.0.1:${lab.servers[i]!.port}`);
    const live = await runCliAsync([
      'audit',
      '--ssh',
      ...targets,
      '--identity',
      lab.clientKeyFile,
      '--known-hosts',
      lab.knownHostsFile,
      '--save-facts',
      saved,
      '--format',
      'json',
      '--fail-on',
      'none',
      '--as-of',
      '2026-11-25',
      '--quiet',
    ]);
    const liveDoc = ResultDocument.parse(JSON.parse(live.stdout));
    expect(liveDoc.targets.map((t) => t.status)).toEqual(['assessed', 'error']);
    const offline = await runCliAsync([
      'audit',
      '--facts',
      saved,
      '--format',
      'json',
      '--fail-on',
      'none',
      '--as-of',
      '2026-11-25',
    ]);
    const offDoc = ResultDocument.parse(JSON.parse(offline.stdout));
    const strip = (d: typeof liveDoc) =>
      d.targets
        .filter((t) => t.findings.length)
        .map((t) => t.findings.map((f) => [f.checkId, f.status, f.code, f.fingerprint]));
    expect(strip(offDoc)).toEqual(strip(liveDoc));
  });
});

describe('exaudit audit --ssh: authentication options', () => {
  it('takes the password from an environment variable and never shows it', async () => {
    const secret = 'S3cret-for-tests';
    const r = await runCliAsync(
      [
        'audit',
        '--ssh',
        `admin@127.0.0.1:${lab.servers[6]!.port}`,
        '--password-env',
        'EXAUDIT_TEST_PW',
        '--known-hosts',
        lab.knownHostsFile,
        '--format',
        'json',
        '--fail-on',
        'none',
        '--log-level',
        'debug',
      ],
      { EXAUDIT_TEST_PW: secret, SSH_AUTH_SOCK: '' },
    );
    const doc = ResultDocument.parse(JSON.parse(r.stdout));
    expect(doc.targets[0]!.status, doc.targets[0]!.error).toBe('assessed');
    expect(r.stdout + r.stderr).not.toContain(secret);
    const wrong = await runCliAsync(
      [
        'audit',
        '--ssh',
        `admin@127.0.0.1:${lab.servers[6]!.port}`,
        '--password-env',
        'EXAUDIT_TEST_PW',
        '--known-hosts',
        lab.knownHostsFile,
        '--format',
        'json',
        '--fail-on',
        'none',
      ],
      { EXAUDIT_TEST_PW: 'wrong', SSH_AUTH_SOCK: '' },
    );
    expect(ResultDocument.parse(JSON.parse(wrong.stdout)).targets[0]).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/authentication failed for admin@127\.0\.0\.1/),
    });
  });

  it('has no option that takes a password on the command line, and names a missing key file or variable', async () => {
    const base = ['audit', '--ssh', `admin@127.0.0.1:${lab.servers[0]!.port}`, '--known-hosts', lab.knownHostsFile];
    const pw = await runCliAsync([...base, '--password', 'x']);
    expect(pw.code).toBe(2);
    expect(pw.stderr).toMatch(/unknown option '--password'/);
    const key = await runCliAsync([...base, '--identity', join(dir, 'no-such-key')]);
    expect(key.code).toBe(2);
    expect(key.stderr.trim().split('\n')[0]).toMatch(/--identity .*no-such-key: no such file/);
    const env = await runCliAsync([...base, '--password-env', 'EXAUDIT_UNSET_VAR']);
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/--password-env EXAUDIT_UNSET_VAR: that environment variable is not set/);
  });
});

describe('exaudit audit --inventory', () => {
  it("audits the inventory's servers over SSH, records the declaring line and tags, and shards cover the fleet once", async () => {
    const inv = join(dir, 'fleet.yaml');
    writeFileSync(
      inv,
      `hosts:\n  - host: 127.0.0.1\n    port: ${lab.servers[0]!.port}\n    user: admin\n    tags: [prod, dag1]\n  - host: 127.0.0.1\n    port: ${lab.servers[6]!.port}\n    user: admin\n    identity: ${lab.clientKeyFile}\n`,
    );
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
      '--quiet',
    ];
    const all = ResultDocument.parse(JSON.parse((await runCliAsync(base)).stdout));
    expect(all.targets.map((t) => t.facts?.target.inventoryLine)).toEqual([2, 6]);
    expect(all.targets[0]!.facts?.target.tags).toEqual(['prod', 'dag1']);
    const parts: string[][] = [];
    for (const shard of ['1/3', '2/3', '3/3']) {
      const r = await runCliAsync([...base, '--shard', shard]);
      // A shard may hold no servers (two servers, three shards): an empty result, exit 0, said on stderr.
      expect(r.code, r.stderr).toBe(0);
      const doc = ResultDocument.parse(JSON.parse(r.stdout));
      if (!doc.targets.length) expect(r.stderr).toMatch(/shard .* holds no servers/);
      parts.push(doc.targets.map((t) => t.target));
    }
    expect(parts.some((p) => p.length === 0)).toBe(true);
    expect(parts.flat().sort()).toEqual(all.targets.map((t) => t.target).sort());
  });

  it('a host given both on the command line and in the inventory is audited once', async () => {
    const inv = join(dir, 'dup.csv');
    writeFileSync(inv, `host,port,user\n127.0.0.1,${lab.servers[0]!.port},admin\n`);
    const r = await runCliAsync([
      'audit',
      '--ssh',
      `admin@127.0.0.1:${lab.servers[0]!.port}`,
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
      '--quiet',
    ]);
    expect(ResultDocument.parse(JSON.parse(r.stdout)).targets).toHaveLength(1);
  });
});
