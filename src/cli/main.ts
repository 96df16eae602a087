#!/usr/bin/env node
/** exaudit entry point: runs the commander program and maps every failure to one line and an exit code. */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { EXIT, InputError, errorMessage } from '../util/errors.js';
import { oneLine } from '../util/text.js';

/**
 * Every message line exaudit writes on stderr ("exaudit: …") is one line without terminal control sequences, whatever
 * a server name, a log file, a zip entry, a waiver or an error message it quotes holds: nothing it prints can move the
 * cursor, rewrite a line, set the title or start a forged line. (The progress bar and the password prompt, which are
 * ours, do not start with "exaudit".)
 */
const writeErr = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
  const text =
    typeof chunk === 'string' && chunk.startsWith('exaudit')
      ? `${oneLine(chunk.replace(/\n$/, ''))}${chunk.endsWith('\n') ? '\n' : ''}`
      : chunk;
  return (writeErr as (c: unknown, ...r: unknown[]) => boolean)(text, ...rest);
}) as typeof process.stderr.write;

/** A reader that went away (`exaudit … | head`): not an error; end now, quietly, with the code so far. */
const isEpipe = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
process.stdout.on('error', (err) => {
  if (!isEpipe(err)) throw err;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK);
});

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
      process.stderr.write(`exaudit: ${oneLine(err.line())}\n`);
      return err.exitCode;
    }
    if (isEpipe(err)) return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
    // The logger the command configured (pino loads here at the latest, only on this path).
    (await import('../util/logger.js')).log().debug({ err }, 'unexpected error');
    process.stderr.write(
      `exaudit: ${oneLine(errorMessage(err))} (an unexpected error; rerun with --log-level debug for details)\n`,
    );
    return EXIT.USAGE;
  }
}

void main(process.argv).then((code) => {
  process.exitCode = code;
});
