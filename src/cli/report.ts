/** `exaudit report` (not built yet). */
import type { Command } from 'commander';
import { InputError } from '../util/errors.js';

export function register(program: Command): Command {
  return program.command('report').description('(not built yet)').allowUnknownOption().allowExcessArguments().action(() => {
    throw new InputError('`exaudit report` is not built yet');
  });
}
