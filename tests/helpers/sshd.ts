/**
 * Debian's OpenSSH server (installed by .ci/run) on 127.0.0.1 for tests: fresh host and client keys in a temp
 * folder, key authentication only, the caller's extra sshd_config lines, a pinned known_hosts. Bounded start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';
export const haveSshd = existsSync(SSHD) && spawnSync('ssh-keygen', ['-?']).error === undefined;

export interface Sshd {
  dir: string;
  port: number;
  clientKey: string;
  knownHosts: string;
  /** Stops sshd and waits for it to exit, then removes its folder. */
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = createServer();
    c.once('error', () => resolve(true));
    c.listen(port, '127.0.0.1', () => c.close(() => resolve(false)));
  });

export async function startSshd(extraConfig: (dir: string) => string[]): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'exaudit-sshd-'));
  const port = await freePort();
  const kg = (f: string) => spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, f)]);
  kg('host_key');
  kg('client_key');
  copyFileSync(join(dir, 'client_key.pub'), join(dir, 'authorized_keys'));
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin yes',
      'LogLevel ERROR',
      ...extraConfig(dir),
    ].join('\n') + '\n',
  );
  spawnSync('mkdir', ['-p', '/run/sshd']);
  const sshd: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  for (let i = 0; i < 50 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 100));
  const pub = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(' ');
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${pub[0]} ${pub[1]}\n`);
  return {
    dir,
    port,
    clientKey: join(dir, 'client_key'),
    knownHosts,
    stop: async () => {
      if (sshd.exitCode === null && sshd.signalCode === null) {
        const exited = new Promise((resolve) => sshd.once('exit', resolve));
        sshd.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
