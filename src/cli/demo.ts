/** `exaudit demo` (not built yet). */
import type { Command } from 'commander';
import { InputError } from '../util/errors.js';

export function register(program: Command): Command {
  return program.command('demo').description('(not built yet)').allowUnknownOption().allowExcessArguments().action(() => {
    throw new InputError('`exaudit demo` is not built yet');
  });
}
