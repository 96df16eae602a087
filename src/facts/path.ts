/** Dotted fact paths, without the zod schema (the judging path reads facts, it does not validate them). */

/** Reads a dotted path ("exchange.build") from facts; used by the engine's `requires` test. */
export function factAt(facts: unknown, path: string): unknown {
  let cur: unknown = facts;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * Facts that live outside the server (in the Microsoft Entra tenant): a collector on the server never reads them, so
 * their absence is no gap in the server's collection (the target is not `partial` for it); the checks that need them
 * say `indeterminate` until they are supplied.
 */
export const OUTSIDE_THE_SERVER: ReadonlySet<string> = new Set(['hybrid.firstPartySpKeyCredentials']);
