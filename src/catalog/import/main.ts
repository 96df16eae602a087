/** Entry point of `npm run catalog:import` and `npm run catalog:refresh` (compiled to dist/src/catalog/import/main.js). */
import { main as importMain } from './cli.js';
import { main as refreshMain } from './refresh/cli.js';

const [command, ...rest] = process.argv.slice(2);
try {
  process.exitCode = command === 'refresh' ? refreshMain(rest) : command === 'import' ? importMain(rest) : 2;
  if (command !== 'refresh' && command !== 'import')
    console.error('usage: catalog import [--check] | refresh [inputs…]');
} catch (err) {
  console.error(`catalog ${command}: ${(err as Error).message}`);
  process.exitCode = 2;
}
