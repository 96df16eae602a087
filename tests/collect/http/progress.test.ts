/** `scan`'s progress bar: drawn on stderr only when it is a terminal, never with --quiet, in a pipe or for one target. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar } from '../../../src/cli/progress.js';

function stream(isTTY: boolean) {
  const s = Object.assign(new PassThrough(), { isTTY, columns: 100 });
  let text = '';
  s.on('data', (d) => {
    text += String(d);
  });
  return { s, text: () => text };
}

describe('scan progress bar', () => {
  it('draws on a terminal and counts the targets', async () => {
    const { s, text } = stream(true);
    const bar = progressBar(s, false, 3);
    expect(bar).toBeDefined();
    bar!.start(3, 0);
    for (let i = 0; i < 3; i++) bar!.increment();
    bar!.stop();
    await new Promise((r) => setImmediate(r));
    expect(text()).toMatch(/scan .*3\/3 targets/);
  });
  it('stays off in a pipe, with --quiet, and for a single target', () => {
    expect(progressBar(stream(false).s, false, 10)).toBeUndefined();
    expect(progressBar(stream(true).s, true, 10)).toBeUndefined();
    expect(progressBar(stream(true).s, false, 1)).toBeUndefined();
  });
});
