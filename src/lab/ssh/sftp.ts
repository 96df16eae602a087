/**
 * A read-only SFTP subsystem for the SSH lab: serves a local folder as the server's file system (remote
 * "/C:/Program Files/…" is <root>/C:/Program Files/…), answering realpath, stat, opendir/readdir, open for
 * reading, read and close. Any other request (write, remove, rename, mkdir, open for writing…) is refused, and
 * every request is logged so tests can prove the sweep never asks for one.
 */
import { closeSync, fstatSync, openSync, readSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join, normalize } from 'node:path';
import ssh2 from 'ssh2';

const { utils } = ssh2;
const { STATUS_CODE, OPEN_MODE } = utils.sftp;

type Sftp = import('ssh2').SFTPWrapper;
const attrsOf = (st: Stats) => ({
  mode: st.mode,
  uid: 0,
  gid: 0,
  size: st.size,
  atime: Math.floor(st.atimeMs / 1000),
  mtime: Math.floor(st.mtimeMs / 1000),
});

export function serveReadOnlySftp(sftp: Sftp, root: string, ops: string[]): void {
  const local = (p: string): string | undefined => {
    const n = normalize(`/${p}`);
    return n.includes('\0') ? undefined : join(root, n);
  };
  const handles = new Map<
    number,
    { kind: 'file'; fd: number } | { kind: 'dir'; entries: string[]; dir: string; sent: boolean }
  >();
  let nextHandle = 1;
  const handleOf = (buf: Buffer) => handles.get(buf.readUInt32BE(0));
  const newHandle = (v: Parameters<typeof handles.set>[1]) => {
    const id = nextHandle++;
    handles.set(id, v);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(id);
    return b;
  };
  const refuse = (name: string) => (reqid: number) => {
    ops.push(name);
    sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED, 'read-only lab');
  };

  sftp.on('REALPATH', (reqid, path) => {
    ops.push('REALPATH');
    sftp.name(reqid, [{ filename: normalize(`/${path}`), longname: '', attrs: {} as never }]);
  });
  const stat = (name: string) => (reqid: number, path: string) => {
    ops.push(name);
    try {
      sftp.attrs(reqid, attrsOf(statSync(local(path) ?? '')) as never);
    } catch {
      sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    }
  };
  sftp.on('STAT', stat('STAT'));
  sftp.on('LSTAT', stat('LSTAT'));
  sftp.on('OPENDIR', (reqid, path) => {
    ops.push('OPENDIR');
    const dir = local(path);
    try {
      sftp.handle(reqid, newHandle({ kind: 'dir', entries: readdirSync(dir!), dir: dir!, sent: false }));
    } catch {
      sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    }
  });
  sftp.on('READDIR', (reqid, handle) => {
    ops.push('READDIR');
    const h = handleOf(handle);
    if (!h || h.kind !== 'dir') return sftp.status(reqid, STATUS_CODE.FAILURE);
    if (h.sent) return sftp.status(reqid, STATUS_CODE.EOF);
    h.sent = true;
    sftp.name(
      reqid,
      h.entries.map((f) => ({ filename: f, longname: f, attrs: attrsOf(statSync(join(h.dir, f))) as never })),
    );
  });
  sftp.on('OPEN', (reqid, filename, flags) => {
    ops.push(`OPEN:${utils.sftp.flagsToString(flags)}`);
    if (flags !== OPEN_MODE.READ) return sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED, 'read-only lab');
    try {
      sftp.handle(reqid, newHandle({ kind: 'file', fd: openSync(local(filename)!, 'r') }));
    } catch {
      sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    }
  });
  sftp.on('READ', (reqid, handle, offset, length) => {
    ops.push('READ');
    const h = handleOf(handle);
    if (!h || h.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE);
    const buf = Buffer.alloc(length);
    const n = readSync(h.fd, buf, 0, length, offset);
    if (n === 0) return sftp.status(reqid, STATUS_CODE.EOF);
    sftp.data(reqid, buf.subarray(0, n));
  });
  sftp.on('FSTAT', (reqid, handle) => {
    ops.push('FSTAT');
    const h = handleOf(handle);
    if (!h || h.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE);
    sftp.attrs(reqid, attrsOf(fstatSync(h.fd)) as never);
  });
  sftp.on('CLOSE', (reqid, handle) => {
    ops.push('CLOSE');
    const id = handle.readUInt32BE(0);
    const h = handles.get(id);
    if (h?.kind === 'file') closeSync(h.fd);
    handles.delete(id);
    sftp.status(reqid, STATUS_CODE.OK);
  });
  for (const op of ['WRITE', 'REMOVE', 'RENAME', 'MKDIR', 'RMDIR', 'SETSTAT', 'FSETSTAT', 'SYMLINK', 'READLINK'])
    sftp.on(op as 'WRITE', refuse(op) as never);
}
