#!/usr/bin/env node
// A fake pwsh for node-powershell's protocol: echoes the delimiter WriteLine calls to the right stream and
// answers the collector line with fixture facts. FAKE_PWSH_MODE: facts | hang-once (hang on the first command
// of the first shell, marked by FAKE_PWSH_STATE) | hang-once-stubborn (the same, and that shell ignores SIGTERM)
// | garbage. Each shell appends its pid to FAKE_PWSH_PIDS when set, so a test can see that none is left running.
import { createInterface } from 'node:readline';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

const mode = process.env.FAKE_PWSH_MODE ?? 'facts';
if (process.env.FAKE_PWSH_PIDS) appendFileSync(process.env.FAKE_PWSH_PIDS, `${process.pid}\n`);
const rl = createInterface({ input: process.stdin });
let hung = false;
rl.on('line', (line) => {
  if (hung) return; // a hung command: nothing more is answered, delimiters included
  const m = /^\[Console\]::(Out|Error)\.WriteLine\("(.*)"\)$/.exec(line.trim());
  if (m) {
    (m[1] === 'Out' ? process.stdout : process.stderr).write(`${m[2]}\n`);
    return;
  }
  const b64 = /FromBase64String\('([A-Za-z0-9+/=]+)'\)/.exec(line);
  if (!b64) return;
  const script = Buffer.from(b64[1], 'base64').toString('utf8');
  if (!script.includes('Get-ExchangeFacts.ps1')) {
    process.stderr.write('unexpected script\n');
    return;
  }
  if (mode.startsWith('hang-once') && !existsSync(process.env.FAKE_PWSH_STATE)) {
    writeFileSync(process.env.FAKE_PWSH_STATE, 'hung');
    hung = true;
    if (mode === 'hang-once-stubborn') {
      process.on('SIGTERM', () => {});
      setInterval(() => {}, 60_000);
    }
    return;
  }
  if (mode === 'garbage') {
    process.stdout.write('The term is not recognized\n');
    return;
  }
  process.stdout.write(
    `<<<EXAUDIT-FACTS-BEGIN>>>\n${readFileSync(process.env.FAKE_FACTS, 'utf8').replace(/\s*\n\s*/g, ' ')}\n<<<EXAUDIT-FACTS-END>>>\n`,
  );
});
