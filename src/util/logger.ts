/**
 * pino logger writing JSON (or pretty text) to stderr, so stdout stays clean for reports.
 * Secrets never reach the log: known secret fields are redacted by path, and command lines
 * are scrubbed of -EncodedCommand payloads and Authorization headers by a serializer.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

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
  const dest = opts.destination ?? pino.destination({ dest: 2, sync: true });
  current = pino(options, dest as pino.DestinationStream);
  return current;
}

/** The process logger; silent-ish default until the CLI configures it. */
export function log(): Logger {
  return current ?? createLogger();
}
