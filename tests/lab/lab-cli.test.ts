/** `exaudit lab`: prints the fleet and the CA, serves until SIGTERM/SIGINT, then closes and removes the CA file. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { scanTarget } from '../../src/collect/http/scan.js';
import { parseTarget } from '../../src/collect/http/targets.js';

function startLab(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'lab', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lab did not start: ${stdout}${stderr}`)), 20_000);
    child.stdout.on('data', () => {
      if (stdout.includes('Ctrl-C stops the lab.')) {
        clearTimeout(timer);
        resolve(stdout);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lab exited ${code}: ${stderr}`));
    });
  });
  ready.catch(() => {
    /* awaited by the tests that need it; the exit after a test is expected */
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited, stderr: () => stderr };
}

describe('exaudit lab', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'serves a fleet on 127.0.0.1 until %s, then cleans up',
    async (signal) => {
      const lab = startLab(['--servers', '3']);
      try {
        const out = await lab.ready;
        const urls = [...out.matchAll(/https:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
        expect(new Set(urls).size).toBe(3);
        expect(out).not.toMatch(/0\.0\.0\.0|::/);
        const caFile = /CA certificate: (\S+)/.exec(out)![1]!;
        expect(existsSync(caFile)).toBe(true);
        const c = await scanTarget(parseTarget(`127.0.0.1:${urls[0]}`)[0]!, {
          ca: readFileSync(caFile, 'utf8'),
          requestTimeoutMs: 2000,
          targetTimeoutMs: 8000,
        });
        expect(c.facts!.exchange).toMatchObject({ build: '15.0.1497.12', precision: 'exact' });
        lab.child.kill(signal);
        expect(await lab.exited).toBe(0);
        expect(lab.stderr()).toContain('exaudit lab: stopped');
        expect(existsSync(caFile)).toBe(false);
      } finally {
        if (lab.child.exitCode === null) {
          lab.child.kill('SIGKILL');
          await lab.exited;
        }
      }
    },
    40_000,
  );

  it('refuses a silly --servers with one line and exit 2', async () => {
    const lab = startLab(['--servers', '100000']);
    expect(await lab.exited).toBe(2);
    expect(lab.stderr()).toMatch(/at most 200/);
  }, 20_000);
});
