/** `exaudit verify <dir>`: re-hash an evidence directory against its manifest and name what changed. */
import type { Command } from 'commander';
import { verifyEvidence } from '../output/evidence.js';
import { EXIT } from '../util/errors.js';
import { oneLine } from '../util/text.js';

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
      // File names come from the folder and its manifest: printed on one line each, without control sequences.
      const line = (tag: string, p: string) => process.stdout.write(`${tag}${oneLine(p)}\n`);
      for (const p of r.problems) line('problem  ', p);
      for (const p of r.changed) line('changed  ', p);
      for (const p of r.missing) line('missing  ', p);
      for (const p of r.extra) line('extra    ', p);
      line(`${r.ok ? 'intact' : 'NOT intact'}: `, `${dir} (manifest sha256 ${r.manifestSha256 || 'not read'})`);
      process.exitCode = r.ok ? EXIT.OK : EXIT.FINDINGS;
    });
}
