/**
 * nmap with the ms-exchange-version NSE script (https://github.com/righel/ms-exchange-version-nse, GPLv3; never
 * copied into this repository: the bench is told where a clone is) against the bench's loopback fleet.
 *
 * The script downloads its version tables from raw.githubusercontent.com for every port it scans. The bench lets
 * nothing leave the machine: it runs a copy of the script whose GitHub URLs point at a loopback server of its own
 * serving the same files from the clone, and refuses a script that would still reach any other address. nmap
 * runs the script only on ports it believes are HTTP(S); the fleet's ports are random, so a data folder of our
 * own names them https (nmap-services), as port 443 would be, and nmap's service detection (-sV) is not needed.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { basename, dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { XMLParser } from 'fast-xml-parser';
import type { BenchServer } from './scan-fleet.js';

export const NMAP_SCRIPT_URL = 'https://github.com/righel/ms-exchange-version-nse';

/** A bench input that cannot be used: said in one line, exit code 2. */
export class BenchInputError extends Error {
  override name = 'BenchInputError';
}

export interface NmapScriptSource {
  /** The ms-exchange-version.nse file. */
  script: string;
  /** Where its data files are (default: the script's folder, as in a clone of its repository). */
  dataDir: string;
}

/** The script from `--nmap-script` or EXAUDIT_NMAP_SCRIPT, its data from `--nmap-data` or EXAUDIT_NMAP_DATA. */
export function nmapScriptSource(
  script: string | undefined,
  dataDir: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): NmapScriptSource | undefined {
  const file = script ?? env['EXAUDIT_NMAP_SCRIPT'];
  if (!file) return undefined;
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile())
    throw new BenchInputError(
      `--nmap-script ${file}: no such file; clone ${NMAP_SCRIPT_URL} and give the path of its ms-exchange-version.nse`,
    );
  const data = resolve(dataDir ?? env['EXAUDIT_NMAP_DATA'] ?? dirname(path));
  if (!existsSync(data) || !statSync(data).isDirectory())
    throw new BenchInputError(
      `--nmap-data ${dataDir}: no such folder; give the folder holding the script's JSON files`,
    );
  return { script: path, dataDir: data };
}

const GITHUB_RAW = /https:\/\/raw\.githubusercontent\.com\/[\w.-]+\/[\w.-]+\/[\w.-]+\/([\w.-]+)/g;

/** Every `scheme://…` in the text (found by the `://`, so the scan stays linear). */
function urlsIn(text: string): string[] {
  const urls: string[] = [];
  for (let i = text.indexOf('://'); i >= 0; i = text.indexOf('://', i + 3)) {
    let a = i;
    while (a > 0 && i - a < 16 && /[a-z0-9+.-]/i.test(text[a - 1]!)) a--;
    let b = i + 3;
    while (b < text.length && !/[\s"'<>()[\]]/.test(text[b]!)) b++;
    urls.push(text.slice(a, b));
  }
  return urls;
}

/** The text without the script's `description = [[…]]` (prose, where reference links are harmless). */
function withoutDescription(text: string): string {
  const d = /description\s*=\s*\[\[/.exec(text);
  if (!d) return text;
  const end = text.indexOf(']]', d.index + d[0].length);
  return end < 0 ? text : text.slice(0, d.index) + text.slice(end + 2);
}

/**
 * The script with every raw.githubusercontent.com URL pointing at `base` (a loopback URL ending in `/`), and the
 * file names it fetches. Throws when anything else would leave the machine: a URL that is not on `base` outside
 * the description text, or an `http.get_url` whose address is not written out.
 */
export function localiseScript(text: string, base: string): { text: string; files: string[] } {
  const files = new Set<string>();
  const out = text.replace(GITHUB_RAW, (_, file: string) => {
    files.add(file);
    return `${base}${file}`;
  });
  const code = withoutDescription(out);
  const foreign = urlsIn(code).filter((u) => !u.startsWith(base));
  if (foreign.length)
    throw new BenchInputError(
      `the nmap script would reach ${foreign[0]}, which is not on this machine; the bench runs it on loopback only`,
    );
  const calls = code.split('get_url(').length - 1;
  const literal = code.split(`get_url("${base}`).length - 1;
  if (calls !== literal)
    throw new BenchInputError(
      'the nmap script fetches an address it computes (http.get_url without a written URL); the bench cannot keep it on loopback',
    );
  for (const f of files)
    if (f === '.' || f === '..') throw new BenchInputError(`the nmap script fetches an unexpected path (${f})`);
  return { text: out, files: [...files] };
}

/** A loopback HTTP server for the script's data files, counting what it served. */
export interface DataServer {
  base: string;
  served(): number;
  close(): Promise<void>;
}

/** Throws when a data file the script fetches is not in `dir`. */
export function checkDataFiles(dir: string, files: string[]): void {
  const missing = files.filter((f) => !existsSync(join(dir, f)));
  if (missing.length)
    throw new BenchInputError(
      `${join(dir, missing[0]!)}: missing; the ms-exchange-version script needs ${files.join(', ')} (in its repository, ${NMAP_SCRIPT_URL}); give their folder with --nmap-data`,
    );
}

export async function startDataServer(dir: string, files: string[]): Promise<DataServer> {
  checkDataFiles(dir, files);
  const bodies = new Map(files.map((f) => [`/${f}`, readFileSync(join(dir, f))]));
  let served = 0;
  const server: Server = createServer((req, res) => {
    const body = bodies.get((req.url ?? '').split('?')[0]!);
    if (!body || req.method !== 'GET') {
      res.writeHead(404, { 'content-length': 0 }).end();
      return;
    }
    served++;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as { port: number }).port;
  return {
    base: `http://127.0.0.1:${port}/`,
    served: () => served,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** nmap's version, or undefined when it is not installed. */
export function nmapVersion(): string | undefined {
  const v = spawnSync('nmap', ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) return undefined;
  return /Nmap version (\S+)/.exec(v.stdout)?.[1] ?? '?';
}

export interface NmapPlan {
  /** nmap's arguments (XML on stdout). */
  args: string[];
  /** What it was given, shortened for the report. */
  command: string;
}

/**
 * Writes the localised script and a data folder naming every fleet port https into `dir`, and returns nmap's
 * arguments: no host discovery, no DNS, only these ports on 127.0.0.1, the script (with the cache size its README
 * asks for when scanning many targets), and -sV when asked.
 */
export function nmapPlan(
  dir: string,
  ports: number[],
  script: { name: string; text: string } | undefined,
  serviceDetection: boolean,
): NmapPlan {
  const args = ['-Pn', '-n', '-p', ports.join(',')];
  if (script) {
    const file = join(dir, script.name);
    writeFileSync(file, script.text);
    const datadir = join(dir, 'nmap-data');
    mkdirSync(datadir, { recursive: true });
    writeFileSync(join(datadir, 'nmap-services'), ports.map((p) => `https\t${p}/tcp\t0.5\n`).join(''));
    args.push('--datadir', datadir, '--script', file, '--script-args', 'http.max-cache-size=10000000');
  }
  if (serviceDetection) args.push('-sV');
  // Bounds: a script that stalls on one port cannot hold the run.
  args.push('--script-timeout', '120s', '--host-timeout', '30m', '127.0.0.1', '-oX', '-');
  const short = (a: string) => (a.startsWith('/') ? basename(a) : a.length > 40 ? `${a.slice(0, 18)}…` : a);
  const command = `nmap ${args.map(short).join(' ')}`;
  return { args, command };
}

/** What the script printed for one port: the builds it named (one table each) and any error text. */
export interface ScriptAnswer {
  builds: string[];
  /** The key of each table: the build the script read before looking it up (a CU when it only had the OWA path). */
  read: string[];
  error?: string;
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['port', 'script', 'table', 'elem', 'host'].includes(name),
});

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);

/** Per port, what the ms-exchange-version script answered, from nmap's XML output. */
export function parseNmapXml(text: string): Map<number, ScriptAnswer> {
  const doc = xml.parse(text) as { nmaprun?: { host?: Node[] } };
  const answers = new Map<number, ScriptAnswer>();
  for (const host of doc.nmaprun?.host ?? [])
    for (const port of list((host['ports'] as Node | undefined)?.['port'])) {
      const s = list(port['script']).find((x) => x['id'] === 'ms-exchange-version');
      if (!s) continue;
      const answer: ScriptAnswer = { builds: [], read: [] };
      const visit = (t: Node) => {
        const build = list(t['elem']).find((e) => e['key'] === 'build');
        if (build && typeof t['key'] === 'string') {
          answer.read.push(t['key']);
          answer.builds.push(String(build['#text']));
        }
        list(t['table']).forEach(visit);
      };
      list(s['table']).forEach(visit);
      if (!answer.builds.length) answer.error = String(s['output'] ?? '').trim();
      answers.set(Number(port['portid']), answer);
    }
  return answers;
}

/**
 * How many servers the script got right: one build named, equal to the server's (a CU-level server is right only
 * if the script names its CU and no four-part build, since it cannot know one), and the wrong ones grouped.
 */
export function scriptScore(
  servers: BenchServer[],
  answers: Map<number, ScriptAnswer>,
): { right: number; wrong: { expected: string; got: string; count: number }[] } {
  let right = 0;
  const wrong = new Map<string, { expected: string; got: string; count: number }>();
  for (const s of servers) {
    const a = answers.get(s.port);
    const got = !a
      ? 'no answer'
      : a.builds.length
        ? a.builds.join(' or ')
        : (a.error ?? 'no build').split('\n')[0]!.slice(0, 100);
    if (a?.builds.length === 1 && a.builds[0] === s.expect.build) {
      right++;
      continue;
    }
    const expected = `${s.expect.build}${s.expect.precision === 'cu' ? ' (CU only)' : ''}`;
    const key = `${expected}|${got}`;
    const w = wrong.get(key) ?? { expected, got, count: 0 };
    w.count++;
    wrong.set(key, w);
  }
  return { right, wrong: [...wrong.values()].sort((a, b) => b.count - a.count) };
}
