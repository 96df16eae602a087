// Assembles src/ioc/teddy.wat into src/ioc/teddy-wasm.ts (the module's bytes as base64, so tsc carries it into dist
// and no file is looked up at run time). Run by `npm run build:wasm`; tests/ioc/teddy-wasm.test.ts checks the result
// is current.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

export async function assemble() {
  const src = fileURLToPath(new URL('../src/ioc/teddy.wat', import.meta.url));
  const w = await wabt();
  const mod = w.parseWat('teddy.wat', readFileSync(src, 'utf8'), { simd: true });
  mod.validate();
  const bytes = Buffer.from(mod.toBinary({}).buffer);
  mod.destroy();
  const b64 = bytes.toString('base64').match(/.{1,100}/g).map((l) => `  '${l}',`);
  return [
    '// Generated from teddy.wat by scripts/build-wasm.mjs (npm run build:wasm): do not edit.',
    'export const TEDDY_WASM = [',
    ...b64,
    "].join('');",
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(fileURLToPath(new URL('../src/ioc/teddy-wasm.ts', import.meta.url)), await assemble());
}
