/**
 * The README's sample outputs are what the commands print. Every README code block line starting with
 * `$ exaudit` (or `$ npx exaudit`) whose command runs offline from this repository (build, rules, ioc on the
 * fixtures, audit on the fixtures, demo) is run, and each output line shown under it must be printed, in order:
 * a line with "…" matches the parts around it, a line of "…" alone stands for lines left out. The catalog
 * options' --as-of is the sample's own; nothing is sent off the machine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const cwd = mkdtempSync(join(tmpdir(), 'exaudit-readme-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

interface Sample {
  command: string;
  args: string[];
  expected: string[];
  exitShown: boolean;
}

/** Commands the README shows that run here as written (files from the repository, the lab on 127.0.0.1). */
const RUNNABLE =
  /^(build|rules (list|show|validate)(?! --rules)|ioc fixtures\/|audit --(facts|healthchecker) fixtures\/|demo)/;

function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

function samples(): Sample[] {
  const out: Sample[] = [];
  // Fenced blocks, read fence by fence (a block with a language, such as yaml, is skipped).
  const blocks: string[][] = [];
  let open: string[] | undefined;
  let plain = false;
  for (const line of README.split('\n')) {
    if (line.startsWith('```')) {
      if (open) {
        if (plain) blocks.push(open);
        open = undefined;
      } else {
        open = [];
        plain = line === '```';
      }
    } else open?.push(line);
  }
  for (const lines of blocks) {
    for (let i = 0; i < lines.length; i++) {
      const m = /^\$ (?:npx )?exaudit (.+?)(?:\s+#.*)?$/.exec(lines[i]!);
      if (!m) continue;
      const command = m[1]!.trim();
      const expected: string[] = [];
      for (let k = i + 1; k < lines.length && !lines[k]!.startsWith('$ '); k++) expected.push(lines[k]!);
      const exitShown = /; echo \$\?$/.test(command);
      const text = command.replace(/; echo \$\?$/, '');
      if (!RUNNABLE.test(text) || /[<>|]/.test(text)) continue;
      out.push({ command: text, args: words(text), expected, exitShown });
    }
  }
  return out;
}

/** Each shown line, in order, among the printed ones; "…" inside a line matches anything. */
function missing(expected: string[], printed: string[]): string[] {
  let at = 0;
  const lost: string[] = [];
  for (const want of expected) {
    if (want.trim() === '…' || want === '') continue;
    const parts = want.split('…');
    const ok = (line: string) => {
      if (parts.length === 1) return line.trimEnd() === want.trimEnd();
      if (!line.startsWith(parts[0]!)) return false;
      let from = parts[0]!.length;
      for (const p of parts.slice(1)) {
        const i = line.indexOf(p.trimEnd(), from);
        if (i < 0) return false;
        from = i + p.trimEnd().length;
      }
      return true;
    };
    const found = printed.findIndex((l, i) => i >= at && ok(l));
    if (found < 0) lost.push(want);
    else at = found + 1;
  }
  return lost;
}

describe("the README's sample outputs match what the commands print", () => {
  const list = samples();

  it('finds the samples it checks (build, rules, ioc, audit and the demo)', () => {
    const kinds = new Set(list.map((s) => s.args[0]));
    for (const k of ['build', 'rules', 'ioc', 'audit', 'demo']) expect(kinds, k).toContain(k);
    expect(list.filter((s) => s.expected.some((l) => l.trim() && l.trim() !== '…')).length).toBeGreaterThan(6);
  });

  it.each(list.map((s) => [s.command, s] as const))(
    '$ exaudit %s',
    async (_c, s) => {
      const args = s.args.map((a) => (/^fixtures\//.test(a) ? join(ROOT, a) : a));
      // The demo writes ./exaudit-demo/: here, a folder of that name in a temporary directory.
      if (args[0] === 'demo' && !args.includes('-o')) args.push('-o', join(cwd, 'exaudit-demo'));
      const r = await runCliAsync(args, { EXAUDIT_CATALOG_WARNING: s.args.includes('--as-of') ? '' : 'off' });
      // Paths into the repository are printed as given in the README.
      const printed = `${r.stderr}${r.stdout}${s.exitShown ? `${r.code}\n` : ''}`
        .replaceAll(`${ROOT}/`, '')
        .replace(/\n$/, '')
        .split('\n');
      expect(missing(s.expected, printed), printed.join('\n')).toEqual([]);
    },
    60_000,
  );
});
