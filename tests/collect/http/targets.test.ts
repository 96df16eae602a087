/** Target parsing: every accepted form, the CIDR cap, and one clear InputError per bad entry. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandTargets, MAX_CIDR_HOSTS, parseTarget, readTargetsFile } from '../../../src/collect/http/targets.js';
import { InputError } from '../../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'exaudit-targets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseTarget', () => {
  it('accepts host, host:port and https URLs', () => {
    expect(parseTarget('Mail.Contoso.com')).toEqual([
      { name: 'mail.contoso.com', host: 'mail.contoso.com', port: 443, base: 'https://mail.contoso.com:443' },
    ]);
    expect(parseTarget('mail.contoso.com:8443')[0]).toMatchObject({ name: 'mail.contoso.com:8443', port: 8443 });
    expect(parseTarget('https://mail.contoso.com/')[0]).toMatchObject({ host: 'mail.contoso.com', port: 443 });
    expect(parseTarget('HTTPS://10.0.5.7:4443')[0]).toMatchObject({
      host: '10.0.5.7',
      port: 4443,
      name: '10.0.5.7:4443',
    });
  });
  it('accepts IPv6 with and without brackets', () => {
    expect(parseTarget('[::1]:8443')[0]).toMatchObject({
      host: '::1',
      port: 8443,
      name: '[::1]:8443',
      base: 'https://[::1]:8443',
    });
    expect(parseTarget('::1')[0]).toMatchObject({ host: '::1', port: 443 });
    expect(parseTarget('https://[fd00::5]')[0]).toMatchObject({ host: 'fd00::5', port: 443 });
  });
  it('expands IPv4 ranges without network and broadcast, /31 and /32 whole', () => {
    expect(parseTarget('127.0.0.0/30').map((t) => t.host)).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(parseTarget('127.0.0.9/32').map((t) => t.name)).toEqual(['127.0.0.9']);
    expect(parseTarget('127.0.0.8/31').map((t) => t.host)).toEqual(['127.0.0.8', '127.0.0.9']);
    expect(parseTarget('10.1.2.77/29:8443').map((t) => t.name)).toEqual(
      ['10.1.2.73', '10.1.2.74', '10.1.2.75', '10.1.2.76', '10.1.2.77', '10.1.2.78'].map((h) => `${h}:8443`),
    );
    expect(parseTarget('10.0.0.0/20')).toHaveLength(MAX_CIDR_HOSTS - 2);
  });
  it('expands IPv6 ranges', () => {
    expect(parseTarget('fd00::/126').map((t) => t.host)).toEqual(['fd00::', 'fd00::1', 'fd00::2', 'fd00::3']);
    expect(parseTarget('[fd00::10/127]:8443').map((t) => t.name)).toEqual(['[fd00::10]:8443', '[fd00::11]:8443']);
  });
  it('refuses ranges above the cap with what to do', () => {
    const line = (input: string) => {
      try {
        parseTarget(input);
        return '';
      } catch (e) {
        return (e as InputError).line();
      }
    };
    expect(line('10.0.0.0/8')).toMatch(
      /16777214 addresses, more than the 4096 .*split it into ranges of \/20 or smaller/,
    );
    expect(line('fd00::/100')).toMatch(/ranges of \/116 or smaller/);
    expect(() => parseTarget('fd00::/64')).toThrow(InputError);
  });
  it.each([
    ['http://mail.contoso.com', /only https/],
    ['https://mail.contoso.com/owa', /has a path/],
    ['mail.contoso.com:0', /port must be 1-65535/],
    ['mail.contoso.com:70000', /port must be/],
    ['999.1.1.1', /not a valid IPv4/],
    ['10.0.0.0/33', /not a valid CIDR/],
    ['mail_contoso!.com', /not a valid host name/],
    ['[zz::1]:443', /not host|not an IPv6/],
    ['a b', /is not host/],
  ])('rejects %s', (input, re) => {
    expect(() => parseTarget(input)).toThrow(InputError);
    expect(() => parseTarget(input)).toThrow(re);
  });
});

describe('expandTargets and --targets-file', () => {
  it('de-duplicates by host and port, keeping input order', () => {
    expect(expandTargets(['b.test', 'https://B.test:443', 'a.test', 'b.test:8443']).map((t) => t.name)).toEqual([
      'b.test',
      'a.test',
      'b.test:8443',
    ]);
  });
  it('reads a file with comments and names the line of a bad entry', () => {
    const f = join(dir, 'hosts.txt');
    writeFileSync(f, '# estate\nmail.contoso.test\n\n  127.0.0.0/30  # lab\nhttp://bad.test\n');
    const lines = readTargetsFile(f);
    expect(lines.map((l) => l.target)).toEqual(['mail.contoso.test', '127.0.0.0/30', 'http://bad.test']);
    expect(() => expandTargets(lines.map((l) => ({ ...l, file: f })))).toThrow(
      new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 5: target "http://bad.test": only https`),
    );
    expect(expandTargets(lines.slice(0, 2)).map((t) => t.name)).toEqual([
      'mail.contoso.test',
      '127.0.0.1',
      '127.0.0.2',
    ]);
  });
  it('says so when the file does not exist', () => {
    expect(() => readTargetsFile(join(dir, 'nope.txt'))).toThrow(/--targets-file .*nope\.txt: no such file/);
  });
});
