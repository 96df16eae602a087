/**
 * `exaudit lab`: starts the fake Exchange fleet on 127.0.0.1 for a person to scan, prints the addresses and
 * the CA file, and runs until Ctrl-C (SIGINT) or SIGTERM, then closes every server and removes the CA file.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { defaultHttpFleet, labFleet, startHttpLab, type HttpLab } from '../lab/index.js';
import { parsePositiveInt } from './common.js';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const MAX_SERVERS = 200;

function parseServers(value: string): number {
  const n = parsePositiveInt(value);
  if (n > MAX_SERVERS) throw new InvalidArgumentError(`expected at most ${MAX_SERVERS}`);
  return n;
}

function describe(s: HttpLab['servers'][number]): string {
  const sp = s.spec;
  const what = sp.frontEnds?.length
    ? `load balancer: ${sp.frontEnds.map((f) => `${f.name} ${f.build}`).join(', ')}`
    : sp.build
      ? sp.build
      : (sp.kind ?? 'exchange');
  const extra = [
    sp.kind && sp.kind !== 'exchange' && sp.kind !== what ? sp.kind : '',
    sp.mitigations?.proxylogon ? 'EOMT cookie rules' : '',
    sp.mitigations?.proxynotshell ? 'EEMS M1.1 URI rule' : '',
    sp.ecp === 'blocked' ? 'ECP blocked' : '',
  ].filter(Boolean);
  return `${s.url.padEnd(24)} ${s.name.padEnd(30)} ${what}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

export function register(program: Command): Command {
  return program
    .command('lab')
    .description('start fake Exchange HTTPS servers on 127.0.0.1 to try `scan` on, until Ctrl-C')
    .option(
      '--servers <n>',
      `how many servers (the default mixed fleet, cycled; 1-${MAX_SERVERS}; default: the whole fleet once)`,
      parseServers,
    )
    .addHelpText(
      'after',
      `
Every server listens on 127.0.0.1 only, with a certificate from a throwaway lab CA whose file is printed.
The fleet: Exchange 2013 before the July 2021 SU, 2016 and 2019 before and after it, SE, with and without
the URL-rewrite mitigations, ECP blocked (CU-level only), a load-balanced pair on two builds, Exchange Online,
a non-Exchange host, a pre-authenticating proxy and a TLS-broken host.

Example:
  exaudit lab --servers 6
  then run the "Scan them:" command it prints (every lab target is in its targets file)`,
    )
    .action(async (opts: { servers?: number }) => {
      const lab = await startHttpLab(labFleet(opts.servers ?? defaultHttpFleet().length));
      // Every target in a file beside the CA (removed with it), so the suggested command runs exactly as printed.
      const targetsFile = join(dirname(lab.caFile), 'targets.txt');
      writeFileSync(targetsFile, `${lab.targets().join('\n')}\n`);
      const quote = (p: string) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);
      process.stdout.write(
        `${lab.servers.map(describe).join('\n')}\n\nCA certificate: ${lab.caFile}\nTargets file:   ${targetsFile}\n` +
          `Scan them:  exaudit scan --targets-file ${quote(targetsFile)} --ca ${quote(lab.caFile)} --probe mitigations\n` +
          'Ctrl-C stops the lab.\n',
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await lab.close();
      process.stderr.write('exaudit lab: stopped\n');
    });
}
