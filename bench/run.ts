/** `npm run bench [name] [-- options]`: start, fleet (--sizes), scan (--servers N --rounds R --nmap-script FILE --nmap-sv --no-nmap), ioc (--gib G --rounds R --fresh); ratios against a reference run in the same process. */
import { runScanBench } from './scan.js';
import { runIocBench } from './ioc.js';
import { runStartBench } from './start.js';
import { runFleetBench } from './fleet.js';
import { BenchInputError } from './scan-nmap.js';

const BENCHES: Record<string, (args: string[]) => Promise<void>> = {
  start: async (args) => {
    const i = args.indexOf('--rounds');
    runStartBench(i >= 0 ? Number(args[i + 1]) : 15);
  },
  fleet: async (args) => {
    const i = args.indexOf('--sizes');
    await runFleetBench(i >= 0 ? args[i + 1]!.split(',').map(Number) : [1000, 5000, 20000]);
  },
  scan: (args) => {
    const str = (flag: string) => {
      const i = args.indexOf(flag);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const num = (flag: string) => (str(flag) === undefined ? undefined : Number(str(flag)));
    return runScanBench({
      servers: num('--servers'),
      rounds: num('--rounds'),
      concurrency: num('--concurrency'),
      workers: num('--workers'),
      cli: !args.includes('--no-cli'),
      nmap: !args.includes('--no-nmap'),
      nmapScript: str('--nmap-script'),
      nmapData: str('--nmap-data'),
      nmapServiceDetection: args.includes('--nmap-sv'),
    });
  },
  ioc: async (args) => {
    const i = args.indexOf('--gib');
    const r = args.indexOf('--rounds');
    await runIocBench({
      gib: i >= 0 ? Number(args[i + 1]) : 1,
      fresh: args.includes('--fresh'),
      ...(r >= 0 ? { rounds: Number(args[r + 1]) } : {}),
    });
  },
};

const [name, ...rest] = process.argv.slice(2);
const chosen = name && !name.startsWith('--') ? [name] : Object.keys(BENCHES);
for (const b of chosen) {
  const run = BENCHES[b];
  if (!run) {
    process.stderr.write(`unknown bench "${b}" (have: ${Object.keys(BENCHES).join(', ')})\n`);
    process.exit(2);
  }
  try {
    await run(name && !name.startsWith('--') ? rest : process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof BenchInputError)) throw err;
    process.stderr.write(`bench ${b}: ${err.message}\n`);
    process.exit(2);
  }
}
