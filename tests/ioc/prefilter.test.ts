/**
 * A rule's prefilter needles say which records it can match (src/catalog/schema.ts): in logs searched by needles, a
 * rule judges only the records holding one of its own needles (or an escaped letter that could hide one), so what it
 * finds never depends on the other rules' needles picking a line for it.
 */
import { describe, expect, it } from 'vitest';
import { compile, type Indicator } from '../../src/ioc/rules.js';
import { emptyUnit, RuleSet, scanChunks } from '../../src/ioc/scan-unit.js';
import { loadIndicators } from '../../src/ioc/sweep.js';

const template = loadIndicators().find((i) => i.id === 'proxyshell-autodiscover')!;
const rule = (id: string, anyOf: string[], prefilter: string[]): Indicator => ({
  ...template,
  id,
  allOf: undefined,
  anyOf,
  prefilter,
  fields: undefined,
});

describe('prefilter needles', () => {
  it("gate each rule in needle-searched logs: a line picked for another rule's needle is not judged by this one", async () => {
    // "wide" claims its records hold "alpha-mark" but matches "beta-mark" alone: only lines with its needle count.
    const rules = [rule('wide', ['beta-mark'], ['alpha-mark']), rule('other', ['never-seen'], ['beta-mark'])];
    const log = [
      '#Fields: DateTime,UrlStem,UrlQuery',
      '2021-03-01T00:00:00Z,/owa/,alpha-mark beta-mark',
      '2021-03-01T00:00:01Z,/owa/,beta-mark only',
      '2021-03-01T00:00:02Z,/owa/,beta-mark %41lpha',
      '',
    ].join('\r\n');
    for (const bytes of [true, false]) {
      const res = emptyUnit();
      const set = new RuleSet(rules.map(compile), { bytes });
      await scanChunks('Logging/HttpProxy/Owa/HttpProxy_1.LOG', log.length, [Buffer.from(log)], set, res);
      // Line 2 holds "wide"'s needle and line 4 an escaped letter that could hide it; line 3 is picked only for
      // "other"'s needle, so "wide" leaves it alone.
      expect(res.hits.map((h) => `${h.indicator}:${h.line}`)).toEqual(['wide:2', 'wide:4']);
      expect(res.lines).toBe(4);
    }
  });
});
