/**
 * The SSH options `audit --ssh` and `ioc --ssh` share: authentication (key, agent, password from an environment
 * variable or a hidden prompt, never from argv), host-key verification and connect timeout.
 */
import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from './common.js';
import { InputError } from '../util/errors.js';
import type { SshOptions } from '../collect/ssh/index.js';

export interface SshCliOptions {
  identity?: string;
  knownHosts?: string;
  acceptNewHostKey?: boolean;
  passwordEnv?: string;
  connectTimeout?: number;
}

export function addSshOptions(cmd: Command): Command {
  return cmd
    .option('--identity <file>', 'SSH private key (default: the SSH agent)')
    .option(
      '--password-env <var>',
      'read the SSH password from this environment variable (never from the command line)',
    )
    .option(
      '--known-hosts <file>',
      'known_hosts file for host key verification',
      join(homedir(), '.ssh', 'known_hosts'),
    )
    .option(
      '--accept-new-host-key',
      'trust and record keys of hosts not yet in known_hosts (a changed key is always refused)',
    )
    .addOption(
      new Option('--connect-timeout <duration>', 'SSH handshake timeout: 15s, 1m (a plain number is milliseconds)')
        .argParser(parseDuration)
        .default(15_000, '15s'),
    );
}

/**
 * Resolves the options into ssh2 settings; asks for a password on the terminal only when nothing else can log in
 * (no --identity, no agent, no --password-env, not every target with its own identity, and a terminal to ask on).
 */
export async function sshOptionsFrom(
  opts: SshCliOptions,
  commandTimeoutMs: number,
  everyTargetHasIdentity = false,
): Promise<SshOptions> {
  if (opts.identity && !existsSync(opts.identity))
    throw new InputError(
      `--identity ${opts.identity}: no such file`,
      'give the path of an SSH private key (OpenSSH or PEM format)',
    );
  let password = opts.passwordEnv ? process.env[opts.passwordEnv] : undefined;
  if (opts.passwordEnv && password === undefined)
    throw new InputError(`--password-env ${opts.passwordEnv}: that environment variable is not set`);
  if (!password && !opts.identity && !everyTargetHasIdentity && !process.env['SSH_AUTH_SOCK'] && process.stdin.isTTY)
    password = await promptHidden('SSH password: ');
  return {
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(password ? { password } : {}),
    knownHostsFile: opts.knownHosts!,
    acceptNewHostKey: !!opts.acceptNewHostKey,
    connectTimeoutMs: opts.connectTimeout ?? 15_000,
    commandTimeoutMs,
  };
}

/** Reads a password from the terminal without echoing it (never from argv). */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    process.stderr.write(question);
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (d: Buffer) => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          process.stderr.write('\n');
          process.exit(130);
        }
        value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on('data', onData);
  });
}
