/** `exaudit scan` (not built yet). */
import type { Command } from 'commander';
import { InputError } from '../util/errors.js';

export function register(program: Command): Command {
  return program.command('scan').description('(not built yet)').allowUnknownOption().allowExcessArguments().action(() => {
    throw new InputError('`exaudit scan` is not built yet');
  });
}
