/**
 * pino logger writing JSON (or pretty text) to stderr, so stdout stays clean for reports.
 * Secrets never reach the log: known secret fields are redacted by path, and command lines
 * are scrubbed of -EncodedCommand payloads and Authorization headers by a serializer.
 */
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import type { Logger, LevelWithSilent, pino as Pino } from 'pino';
import { stripTerminal } from './text.js';

// pino (and its worker-thread transports) loads only when a command logs: `build`, `rules` and the like never do.
const load = (): typeof Pino => (createRequire(import.meta.url)('pino') as { pino: typeof Pino }).pino;

export const REDACT_PATHS = [
  'password',
  'passphrase',
  'privateKey',
  'secret',
  'token',
  'authorization',
  '*.password',
  '*.passphrase',
  '*.privateKey',
  '*.secret',
  '*.token',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];

const ENCODED = /(-EncodedCommand\s+)[A-Za-z0-9+/=]{8,}/gi;
const AUTH = /(Authorization:\s*\w+\s+)\S+/gi;

/** Removes inline secrets from a free-text command line or message. */
export function scrubText(text: string): string {
  return text.replace(ENCODED, '$1[REDACTED]').replace(AUTH, '$1[REDACTED]');
}

const C1 = /[\u007f-\u009f]/g;
/**
 * A JSON log line with DEL and the C1 controls escaped: pino escapes C0 in strings but writes C1 as is, and a
 * terminal may act on them (0x9B starts a CSI sequence). Escaped, the line is the same JSON.
 */
export const escapeC1 = (line: string): string =>
  line.replace(C1, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Where pino-pretty writes: its lines, rebuilt from the JSON, without terminal control sequences. */
function safeText(to: NodeJS.WritableStream | undefined): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const text = stripTerminal(String(chunk));
      if (to) to.write(text);
      else writeSync(2, text);
      done();
    },
  });
}

export interface LogOptions {
  level?: LevelWithSilent;
  format?: 'json' | 'pretty';
  /** For tests: where to write instead of stderr. */
  destination?: NodeJS.WritableStream;
}

let current: Logger | undefined;

export function createLogger(opts: LogOptions = {}): Logger {
  const options = {
    level: opts.level ?? 'warn',
    base: { name: 'exaudit' },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: { command: (c: unknown) => (typeof c === 'string' ? scrubText(c) : c) },
    hooks: {
      streamWrite: escapeC1,
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? scrubText(a) : a)),
        );
      },
    },
  };
  const pino = load();
  const dest =
    opts.format === 'pretty'
      ? // --log-format pretty: pino-pretty's readable lines, written synchronously like the JSON ones.
        (createRequire(import.meta.url)('pino-pretty') as (o: object) => NodeJS.WritableStream)({
          destination: safeText(opts.destination),
          sync: true,
          colorize: false,
        })
      : (opts.destination ?? pino.destination({ dest: 2, sync: true }));
  current = pino(options, dest as Pino.DestinationStream);
  return current;
}

/** The process logger; silent-ish default until the CLI configures it. */
export function log(): Logger {
  return current ?? createLogger();
}
