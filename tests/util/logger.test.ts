/** The logger: JSON lines by default, pino-pretty's readable lines with --log-format pretty; secrets redacted in both. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/util/logger.js';

function capture() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d) => {
    text += String(d);
  });
  return { s, text: () => text };
}

describe('logger', () => {
  it('writes JSON lines with secrets redacted', () => {
    const out = capture();
    createLogger({ level: 'info', destination: out.s }).info({ password: 'hunter2', host: 'ex01' }, 'connecting');
    const line = JSON.parse(out.text()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'connecting', host: 'ex01', password: '[REDACTED]', name: 'exaudit' });
  });
  it('--log-format pretty writes readable lines through pino-pretty, still redacted', () => {
    const out = capture();
    createLogger({ level: 'info', format: 'pretty', destination: out.s }).info(
      { token: 'abc123', command: 'powershell -EncodedCommand SGVsbG8gd29ybGQ=' },
      'collecting',
    );
    const text = out.text();
    expect(text).toMatch(/INFO.*\(exaudit\).*collecting/);
    expect(() => JSON.parse(text)).toThrow();
    expect(text).not.toMatch(/abc123|SGVsbG8gd29ybGQ=/);
    expect(text).toMatch(/\[REDACTED\]/);
  });

  it('never writes terminal controls a server sent: C1 escaped in JSON (same value), removed in pretty lines', () => {
    const hostile = 'banner \u009b2J\u001b]0;owned\u0007 \u0085end\u007f';
    const json = capture();
    createLogger({ level: 'info', destination: json.s }).warn({ banner: hostile }, `server said ${hostile}`);
    // eslint-disable-next-line no-control-regex
    expect(json.text()).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const line = JSON.parse(json.text()) as Record<string, unknown>;
    expect(line).toMatchObject({ banner: hostile, msg: `server said ${hostile}` });
    const pretty = capture();
    createLogger({ level: 'info', format: 'pretty', destination: pretty.s }).warn({ banner: hostile }, hostile);
    expect(pretty.text()).toMatch(/banner/);
    // eslint-disable-next-line no-control-regex
    expect(pretty.text()).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});
