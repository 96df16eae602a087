/**
 * How an input is cut into chunks must not change what the sweep finds: the line carried from one chunk is completed
 * with the next, needles, CRLF line ends and header lines fall across chunk boundaries, an over-long line is skipped
 * to its end, and a chunk whose lower-casing changes its length is searched case-insensitively. The same HttpProxy
 * log is swept in one piece, in 64 KiB chunks (as files are read) and in chunks of a few bytes.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/ioc/rules.js';
import { emptyUnit, MAX_LINE, RuleSet, scanChunks } from '../../src/ioc/scan-unit.js';
import { loadIndicators } from '../../src/ioc/sweep.js';

const FIELDS = 'DateTime,ClientIpAddress,AnchorMailbox,UrlStem,UrlQuery,Method,HttpStatus,UserAgent';
const NAME = 'C:/Logging/HttpProxy/Ecp/HttpProxy_2021030100-1.LOG';

function log(): string {
  const lines = [`#Software: Microsoft Exchange Server`, `#Fields: ${FIELDS}`];
  for (let i = 0; i < 4000; i++) {
    const t = `2021-03-01T00:${String(i % 60).padStart(2, '0')}:00.000Z`;
    const pad = 'x'.repeat(i % 97); // line lengths vary, so chunk boundaries fall everywhere
    const k = i % 50;
    if (k === 7) lines.push(`${t},203.0.113.7,ServerInfo~a]@ex01:444/ecp/y.js#,/ecp/y.js,,POST,200,${pad}`);
    else if (k === 19)
      lines.push(`${t},203.0.113.8,,/autodiscover/autodiscover.json,?@evil/%50owershell,GET,200,${pad}`);
    else if (k === 23)
      lines.push(`#Fields: ${FIELDS}`); // IIS and HttpProxy write headers again after a restart
    else if (k === 31)
      lines.push(`${t},10.0.0.1,,/OWA/auth/x.aspx,cmd=whoami,POST,200,İ${pad}`); // lower-casing lengthens it
    else if (k === 41)
      lines.push(`${t},10.0.0.2,,/ecp/default.aspx,,GET,200,${pad}\u212a`); // Kelvin sign
    else lines.push(`${t},10.0.0.${i % 250},Smtp~u${i}@contoso.lab,/mapi/emsmdb/,?MailboxId=${i},POST,200,${pad}`);
  }
  lines.splice(2000, 0, `${'A'.repeat(MAX_LINE + 5)}ServerInfo~`); // over-long: skipped, counted as malformed
  return lines.join('\r\n') + '\r\n';
}

function* pieces(b: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, Math.min(b.length, i + size));
}

describe('chunk boundaries', () => {
  it('do not change the lines read, the records judged or the hits', async () => {
    const set = new RuleSet(loadIndicators().map(compile));
    const bytes = Buffer.from(log(), 'utf8');
    const sweepIn = async (size: number) => {
      const res = emptyUnit();
      await scanChunks(NAME, bytes.length, pieces(bytes, size), set, res);
      return res;
    };
    const whole = await sweepIn(bytes.length);
    expect(whole.lines).toBe(4003);
    expect(whole.malformedLines).toBe(1);
    expect(whole.hits.length).toBeGreaterThan(100);
    expect(await sweepIn(64 * 1024)).toEqual(whole);
    expect(await sweepIn(4093)).toEqual(whole);
    expect(await sweepIn(7)).toEqual(whole);
  }, 60_000);
});
