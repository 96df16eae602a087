/**
 * Error types that carry an exit code, so every command maps failures the same way
 * (DESIGN.md §6: 0 clean, 1 findings at/above --fail-on, 2 usage/input/catalog, 3 unassessed targets).
 */
export const EXIT = { OK: 0, FINDINGS: 1, USAGE: 2, UNASSESSED: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A problem with what the user gave us: a flag, a file, an input value. Always exit 2, one line. */
export class InputError extends Error {
  readonly exitCode: ExitCode = EXIT.USAGE;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
  /** One line for the terminal: what is wrong, then what to do. */
  line(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

/** The catalog (rules/) failed to load or validate. Exit 2 as well, but named so it can be told apart. */
export class CatalogError extends InputError {
  constructor(message: string, hint = 'run `exaudit rules validate` for every problem') {
    super(message, hint);
    this.name = 'CatalogError';
  }
}

/** Error text without a stack, for per-target errors in results and logs. */
export function errorMessage(err: unknown): string {
  if (err instanceof InputError) return err.line();
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
