/** `exaudit build` (not built yet). */
import type { Command } from 'commander';
import { InputError } from '../util/errors.js';

export function register(program: Command): Command {
  return program.command('build').description('(not built yet)').allowUnknownOption().allowExcessArguments().action(() => {
    throw new InputError('`exaudit build` is not built yet');
  });
}
