/**
 * Local transport: runs the collector on this machine through node-powershell (Windows PowerShell 5.1
 * `powershell`, or `pwsh`). The script goes in as one line that decodes a base64 scriptblock, so nothing is
 * interpolated into a command. A shell that timed out is disposed and never reused: node-powershell keeps a
 * timed-out command running, which poisons every later call on that shell.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { PowerShell } from 'node-powershell';
import { BEGIN, collectorScript, extractJson } from '../ps/script.js';
import { parseFacts } from '../../facts/validate.js';
import type { CollectedTarget } from '../../contract.js';
import { errorMessage } from '../../util/errors.js';

export interface LocalOptions {
  executable?: 'powershell' | 'pwsh';
  timeoutMs: number;
}

/** The one line sent to the shell: decode and run the shipped collector. */
export function localCommand(): string {
  const b64 = Buffer.from(collectorScript(), 'utf8').toString('base64');
  return `& ([scriptblock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${b64}'))))`;
}

/**
 * The processes below pid (Linux: from /proc). PowerShell installed as a .NET global tool (~/.dotnet/tools/pwsh)
 * is a launcher whose child process (dotnet pwsh.dll) is the shell itself; killing only the launcher leaves a hung
 * shell running and holding our pipes. Elsewhere (Windows powershell.exe, a native pwsh) the shell has no such
 * child and this returns nothing.
 */
export function descendants(pid: number): number[] {
  if (process.platform !== 'linux') return [];
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // fields after "(comm)": state, ppid, …; comm may itself hold spaces and parentheses
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length;) {
    const next = children.get(queue.shift()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

const defaultExecutable = (): 'powershell' | 'pwsh' => (process.platform === 'win32' ? 'powershell' : 'pwsh');

export class LocalRunner {
  private shell: PowerShell | undefined;
  constructor(private readonly opts: LocalOptions) {}

  private open(): PowerShell {
    this.shell ??= new PowerShell({
      executable: this.opts.executable ?? defaultExecutable(),
      executableOptions: { '-NoProfile': true, '-NonInteractive': true, '-ExecutionPolicy': 'Bypass' },
      invocationTimeout: this.opts.timeoutMs,
      throwOnInvocationError: false,
    } as never);
    return this.shell;
  }

  /**
   * Ends the shell: SIGTERM, then SIGKILL if it has not exited within a few seconds (a hung shell may ignore TERM);
   * then SIGKILL to whatever the shell had started that is still running (see descendants).
   */
  async dispose(): Promise<void> {
    const s = this.shell;
    this.shell = undefined;
    if (!s) return;
    const pid = (s as unknown as { process?: { pid?: number } }).process?.pid;
    const family = pid ? descendants(pid) : [];
    let timer: NodeJS.Timeout | undefined;
    const exited = s.dispose().then(
      () => true,
      () => true,
    );
    const inTime = await Promise.race([
      exited,
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 3000);
      }),
    ]);
    clearTimeout(timer);
    if (!inTime) await s.dispose('SIGKILL').catch(() => {});
    for (const child of family) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  async collect(name: string): Promise<CollectedTarget> {
    let shell: PowerShell;
    try {
      shell = this.open();
    } catch (err) {
      return { target: name, failure: { status: 'error', error: `cannot start PowerShell: ${errorMessage(err)}` } };
    }
    try {
      const r = await shell.invoke(localCommand());
      const out = r.raw ?? String(r.stdout ?? '');
      if (!out.includes(BEGIN)) {
        // Without throwOnInvocationError node-powershell returns on timeout; either way this shell is done.
        await this.dispose();
        const timedOut = (r.duration ?? 0) >= this.opts.timeoutMs * 0.95;
        const error = timedOut
          ? `the collector did not finish within ${this.opts.timeoutMs} ms; the shell was discarded`
          : `no facts in the collector's output${r.stderr?.length ? `: ${String(r.stderr).split(/\r?\n/)[0]}` : ''}`;
        return { target: name, failure: { status: 'error', error } };
      }
      const facts = parseFacts(JSON.parse(extractJson(out)), `${name} (local PowerShell)`);
      facts.target = { ...facts.target, transport: 'local' };
      return { target: facts.target.name, facts };
    } catch (err) {
      // A timed-out or broken shell is thrown away, never reused.
      await this.dispose();
      const msg = errorMessage(err).replace(/\s+/g, ' ').trim();
      const exe = this.opts.executable ?? defaultExecutable();
      const notFound = /ENOENT/.test(msg);
      const error = notFound
        ? `cannot start ${process.env['NODE_POWERSHELL'] ?? exe}: not found (install PowerShell${exe === 'pwsh' ? ' 7' : ''}, or run --local on the Exchange server itself)`
        : msg
          ? `local PowerShell failed: ${msg}`
          : `the collector did not finish within ${this.opts.timeoutMs} ms; the shell was discarded`;
      return { target: name, failure: { status: 'error', error } };
    }
  }
}
