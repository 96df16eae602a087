/** `exaudit verify <dir>`: re-hash an evidence directory against its manifest and name what changed. */
import type { Command } from 'commander';
import { verifyEvidence } from '../output/evidence.js';
import { EXIT } from '../util/errors.js';

export function register(program: Command): Command {
  return program
    .command('verify')
    .description(
      'check an evidence directory against its manifest.json and SHA256SUMS (exit 0 intact, 1 changed, 2 no manifest)',
    )
    .argument(
      '<dir>',
      'directory written by `exaudit report --output DIR` (or scan/audit/ioc with --output DIR, or `exaudit demo`)',
    )
    .addHelpText(
      'after',
      `
Names every file that changed (any byte), is missing, or was added since the manifest was written; a change
to manifest.json or SHA256SUMS themselves is found too. Hashes catch accidental and casual changes: record
the printed manifest digest somewhere the report's author cannot edit (a ticket, git, WORM storage) for
integrity against someone who rewrites the manifest as well.

Example:
  exaudit report result.json --directive ed-21-02 --format html,json --output evidence/
  exaudit verify evidence/`,
    )
    .action((dir: string) => {
      const r = verifyEvidence(dir);
      for (const p of r.problems) process.stdout.write(`problem  ${p}\n`);
      for (const p of r.changed) process.stdout.write(`changed  ${p}\n`);
      for (const p of r.missing) process.stdout.write(`missing  ${p}\n`);
      for (const p of r.extra) process.stdout.write(`extra    ${p}\n`);
      process.stdout.write(`${r.ok ? 'intact' : 'NOT intact'}: ${dir} (manifest sha256 ${r.manifestSha256})\n`);
      process.exitCode = r.ok ? EXIT.OK : EXIT.FINDINGS;
    });
}
