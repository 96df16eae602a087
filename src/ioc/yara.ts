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

/** Scans the items in a YARA thread, one at a time, each within the time budget. */
export async function yaraScan(
  files: YaraItem[],
  sources: YaraSource[],
  opts: Pick<YaraOptions, 'timeoutMs' | 'maxBytes'>,
): Promise<{ hits: IocHit[]; unreadable: { file: string; error: string }[] }> {
  const hits: IocHit[] = [];
  const unreadable: { file: string; error: string }[] = [];
  if (!files.length || !sources.length) return { hits, unreadable };
  let worker: Worker | undefined;
  const start = () =>
    new Promise<Worker>((resolve, reject) => {
      const w = new Worker(workerUrl(), {
        workerData: { sources, maxBytes: opts.maxBytes } satisfies YaraInit,
        execArgv: [],
      });
      w.once('message', () => resolve(w));
      w.once('error', reject);
    });
  try {
    for (const [id, item] of files.entries()) {
      const file = item.name;
      worker ??= await start();
      const w = worker;
      const answer = await new Promise<{ matches: YaraMatch[]; error?: string } | 'timeout' | 'died'>((resolve) => {
        const timer = setTimeout(() => resolve('timeout'), opts.timeoutMs);
        const done = (v: { id: number; matches: YaraMatch[]; error?: string } | 'died') => {
          clearTimeout(timer);
          w.off('message', onMsg);
          w.off('exit', onExit);
          resolve(v === 'died' ? v : v);
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
        worker = undefined;
        unreadable.push({
          file,
          error:
            answer === 'timeout'
              ? `YARA scan stopped after ${opts.timeoutMs} ms (a rule is too slow on this file); the other rules' results for it are lost`
              : 'the YARA thread stopped on this file',
        });
        continue;
      }
      if (answer.error) unreadable.push({ file, error: `YARA: ${answer.error}` });
      for (const m of answer.matches) hits.push(yaraHit(file, m));
    }
  } finally {
    // Asked to stop, the thread closes the archive it holds open; terminated, it would leave the file open.
    if (worker) {
      const w = worker;
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
  }
  return { hits, unreadable };
}
