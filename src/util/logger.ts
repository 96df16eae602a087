/**
 * pino logger writing JSON (or pretty text) to stderr, so stdout stays clean for reports.
 * Secrets never reach the log: known secret fields are redacted by path, and command lines
 * are scrubbed of -EncodedCommand payloads and Authorization headers by a serializer.
 */
import { createRequire } from 'node:module';
import type { Logger, LevelWithSilent, pino as Pino } from 'pino';

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
          destination: opts.destination ?? 2,
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
