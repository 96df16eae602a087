/** `exaudit audit` (not built yet). */
import type { Command } from 'commander';
import { InputError } from '../util/errors.js';

export function register(program: Command): Command {
  return program.command('audit').description('(not built yet)').allowUnknownOption().allowExcessArguments().action(() => {
    throw new InputError('`exaudit audit` is not built yet');
  });
}
