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
