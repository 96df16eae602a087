/**
 * SSH transport: runs the read-only collector on a Windows OpenSSH server and returns its facts.
 * The command line is a fixed, short `powershell -EncodedCommand` bootstrap that reads the script from
 * standard input, so cmd.exe's 8,191-character limit never matters and nothing from input is put in a command.
 * Host keys are verified against known_hosts; a new host is refused unless --accept-new-host-key, a changed
 * key always. Connect, command and output-size limits keep one bad host from holding up a fleet.
 */
import { readFileSync, appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHash, createHmac } from 'node:crypto';
import { Client, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import { BEGIN, END, collectorScript, extractJson } from '../ps/script.js';
import { parseFacts } from '../../facts/validate.js';
import type { CollectedTarget } from '../../contract.js';
import { errorMessage, InputError } from '../../util/errors.js';
import { log } from '../../util/logger.js';

export interface SshTarget {
  user: string;
  host: string;
  port: number;
  name: string;
}

export interface SshOptions {
  identity?: string;
  password?: string;
  knownHostsFile: string;
  acceptNewHostKey?: boolean;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  maxOutputBytes?: number;
}

const BOOTSTRAP = "$ErrorActionPreference='Stop';$s=[Console]::In.ReadToEnd();& ([scriptblock]::Create($s))";
/** The exact command sent: the same in cmd.exe and in a PowerShell default shell. */
export const SSH_COMMAND = `powershell -NoProfile -NonInteractive -EncodedCommand ${Buffer.from(BOOTSTRAP, 'utf16le').toString('base64')}`;

export function parseSshTarget(spec: string): SshTarget {
  // The last @ splits user from host: a UPN user name (svc@contoso.com@host) keeps its own @.
  const m = /^(?:(\S+)@)?(\[[0-9a-f:]+\]|[^:@\s]+)(?::(\d+))?$/i.exec(spec.trim());
  if (!m) throw new InputError(`--ssh "${spec}" is not user@host[:port]`);
  const host = m[2]!.replace(/^\[|\]$/g, '');
  const port = m[3] ? Number(m[3]) : 22;
  if (!(port >= 1 && port <= 65535)) throw new InputError(`--ssh "${spec}": port must be 1-65535`);
  return {
    user: m[1] ?? process.env['USER'] ?? 'administrator',
    host,
    port,
    name: port === 22 ? host : `${host}:${port}`,
  };
}

const hostPattern = (host: string, port: number) => (port === 22 ? host : `[${host}]:${port}`);

/** What known_hosts says about host:port: the accepted key blobs (plain and hashed |1| entries) and revoked ones. */
export function knownHostKeys(file: string, host: string, port: number): { keys: string[]; revoked: string[] } {
  const out = { keys: [] as string[], revoked: [] as string[] };
  if (!existsSync(file)) return out;
  const want = hostPattern(host, port);
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    let parts = line.trim().split(/\s+/);
    if (parts[0]?.startsWith('#')) continue;
    // A marker: @revoked lists a key never to trust; @cert-authority keys sign host certificates (not used here).
    const marker = parts[0]?.startsWith('@') ? parts[0] : undefined;
    if (marker) parts = parts.slice(1);
    if (parts.length < 3 || marker === '@cert-authority') continue;
    const [hosts, , blob] = parts as [string, string, string];
    const match = hosts.split(',').some((h) => {
      if (h.startsWith('|1|')) {
        const [, , salt, mac] = h.split('|');
        return createHmac('sha1', Buffer.from(salt!, 'base64')).update(want).digest('base64') === mac;
      }
      return h === want || (marker === '@revoked' && h === '*');
    });
    if (match) (marker === '@revoked' ? out.revoked : out.keys).push(blob);
  }
  return out;
}

/** The base64 key blobs known_hosts accepts for host:port. */
export function knownKeys(file: string, host: string, port: number): string[] {
  return knownHostKeys(file, host, port).keys;
}

export const fingerprintOf = (blob: Buffer) =>
  `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

export type SshFailure = { status: 'unreachable' | 'error'; error: string };

/**
 * One SSH connection with exaudit's settings. `onReady` gets the connection and `finish`, which ends it once;
 * any connection error becomes `onFailure`'s result. With `limit`, the work after the handshake is bounded too.
 */
export function withSshConnection<T>(
  t: SshTarget,
  opts: SshOptions,
  onFailure: (f: SshFailure) => T,
  onReady: (conn: Client, finish: (r: T) => void) => void,
  limit?: { ms: number; message: string },
): Promise<T> {
  return new Promise((resolve) => {
    const conn = new Client();
    let settled = false;
    let hostKeyProblem: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (r: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.end();
      conn.destroy();
      resolve(r);
    };
    conn.on('error', (err: Error & { level?: string }) => finish(onFailure(sshFailure(err, t, opts, hostKeyProblem))));
    conn.on('ready', () => {
      if (limit) timer = setTimeout(() => finish(onFailure({ status: 'error', error: limit.message })), limit.ms);
      onReady(conn, finish);
    });
    try {
      conn.connect(
        sshConnectConfig(t, opts, (problem) => {
          hostKeyProblem = problem;
        }),
      );
    } catch (err) {
      finish(onFailure({ status: 'error', error: errorMessage(err) }));
    }
  });
}

/** Collects facts from one SSH target; every failure becomes a one-line per-target error. */
export function collectOverSsh(t: SshTarget, opts: SshOptions): Promise<CollectedTarget> {
  const failed = (failure: SshFailure): CollectedTarget => ({ target: t.name, failure });
  const limit = {
    ms: opts.commandTimeoutMs,
    message: `the collector did not finish within ${opts.commandTimeoutMs} ms (command timeout; raise --timeout)`,
  };
  return withSshConnection(
    t,
    opts,
    failed,
    (conn, done) => {
      const fail = (status: SshFailure['status'], error: string) => done(failed({ status, error }));
      conn.exec(SSH_COMMAND, (err, stream) => {
        if (err) return fail('error', `exec failed: ${errorMessage(err)}`);
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let size = 0;
        const max = opts.maxOutputBytes ?? 16 * 1024 * 1024;
        stream.on('data', (d: Buffer) => {
          size += d.length;
          if (size > max) {
            stream.close();
            fail('error', `the collector's output exceeded ${max} bytes`);
            return;
          }
          out.push(d);
        });
        stream.stderr.on('data', (d: Buffer) => {
          if (errOut.reduce((n, b) => n + b.length, 0) < 65536) errOut.push(d);
        });
        stream.on('close', (code: number | null) => {
          const text = Buffer.concat(out).toString('utf8');
          const stderr = Buffer.concat(errOut).toString('utf8');
          if (text.includes(BEGIN) && !text.includes(END)) {
            return fail(
              'error',
              `the connection closed in the middle of the collector's output (${size} bytes received, no end marker)`,
            );
          }
          if (!text.includes(BEGIN)) {
            const why =
              stderr
                .replace(/#< CLIXML[\s\S]*$/, '')
                .trim()
                .split(/\r?\n/)[0] ?? '';
            return fail(
              'error',
              `no facts in the collector's output${code ? ` (exit ${code})` : ''}${why ? `: ${why.slice(0, 200)}` : ' (the connection closed early or the remote shell is not PowerShell)'}`,
            );
          }
          try {
            const facts = parseFacts(JSON.parse(extractJson(text)), `${t.name} (over SSH)`);
            facts.target = { ...facts.target, name: t.name, address: t.host, port: t.port, transport: 'ssh' };
            done({ target: t.name, facts });
          } catch (e) {
            fail('error', `the collector's output is not valid facts: ${errorMessage(e)}`);
          }
        });
        stream.end(collectorScript());
      });
    },
    limit,
  );
}

/** Why a connection failed, as one line: the host-key verdict first, then authentication, timeout, socket. */
export function sshFailure(
  err: Error & { level?: string },
  t: SshTarget,
  opts: SshOptions,
  hostKeyProblem?: string,
): SshFailure {
  if (hostKeyProblem) return { status: 'error', error: hostKeyProblem };
  const level = err.level ?? '';
  if (level === 'client-authentication')
    return {
      status: 'error',
      error: `authentication failed for ${t.user}@${t.host}:${t.port} (check --identity or --password-env)`,
    };
  if (level === 'client-timeout')
    return { status: 'unreachable', error: `no SSH handshake within ${opts.connectTimeoutMs} ms` };
  return { status: level === 'client-socket' ? 'unreachable' : 'error', error: errorMessage(err) };
}

/**
 * The ssh2 connection settings every exaudit SSH use shares: key, password or agent, and a host-key check against
 * known_hosts (a changed key is refused; an unknown one only with --accept-new-host-key, then recorded).
 */
export function sshConnectConfig(
  t: SshTarget,
  opts: SshOptions,
  onHostKeyProblem: (problem: string) => void,
): ConnectConfig {
  const known = knownHostKeys(opts.knownHostsFile, t.host, t.port);
  let privateKey: Buffer | undefined;
  if (opts.identity) {
    try {
      privateKey = readFileSync(opts.identity);
    } catch (err) {
      throw new Error(`cannot read the identity file ${opts.identity}: ${errorMessage(err)}`, { cause: err });
    }
  }
  return {
    host: t.host,
    port: t.port,
    username: t.user,
    readyTimeout: opts.connectTimeoutMs,
    ...(privateKey ? { privateKey } : {}),
    ...(opts.password ? { password: opts.password } : {}),
    ...(!opts.identity && !opts.password && process.env['SSH_AUTH_SOCK']
      ? { agent: process.env['SSH_AUTH_SOCK'] }
      : {}),
    // Ask first for the key types known_hosts holds (as OpenSSH does), so a server that also has another key type
    // is not mistaken for one whose key changed.
    ...(known.keys.length ? { algorithms: { serverHostKey: preferredHostKeyAlgorithms(known.keys) } } : {}),
    hostVerifier: (key: Buffer) => {
      const blob = key.toString('base64');
      if (known.revoked.includes(blob)) {
        onHostKeyProblem(
          `REVOKED host key ${fingerprintOf(key)} for ${hostPattern(t.host, t.port)} (marked @revoked in ${opts.knownHostsFile}); refusing to connect`,
        );
        return false;
      }
      if (known.keys.includes(blob)) return true;
      if (known.keys.length) {
        onHostKeyProblem(
          `HOST KEY CHANGED for ${hostPattern(t.host, t.port)}: ${fingerprintOf(key)} is not the key in ${opts.knownHostsFile}; refusing to connect`,
        );
        return false;
      }
      if (opts.acceptNewHostKey) {
        try {
          mkdirSync(dirname(opts.knownHostsFile), { recursive: true });
          appendFileSync(opts.knownHostsFile, `${hostPattern(t.host, t.port)} ${keyType(key)} ${blob}\n`);
        } catch (err) {
          onHostKeyProblem(`cannot record the new host key in ${opts.knownHostsFile}: ${errorMessage(err)}`);
          return false;
        }
        log().info({ host: t.host, fingerprint: fingerprintOf(key) }, 'accepted new host key');
        return true;
      }
      onHostKeyProblem(
        `unknown host key ${fingerprintOf(key)} for ${hostPattern(t.host, t.port)}: add it to ${opts.knownHostsFile} or pass --accept-new-host-key`,
      );
      return false;
    },
  };
}

const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** ssh2's host key algorithms with those that yield a known key type first. */
export function preferredHostKeyAlgorithms(knownBlobs: string[]): ServerHostKeyAlgorithm[] {
  const types = new Set<string>(
    knownBlobs.map((b) => {
      try {
        return keyType(Buffer.from(b, 'base64'));
      } catch {
        return '';
      }
    }),
  );
  const first = HOST_KEY_ALGORITHMS.filter((a) => types.has(a) || (types.has('ssh-rsa') && a.startsWith('rsa-sha2-')));
  return [...first, ...HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
}

function keyType(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}
