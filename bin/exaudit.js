#!/usr/bin/env node
// The package's bin: a committed, executable shim, so `npx exaudit` runs whatever order npm links and builds in.
// It loads the compiled CLI and says in one line what to do when it has not been built yet.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    `exaudit: the compiled CLI is missing (${fileURLToPath(main)}); run \`npm install\` or \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}\n`,
  );
  process.exit(2);
}
await import(main.href);
