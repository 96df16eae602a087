/**
 * Table test of judge(): every fixture in fixtures/http is a target as the passive scan sees it; observe() and
 * judge() must reach the stated conclusion (build, precision, product, Online, proxy, inconsistent, not Exchange).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { observe } from '../../../src/collect/http/scan.js';
import { judge } from '../../../src/collect/http/judge.js';
import { Facts } from '../../../src/facts/schema.js';
import type { Reply } from '../../../src/collect/http/client.js';

const DIR = join(import.meta.dirname, '../../../fixtures/http');

interface Fixture {
  description: string;
  replies: {
    technique: string;
    path: string;
    status?: number;
    headers: Record<string, string>;
    body?: string;
    error?: string;
  }[];
  expect: {
    build?: string;
    precision: string;
    product?: string;
    online?: boolean;
    notExchange?: boolean;
    inconsistent?: boolean;
    behindProxy?: boolean;
    noProduct?: boolean;
    exchangeUnknown?: boolean;
    frontEnds?: string[];
    sourceMatches?: string;
  };
}

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('fixtures/http through observe() and judge()', () => {
  it('has the fixtures the README lists', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  it.each(files)('%s', (file) => {
    const fx = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Fixture;
    const observations = fx.replies.flatMap((r) =>
      observe(r.technique, {
        method: 'GET',
        path: r.path,
        ...(r.status !== undefined ? { status: r.status } : {}),
        headers: r.headers,
        body: r.body ?? '',
        ...(r.error ? { error: r.error, kind: 'other' as const } : {}),
        durationMs: 1,
        attempts: 1,
      } satisfies Reply),
    );
    const { exchange, behindProxy } = judge(observations);
    const e = fx.expect;
    expect(exchange.precision, fx.description).toBe(e.precision);
    if (e.build) expect(exchange.build).toBe(e.build);
    else expect(exchange.build).toBeUndefined();
    if (e.product) expect(exchange.product).toBe(e.product);
    if (e.noProduct) expect(exchange.product).toBeUndefined();
    expect(!!exchange.online).toBe(!!e.online);
    expect(!!exchange.notExchange).toBe(!!e.notExchange);
    expect(!!exchange.inconsistent).toBe(!!e.inconsistent);
    if (e.inconsistent) expect(exchange.source).toMatch(/^inconsistent fingerprint: /);
    expect(!!behindProxy).toBe(!!e.behindProxy);
    if (e.exchangeUnknown) expect(exchange.source).toMatch(/Exchange answered .* but disclosed no version/);
    if (e.frontEnds) expect([...new Set(exchange.observations!.map((o) => o.frontEnd))].sort()).toEqual(e.frontEnds);
    if (e.sourceMatches) expect(exchange.source).toContain(e.sourceMatches);
    // Whatever the conclusion, the facts it produces are valid facts.
    expect(() =>
      Facts.parse({ target: { name: file }, exchange, http: { baseUrl: 'https://x', observations } }),
    ).not.toThrow();
  });
});
