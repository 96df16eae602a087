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
import { serveReadOnlySftp } from './sftp.js';

const { Server, utils } = ssh2;

export type SshBehaviour = 'facts' | 'hang' | 'garbage' | 'huge' | 'drop' | 'not-powershell';
export interface SshServerSpec {
  name: string; facts?: Facts; behaviour?: SshBehaviour; password?: string;
  /** Serve this folder read-only over SFTP as the server's file system (for ioc --ssh). */
  sftpRoot?: string;
}

export interface SshLab {
  /** `sftpOps`: every SFTP request the server received, in order (proof that nothing but reads was asked). */
  servers: { name: string; host: string; port: number; spec: SshServerSpec; sftpOps: string[] }[];
  /** known_hosts listing every lab server's key. */
  knownHostsFile: string;
  /** Private key the lab accepts (OpenSSH format). */
  clientKeyFile: string;
  close(): Promise<void>;
}

/**
 * ssh2's generateKeyPairSync('ed25519') now and then yields a private key its own parser rejects
 * ("Malformed OpenSSH private key"); regenerate until both halves parse (bounded).
 */
function newKeyPair(): { private: string; public: string } {
  for (let i = 0; i < 20; i++) {
    const k = utils.generateKeyPairSync('ed25519');
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
  for (const spec of specs) {
    const hostKey = newKeyPair();
    const conns = new Set<import('ssh2').Connection>();
    const sftpOps: string[] = [];
    const server = new Server({ hostKeys: [hostKey.private], ident: 'OpenSSH_for_Windows_9.5' }, (c) => {
      conns.add(c);
      c.on('error', () => {}); // a client that rejects our host key must not crash the lab
      c.on('close', () => conns.delete(c));
      c.on('authentication', (ctx) => {
        if (ctx.method === 'publickey') {
          const want = clientPub.getPublicSSH();
          const ok = ctx.key.algo === clientPub.type && ctx.key.data.length === want.length && timingSafeEqual(ctx.key.data, want)
            && (!ctx.signature || clientPub.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true);
          return ok ? ctx.accept() : ctx.reject();
        }
        if (ctx.method === 'password' && spec.password && ctx.password === spec.password) return ctx.accept();
        ctx.reject(['publickey', 'password']);
      });
      c.on('ready', () => c.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp, rejectSftp) => {
          if (!spec.sftpRoot) { rejectSftp(); return; }
          serveReadOnlySftp(acceptSftp(), spec.sftpRoot, sftpOps);
        });
        session.on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          if (spec.behaviour === 'not-powershell' || info.command !== SSH_COMMAND) {
            stream.stderr.write(`'${info.command.split(' ')[0]}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n`);
            stream.exit(1); stream.end(); return;
          }
          let script = '';
          stream.on('data', (d: Buffer) => { script += d.toString('utf8'); });
          stream.on('end', () => {
            if (!script.includes('Get-ExchangeFacts.ps1')) { stream.exit(1); stream.end(); return; }
            stream.stderr.write('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV></PR></MS></Obj></Objs>\r\n');
            switch (spec.behaviour) {
              case 'hang': return; // never answers
              case 'garbage': stream.write('Get-ExchangeFacts: something went wrong\r\n'); stream.exit(1); stream.end(); return;
              case 'huge': { const chunk = 'x'.repeat(1 << 20); for (let i = 0; i < 20; i++) stream.write(chunk); stream.exit(0); stream.end(); return; }
              case 'drop': stream.write('<<<EXAUDIT-FACTS-BEGIN>>>\r\n{"schemaVersion":"1","tar'); c.end(); return;
              default:
                stream.write(`<<<EXAUDIT-FACTS-BEGIN>>>\r\n${JSON.stringify(spec.facts)}\r\n<<<EXAUDIT-FACTS-END>>>\r\n`);
                stream.exit(0); stream.end();
            }
          });
        });
      }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const parsed = utils.parseKey(hostKey.public);
    if (parsed instanceof Error) throw parsed;
    known.push(`[127.0.0.1]:${port} ${parsed.type} ${parsed.getPublicSSH().toString('base64')}`);
    servers.push({ name: spec.name, host: '127.0.0.1', port, spec, sftpOps });
    closers.push(() => new Promise<void>((resolve) => { for (const c of conns) c.end(); server.close(() => resolve()); }));
  }
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `${known.join('\n')}\n`);
  return {
    servers, knownHostsFile, clientKeyFile,
    close: async () => { await Promise.all(closers.map((c) => c())); rmSync(dir, { recursive: true, force: true }); },
  };
}
