/** Entry point of `npm run catalog:import` and `npm run catalog:refresh` (dist/src/catalog/import/main.js). */
import { main as importMain } from './cli.js';
import { main as refreshMain } from './refresh/cli.js';

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (argv: string[]) => number> = { import: importMain, refresh: refreshMain };
const run = command ? commands[command] : undefined;
if (!run) {
  console.error(
    'usage: main.js import [--check] [--rules DIR] | refresh [inputs…] (see src/catalog/import/refresh/cli.ts)',
  );
  process.exitCode = 2;
} else {
  try {
    process.exitCode = run(rest);
  } catch (err) {
    // One line naming the command and the cause (a bad option, an unreadable or invalid input file).
    console.error(`catalog ${command}: ${(err as Error).message}`);
    process.exitCode = 2;
  }
}
