/**
 * YARA rules over file contents, with YARA-X (VirusTotal's Rust rewrite of YARA, as WebAssembly: @virustotal/yara-x;
 * the README says why this engine). exaudit ships its own rules (rules/yara/) and reads users' (`--yara DIR`).
 * Bounded: files are read up to a size cap, and every scan runs in a YARA thread watched by a timer; a scan that
 * outlives its budget (YARA-X's own timeout does not fire under WebAssembly) stops that thread, the file is reported
 * and a new thread takes the next file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { IocHit } from '../contract.js';
import { InputError } from '../util/errors.js';
import { PROJECT_ROOT } from '../util/tool.js';
import { GZ, PAGE_EXT, stripGz } from './kinds.js';

/** The rules exaudit ships. */
export const SHIPPED_YARA = join(PROJECT_ROOT, 'rules', 'yara');

export interface YaraSource {
  file: string;
  source: string;
}
export interface YaraInit {
  sources: YaraSource[];
  maxBytes: number;
}
/**
 * What one YARA scan reads: a file, or the entry of a zip archive at `entry` in its member list (by position: two
 * entries may share a name), gunzipped when `gz`. `name` is how hits name it, as the line sweep does
 * (`archive.zip!/path/in/it`, without `.gz`).
 */
export interface YaraItem {
  name: string;
  file: string;
  entry?: number;
  gz?: boolean;
  /** The bytes themselves, read elsewhere (a file read over SFTP). */
  data?: Uint8Array;
}
export interface YaraMatch {
  rule: string;
  namespace: string;
  meta: Record<string, string>;
  patterns: string[];
}
export interface YaraOptions {
  /** Rule folders: the shipped one and any --yara DIR. */
  dirs: string[];
  /** Scan every file (users' rules), not only web pages. */
  allFiles: boolean;
  timeoutMs: number;
  maxBytes: number;
}
export const YARA_DEFAULTS = { timeoutMs: 10_000, maxBytes: 16 * 1024 * 1024 };

/** The .yar and .yara files of the folders, in name order; a folder without rules is a usage error. */
export function readYaraSources(dirs: string[]): YaraSource[] {
  const out: YaraSource[] = [];
  for (const d of dirs) {
    if (!existsSync(d) || !statSync(d).isDirectory())
      throw new InputError(`--yara ${d}: not a folder`, 'give a folder of .yar or .yara files');
    const files = readdirSync(d)
      .filter((f) => /\.(yar|yara)$/i.test(f))
      .sort();
    if (!files.length) throw new InputError(`--yara ${d}: no .yar or .yara file in it`);
    for (const f of files) out.push({ file: join(d, f), source: readFileSync(join(d, f), 'utf8') });
  }
  return out;
}

interface Scanner {
  scan(data: Uint8Array): YaraMatch[];
}

/**
 * Compiles the sources, each file in its own namespace (its name), so two files may name rules alike. A file that
 * does not compile is a usage error naming it.
 */
export async function compileYara(sources: YaraSource[]): Promise<Scanner> {
  const { initSync, Compiler } = await import('@virustotal/yara-x');
  const wasm = new URL('./yara_x_js_bg.wasm', import.meta.resolve('@virustotal/yara-x'));
  initSync({ module: readFileSync(fileURLToPath(wasm)) });
  const c = new Compiler();
  for (const s of sources) {
    c.newNamespace(s.file.replace(/^.*[\\/]/, '').replace(/\.(yar|yara)$/i, ''));
    try {
      c.addSource(s.source);
    } catch (err) {
      throw new InputError(
        `${s.file}: the YARA rules do not compile: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  const rules = c.build();
  return {
    scan(data) {
      const r = rules.scan(data) as {
        matches: Array<{
          identifier: string;
          namespace: string;
          metadata: Array<{ identifier: string; value: unknown }>;
          patterns: Array<{ identifier: string; matches: unknown[] }>;
        }>;
      };
      return r.matches.map((m) => ({
        rule: m.identifier,
        namespace: m.namespace,
        meta: Object.fromEntries(m.metadata.map((x) => [x.identifier, String(x.value)])),
        patterns: m.patterns.filter((p) => p.matches.length).map((p) => p.identifier),
      }));
    },
  };
}

const SEVERITIES = new Set(['critical', 'high', 'medium', 'low', 'info']);

export function yaraHit(file: string, m: YaraMatch): IocHit {
  const sev = m.meta['severity'];
  return {
    indicator: `yara:${m.namespace}/${m.rule}`,
    advisory: m.meta['advisory'] ?? `YARA rule ${m.rule}`,
    severity: sev && SEVERITIES.has(sev) ? (sev as IocHit['severity']) : 'high',
    file,
    line: 0,
    excerpt:
      `YARA ${m.namespace}/${m.rule} matched ${m.patterns.join(', ')}${m.meta['description'] ? `: ${m.meta['description']}` : ''}`.slice(
        0,
        240,
      ),
  };
}

function workerUrl(): URL {
  const here = new URL('./yara-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/src/ioc/yara-worker.js', import.meta.url);
}

/** Whether YARA reads a file or entry of this name: web pages (also gzipped), or every one with users' rules. */
export const yaraWants = (name: string, allFiles: boolean): boolean => allFiles || PAGE_EXT.test(stripGz(name));

/** The YARA item for an input named `name`: a .gz is read gunzipped and named without .gz, as the line sweep does. */
export function yaraItem(name: string, from: Omit<YaraItem, 'name' | 'gz'>): YaraItem {
  return GZ.test(name) ? { ...from, name: stripGz(name), gz: true } : { ...from, name };
}

type YaraFound = { hits: IocHit[]; unreadable: { file: string; error: string }[] };

/**
 * A YARA thread that scans items one at a time, each within the time budget: a scan past it (or a thread that dies)
 * stops the thread, the item is listed as unreadable and a new thread takes the next item. Calls may overlap (a
 * fleet of SSH sweeps): they are served in turn.
 */
export class YaraScanner {
  private worker: Worker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private next = 0;

  constructor(
    private readonly sources: YaraSource[],
    private readonly opts: Pick<YaraOptions, 'timeoutMs' | 'maxBytes'>,
  ) {}

  scan(item: YaraItem): Promise<YaraFound> {
    const run = this.queue.then(() => this.one(item));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Asked to stop, the thread closes the archive it holds open; terminated, it would leave the file open. */
  async close(): Promise<void> {
    await this.queue;
    const w = this.worker;
    this.worker = undefined;
    if (!w) return;
    const stopped = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 1000);
      w.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    w.postMessage('stop');
    if (!(await stopped)) await w.terminate();
  }

  private start(): Promise<Worker> {
    return new Promise<Worker>((resolve, reject) => {
      const w = new Worker(workerUrl(), {
        workerData: { sources: this.sources, maxBytes: this.opts.maxBytes } satisfies YaraInit,
        execArgv: [],
      });
      w.once('message', () => resolve(w));
      w.once('error', reject);
    });
  }

  private async one(item: YaraItem): Promise<YaraFound> {
    const file = item.name;
    const id = this.next++;
    const w = (this.worker ??= await this.start());
    const answer = await new Promise<{ matches: YaraMatch[]; error?: string } | 'timeout' | 'died'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), this.opts.timeoutMs);
      const done = (v: { id: number; matches: YaraMatch[]; error?: string } | 'died') => {
        clearTimeout(timer);
        w.off('message', onMsg);
        w.off('exit', onExit);
        resolve(v);
      };
      const onMsg = (m: { id: number; matches: YaraMatch[]; error?: string }) => {
        if (m.id === id) done(m);
      };
      const onExit = () => done('died');
      w.on('message', onMsg);
      w.once('exit', onExit);
      w.postMessage({ id, item });
    });
    if (answer === 'timeout' || answer === 'died') {
      await w.terminate();
      this.worker = undefined;
      const error =
        answer === 'timeout'
          ? `YARA scan stopped after ${this.opts.timeoutMs} ms (a rule is too slow on this file); the other rules' results for it are lost`
          : 'the YARA thread stopped on this file';
      return { hits: [], unreadable: [{ file, error }] };
    }
    return {
      hits: answer.matches.map((m) => yaraHit(file, m)),
      unreadable: answer.error ? [{ file, error: `YARA: ${answer.error}` }] : [],
    };
  }
}

/** Scans the items in one YARA thread, in order. */
export async function yaraScan(
  files: YaraItem[],
  sources: YaraSource[],
  opts: Pick<YaraOptions, 'timeoutMs' | 'maxBytes'>,
): Promise<YaraFound> {
  const found: YaraFound = { hits: [], unreadable: [] };
  if (!files.length || !sources.length) return found;
  const scanner = new YaraScanner(sources, opts);
  try {
    for (const item of files) {
      const r = await scanner.scan(item);
      found.hits.push(...r.hits);
      found.unreadable.push(...r.unreadable);
    }
  } finally {
    await scanner.close();
  }
  return found;
}
