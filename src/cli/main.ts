#!/usr/bin/env node
/** exaudit entry point: runs the commander program and maps every failure to one line and an exit code. */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { EXIT, InputError, errorMessage } from '../util/errors.js';

async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exitCode 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (err instanceof InputError) {
      process.stderr.write(`exaudit: ${err.line()}\n`);
      return err.exitCode;
    }
    // The logger the command configured (pino loads here at the latest, only on this path).
    (await import('../util/logger.js')).log().debug({ err }, 'unexpected error');
    process.stderr.write(
      `exaudit: ${errorMessage(err)} (an unexpected error; rerun with --log-level debug for details)\n`,
    );
    return EXIT.USAGE;
  }
}

void main(process.argv).then((code) => {
  process.exitCode = code;
});
