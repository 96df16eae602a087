/** `exaudit lab`: starts the fake Exchange fleet on 127.0.0.1 for a person to scan, until Ctrl-C. */
import type { Command } from 'commander';
import { defaultHttpFleet, startHttpLab } from '../lab/index.js';
import { parsePositiveInt } from './common.js';

export function register(program: Command): Command {
  return program.command('lab')
    .description('start a lab of fake Exchange HTTPS servers on 127.0.0.1 (for trying scan), until Ctrl-C')
    .option('--servers <n>', 'how many servers (cycles through the default mixed fleet)', parsePositiveInt)
    .addHelpText('after', `
Example:
  exaudit lab --servers 6
  exaudit scan 127.0.0.1:PORT --ca /tmp/.../lab-ca.pem      (addresses and CA path are printed)`)
    .action(async (opts: { servers?: number }) => {
      const fleet = defaultHttpFleet();
      const n = opts.servers ?? fleet.length;
      const specs = Array.from({ length: n }, (_, i) => ({ ...fleet[i % fleet.length]!, name: `${fleet[i % fleet.length]!.name}${i >= fleet.length ? `-${i}` : ''}` }));
      const lab = await startHttpLab(specs);
      for (const s of lab.servers) process.stdout.write(`${s.url.padEnd(28)} ${s.spec.name}${s.spec.build ? ` (${s.spec.build})` : ''}\n`);
      process.stdout.write(`\nCA: ${lab.caFile}\nscan them with: exaudit scan ${lab.servers.map((s) => `127.0.0.1:${s.port}`).join(' ')} --ca ${lab.caFile}\nCtrl-C stops the lab.\n`);
      await new Promise<void>((resolve) => {
        const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await lab.close();
    });
}
