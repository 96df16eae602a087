/**
 * `ioc --ssh`: sweeps an Exchange server's own log folders and web roots over SFTP (Windows OpenSSH ships the
 * SFTP subsystem), with the same rules as a local sweep. Read-only by construction: the only SFTP requests sent
 * are realpath, stat, opendir/readdir, open for reading, read and close; nothing runs on the server. The walk is
 * bounded (depth, file count) and every file is streamed, so memory stays flat.
 */
import type { SFTPWrapper } from 'ssh2';
import { Transform, type Readable } from 'node:stream';
import { errorMessage } from '../util/errors.js';
import { withSshConnection, type SshFailure, type SshOptions, type SshTarget } from '../collect/ssh/index.js';
import { emptyUnit, type RuleSet, type UnitResult } from './scan-unit.js';
import { scanStream } from './inputs.js';
import { yaraItem, yaraWants, type YaraScanner } from './yara.js';

const V15 = '/C:/Program Files/Microsoft/Exchange Server/V15';
/** Where Exchange keeps what the indicators read (Test-ProxyLogon's locations), on the default install path. */
export const DEFAULT_REMOTE_PATHS = [
  `${V15}/Logging/HttpProxy`,
  `${V15}/Logging/ECP/Server`,
  `${V15}/Logging/OABGeneratorLog`,
  `${V15}/FrontEnd/HttpProxy/owa/auth`,
  `${V15}/FrontEnd/HttpProxy/ecp/auth`,
  '/C:/inetpub/wwwroot/aspnet_client',
];

export interface RemoteSweepOptions extends SshOptions {
  paths?: string[];
  maxFiles?: number;
  maxDepth?: number;
  /** YARA over the files read (web pages, or every file with users' rules), their first `maxBytes` each. */
  yara?: { scanner: YaraScanner; allFiles: boolean; maxBytes: number };
}

/** The stream passed on as it comes, its first `max` bytes also kept (for YARA): memory stays bounded. */
function keepHead(input: Readable, max: number): { stream: Readable; head: () => Buffer } {
  const kept: Buffer[] = [];
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (size < max) {
        const part = Buffer.from(chunk.subarray(0, max - size));
        kept.push(part);
        size += part.length;
      }
      done(null, chunk);
    },
  });
  input.on('error', (e) => stream.destroy(e));
  input.pipe(stream);
  return { stream, head: () => Buffer.concat(kept, size) };
}

export interface RemoteSweep {
  target: string;
  result?: UnitResult;
  failure?: { status: 'unreachable' | 'error'; error: string };
  skipped: string[];
  /** The roots that were there and were read. */
  swept: string[];
}

/** What a server's folders hold that the rules read (archives are left to a local sweep of a copy). */
const SWEPT = /\.(log|txt|csv|xml|evtx|aspx|ashx|asmx|asax|config|gz)$/i;

const call = <T>(fn: (cb: (err: Error | undefined | null, v: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));

interface SftpEntry {
  filename: string;
  attrs: { mode: number; size: number };
}
const isDir = (mode: number) => (mode & 0o170000) === 0o040000;
const isFile = (mode: number) => (mode & 0o170000) === 0o100000;

/** Files under a remote root, depth-first in name order, within the bounds. */
async function list(
  sftp: SFTPWrapper,
  root: string,
  maxDepth: number,
  room: () => boolean,
): Promise<Array<{ path: string; size: number }>> {
  const out: Array<{ path: string; size: number }> = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    const handle = await call<Buffer>((cb) => sftp.opendir(dir, cb));
    const entries: SftpEntry[] = [];
    try {
      for (;;) {
        const batch = await new Promise<SftpEntry[] | false>((resolve, reject) =>
          sftp.readdir(handle, (err, list) => {
            if (err && (err as Error & { code?: number }).code === 1)
              resolve(false); // EOF
            else if (err) reject(err);
            else resolve(list as unknown as SftpEntry[]);
          }),
        );
        if (!batch) break;
        entries.push(...batch);
      }
    } finally {
      await call<void>((cb) => sftp.close(handle, (err) => cb(err, undefined))).catch(() => {});
    }
    for (const e of entries.sort((a, b) => a.filename.localeCompare(b.filename))) {
      if (e.filename === '.' || e.filename === '..') continue;
      const path = `${dir}/${e.filename}`;
      if (isDir(e.attrs.mode)) {
        if (depth < maxDepth) await visit(path, depth + 1);
      } else if (isFile(e.attrs.mode) && SWEPT.test(e.filename) && room()) out.push({ path, size: e.attrs.size });
    }
  };
  const st = await call<{ mode: number; size: number }>((cb) => sftp.stat(root, cb));
  if (isDir(st.mode)) await visit(root, 0);
  else if (isFile(st.mode) && room()) out.push({ path: root, size: st.size });
  else if (!isFile(st.mode)) throw new Error('not a regular file or folder');
  return out;
}

/** Sweeps one server over SFTP; a failure is that server's, never the run's. */
export function sweepOverSsh(t: SshTarget, opts: RemoteSweepOptions, set: RuleSet): Promise<RemoteSweep> {
  const failed = (failure: SshFailure): RemoteSweep => ({ target: t.name, failure, skipped: [], swept: [] });
  const limit = {
    ms: opts.commandTimeoutMs,
    message: `the sweep did not finish within ${opts.commandTimeoutMs} ms (raise --timeout)`,
  };
  return withSshConnection(
    t,
    opts,
    failed,
    (conn, finish) => {
      let finished = false;
      const end = (r: RemoteSweep) => {
        finished = true;
        finish(r);
      };
      conn.sftp((err, sftp) => {
        // A protocol error on the SFTP channel ends this server's sweep; never an unhandled 'error' event.
        sftp?.on('error', (e: Error) => end(failed({ status: 'error', error: `SFTP: ${errorMessage(e)}` })));
        if (err)
          return end(
            failed({
              status: 'error',
              error: `no SFTP subsystem on ${t.host}:${t.port} (${errorMessage(err)}); ioc --ssh reads the logs over SFTP`,
            }),
          );
        sweepFolders(t, opts, sftp, set, () => finished).then(
          (r) => end(r),
          (e: unknown) => end(failed({ status: 'error', error: errorMessage(e) })),
        );
      });
    },
    limit,
  );
}

async function sweepFolders(
  t: SshTarget,
  opts: RemoteSweepOptions,
  sftp: SFTPWrapper,
  set: RuleSet,
  stopped: () => boolean,
): Promise<RemoteSweep> {
  const res = emptyUnit();
  const skipped: string[] = [];
  const swept: string[] = [];
  const explicit = !!opts.paths?.length;
  const roots = explicit ? opts.paths! : DEFAULT_REMOTE_PATHS;
  let count = 0;
  const maxFiles = opts.maxFiles ?? 100_000;
  const room = () => count++ < maxFiles;
  for (const root of roots) {
    let files: Array<{ path: string; size: number }>;
    try {
      files = await list(sftp, root, opts.maxDepth ?? 8, room);
    } catch (e) {
      // A default folder that does not exist is normal (an Edge server has no HttpProxy logs).
      if (explicit) res.unreadable.push({ file: `${t.name}:${root}`, error: errorMessage(e) });
      else skipped.push(root);
      continue;
    }
    swept.push(root);
    for (const { path: f, size } of files) {
      if (stopped()) return { target: t.name, result: res, skipped, swept };
      let stream: Readable;
      try {
        stream = sftp.createReadStream(f, { flags: 'r' });
      } catch (e) {
        res.unreadable.push({ file: `${t.name}:${f}`, error: errorMessage(e) });
        continue;
      }
      // Late errors (the handle's close failing as the connection ends) are this file's, already counted; the sweep
      // waits until the handle is closed, so no request is pending when the connection is ended.
      // (ssh2 emits 'close' only when the close succeeded, 'error' otherwise.)
      const closed = new Promise<void>((resolve) => {
        stream.once('close', resolve);
        stream.on('error', () => resolve());
      });
      const name = `${t.name}:${f}`;
      const yara = opts.yara && yaraWants(f, opts.yara.allFiles) ? opts.yara : undefined;
      const tee = yara ? keepHead(stream, yara.maxBytes) : undefined;
      const u = await scanStream(name, size, tee?.stream ?? stream, set);
      stream.destroy();
      await closed;
      if (yara && tee) {
        const y = await yara.scanner.scan(yaraItem(name, { file: name, data: tee.head() }));
        u.hits.push(...y.hits);
        u.unreadable.push(...y.unreadable);
      }
      res.files += u.files;
      res.bytes += u.bytes;
      res.lines += u.lines;
      res.malformedLines += u.malformedLines;
      for (const h of u.hits) res.hits.push({ ...h, target: t.name });
      res.unreadable.push(...u.unreadable);
    }
  }
  if (count > maxFiles)
    res.unreadable.push({
      file: t.name,
      error: `more than ${maxFiles} files under the swept folders; the rest were not read`,
    });
  return { target: t.name, result: res, skipped, swept };
}
