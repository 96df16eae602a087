/**
 * A rule's prefilter needles say which records it can match (src/catalog/schema.ts): in logs searched by needles, a
 * rule judges only the records holding one of its own needles (or an escaped letter that could hide one), so what it
 * finds never depends on the other rules' needles picking a line for it.
 */
import { describe, expect, it } from 'vitest';
import { compile, type Compiled, type Indicator } from '../../src/ioc/rules.js';
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

/** Sweeps one HttpProxy log with the byte search, then with the text search: hits as indicator:line, and lines read. */
async function bothWays(rules: Compiled[], log: string) {
  const out: { bytes: boolean; hits: string[]; lines: number }[] = [];
  for (const bytes of [true, false]) {
    const res = emptyUnit();
    await scanChunks(
      'Logging/HttpProxy/Owa/HttpProxy_1.LOG',
      undefined,
      [Buffer.from(log)],
      new RuleSet(rules, { bytes }),
      res,
    );
    out.push({ bytes, hits: res.hits.map((h) => `${h.indicator}:${h.line}`), lines: res.lines });
  }
  return out;
}

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
    // Line 2 holds "wide"'s needle and line 4 an escaped letter that could hide it; line 3 is picked only for
    // "other"'s needle, so "wide" leaves it alone.
    for (const way of await bothWays(rules.map(compile), log))
      expect(way, `bytes: ${way.bytes}`).toEqual({ bytes: way.bytes, hits: ['wide:2', 'wide:4'], lines: 4 });
  });

  it('a long s or a Kelvin sign cannot hide a needle: the OWASSRF and web-shell command rules still see the request', async () => {
    const rules = loadIndicators().map(compile);
    // Neither line holds any rule's needle as written (powerſhell, tasKlist): only the two letters make them
    // candidates, and the rules' case-insensitive patterns fold them to s and k.
    const log = [
      '#Fields: DateTime,ClientIpAddress,AnchorMailbox,UrlStem,UrlQuery,Method,HttpStatus,UserAgent',
      '2022-12-01T10:00:00Z,203.0.113.9,,/owa/victim@contoso.com/power\u017fhell,,POST,200,python-requests/2.28',
      '2022-12-01T10:00:01Z,203.0.113.9,,/owa/service.svc,q=tas\u212alist,GET,200,python-requests/2.28',
      '2022-12-01T10:00:02Z,10.0.0.5,,/owa/,,GET,200,Mozilla/5.0',
      '',
    ].join('\r\n');
    for (const way of await bothWays(rules, log))
      expect(way.hits, `bytes: ${way.bytes}`).toEqual(['owassrf-owa-powershell:2', 'webshell-command-in-url:3']);
  });
});
