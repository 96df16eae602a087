/**
 * An in-process SSH server (ssh2) that answers like a Windows OpenSSH server running the collector: it accepts
 * only the exact bootstrap command, reads the script from standard input, and replies with fixture facts between
 * the markers. Behaviours for tests: hang, garbage, oversized output, drop mid-output, cmd.exe's "not recognized".
 */
import { timingSafeEqual } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { Facts } from '../../facts/schema.js';
import { SSH_COMMAND } from '../../collect/ssh/index.js';
import { BEGIN, END, collectorScript } from '../../collect/ps/script.js';
import { serveReadOnlySftp } from './sftp.js';

const { Server, utils } = ssh2;

export type SshBehaviour = 'facts' | 'hang' | 'garbage' | 'huge' | 'drop' | 'not-powershell';
export interface SshServerSpec {
  name: string;
  facts?: Facts;
  behaviour?: SshBehaviour;
  password?: string;
  /** Serve this folder read-only over SFTP as the server's file system (for ioc --ssh). */
  sftpRoot?: string;
  /** Host key types the server offers (default ed25519), and which of them the lab's known_hosts lists (default the first). */
  hostKeyTypes?: ('ed25519' | 'ecdsa')[];
  pinnedKeyType?: 'ed25519' | 'ecdsa';
}

export interface SshLab {
  /** `sftpOps`: every SFTP request the server received, in order (proof that nothing but reads was asked). */
  servers: { name: string; host: string; port: number; spec: SshServerSpec; sftpOps: string[] }[];
  /** known_hosts listing every lab server's key. */
  knownHostsFile: string;
  /** Private key the lab accepts (OpenSSH format). */
  clientKeyFile: string;
  /** Collector sessions (exec channels) open now, and the most that were open at once, across all servers. */
  stats: { execsOpen: number; maxExecsOpen: number; connections: number };
  close(): Promise<void>;
}

/**
 * ssh2's generateKeyPairSync('ed25519') now and then yields a private key its own parser rejects
 * ("Malformed OpenSSH private key"); regenerate until both halves parse (bounded).
 */
function newKeyPair(type: 'ed25519' | 'ecdsa' = 'ed25519'): { private: string; public: string } {
  for (let i = 0; i < 20; i++) {
    const k =
      type === 'ecdsa' ? utils.generateKeyPairSync('ecdsa', { bits: 256 }) : utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(k.private) instanceof Error) && !(utils.parseKey(k.public) instanceof Error)) return k;
  }
  throw new Error('could not generate a usable ed25519 key pair');
}

export async function startSshLab(specs: SshServerSpec[]): Promise<SshLab> {
  const dir = mkdtempSync(join(tmpdir(), 'exaudit-sshlab-'));
  const client = newKeyPair();
  const clientPub = utils.parseKey(client.public);
  if (clientPub instanceof Error) throw clientPub;
  const clientKeyFile = join(dir, 'id_ed25519');
  writeFileSync(clientKeyFile, client.private, { mode: 0o600 });
  const known: string[] = [];
  const servers: SshLab['servers'] = [];
  const closers: (() => Promise<void>)[] = [];
  const stats = { execsOpen: 0, maxExecsOpen: 0, connections: 0 };
  for (const spec of specs) {
    const types = spec.hostKeyTypes ?? ['ed25519'];
    const hostKeys = types.map((t) => ({ type: t, pair: newKeyPair(t) }));
    const hostKey = (hostKeys.find((k) => k.type === spec.pinnedKeyType) ?? hostKeys[0]!).pair;
    const conns = new Set<import('ssh2').Connection>();
    const sftpOps: string[] = [];
    const server = new Server(
      { hostKeys: hostKeys.map((k) => k.pair.private), ident: 'OpenSSH_for_Windows_9.5' },
      (c) => {
        conns.add(c);
        stats.connections++;
        c.on('error', () => {}); // a client that rejects our host key must not crash the lab
        c.on('close', () => conns.delete(c));
        c.on('authentication', (ctx) => {
          if (ctx.method === 'publickey') {
            const want = clientPub.getPublicSSH();
            const ok =
              ctx.key.algo === clientPub.type &&
              ctx.key.data.length === want.length &&
              timingSafeEqual(ctx.key.data, want) &&
              (!ctx.signature || clientPub.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true);
            return ok ? ctx.accept() : ctx.reject();
          }
          if (ctx.method === 'password' && spec.password && ctx.password === spec.password) return ctx.accept();
          ctx.reject(['publickey', 'password']);
        });
        c.on('ready', () =>
          c.on('session', (accept) => {
            const session = accept();
            session.on('sftp', (acceptSftp, rejectSftp) => {
              if (!spec.sftpRoot) {
                rejectSftp();
                return;
              }
              serveReadOnlySftp(acceptSftp(), spec.sftpRoot, sftpOps);
            });
            session.on('exec', (acceptExec, _reject, info) => {
              const stream = acceptExec();
              stats.execsOpen++;
              stats.maxExecsOpen = Math.max(stats.maxExecsOpen, stats.execsOpen);
              stream.once('close', () => {
                stats.execsOpen--;
              });
              if (spec.behaviour === 'not-powershell' || info.command !== SSH_COMMAND) {
                stream.stderr.write(
                  `'${info.command.split(' ')[0]}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n`,
                );
                stream.exit(1);
                stream.end();
                return;
              }
              const chunks: Buffer[] = [];
              stream.on('data', (d: Buffer) => {
                chunks.push(d);
              });
              stream.on('end', () => {
                // Exactly the shipped collector, whole, on standard input (as powershell's [Console]::In would read it).
                if (Buffer.concat(chunks).toString('utf8') !== collectorScript()) {
                  stream.stderr.write('unexpected script on standard input\r\n');
                  stream.exit(1);
                  stream.end();
                  return;
                }
                stream.stderr.write(
                  '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV></PR></MS></Obj></Objs>\r\n',
                );
                switch (spec.behaviour) {
                  case 'hang':
                    return; // never answers
                  case 'garbage':
                    stream.write('Get-ExchangeFacts: something went wrong\r\n');
                    stream.exit(1);
                    stream.end();
                    return;
                  case 'huge': {
                    const chunk = 'x'.repeat(1 << 20);
                    for (let i = 0; i < 20; i++) stream.write(chunk);
                    stream.exit(0);
                    stream.end();
                    return;
                  }
                  case 'drop':
                    stream.write(`${BEGIN}\r\n{"schemaVersion":"1","tar`);
                    c.end();
                    return;
                  default:
                    stream.write(`${BEGIN}\r\n${JSON.stringify(spec.facts)}\r\n${END}\r\n`);
                    stream.exit(0);
                    stream.end();
                }
              });
            });
          }),
        );
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const parsed = utils.parseKey(hostKey.public);
    if (parsed instanceof Error) throw parsed;
    known.push(`[127.0.0.1]:${port} ${parsed.type} ${parsed.getPublicSSH().toString('base64')}`);
    servers.push({ name: spec.name, host: '127.0.0.1', port, spec, sftpOps });
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          for (const c of conns) c.end();
          server.close(() => resolve());
        }),
    );
  }
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `${known.join('\n')}\n`);
  return {
    servers,
    knownHostsFile,
    clientKeyFile,
    stats,
    close: async () => {
      await Promise.all(closers.map((c) => c()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
