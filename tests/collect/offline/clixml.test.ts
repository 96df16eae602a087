import { describe, expect, it } from 'vitest';
import {
  PsDictionary,
  PsObject,
  decodeName,
  itemsOf,
  parseClixml,
  pathOf,
} from '../../../src/collect/offline/clixml.js';

const NS = 'xmlns="http://schemas.microsoft.com/powershell/2004/04"';
const doc = (body: string) => `\uFEFF<Objs Version="1.1.0.1" ${NS}>\n${body}\n</Objs>`;

describe('CLIXML reader', () => {
  it('reads primitives with their types', () => {
    const [o] = parseClixml(
      doc(`<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS>
      <S N="s">a &amp; b</S><I32 N="i">-5</I32><I64 N="big">9007199254740993</I64><U64 N="u">42</U64><Db N="d">2.5</Db><B N="t">true</B><B N="f">false</B>
      <DT N="dt">2025-11-20T10:15:42.1234567+01:00</DT><Version N="v">15.2.1544.14</Version><G N="g">0f0e</G><C N="c">65</C><Nil N="n" />
      <BA N="ba">AQID</BA><SS N="secret">01000000d08c9ddf</SS><S N="empty"></S></MS></Obj>`),
      't.xml',
    );
    const p = (o as PsObject).props;
    expect(p).toMatchObject({
      s: 'a & b',
      i: -5,
      u: 42,
      d: 2.5,
      t: true,
      f: false,
      dt: '2025-11-20T10:15:42.1234567+01:00',
      v: '15.2.1544.14',
      g: '0f0e',
      c: 'A',
      n: null,
      secret: '[SecureString]',
      empty: '',
    });
    expect(p['big']).toBe('9007199254740993'); // beyond 2^53: the digits, never a rounded number
    expect([...(p['ba'] as Buffer)]).toEqual([1, 2, 3]);
    expect((o as PsObject).typeNames[0]).toBe('System.Management.Automation.PSCustomObject');
  });

  it('undoes _xHHHH_ escapes in names and strings', () => {
    expect(decodeName('CVE-1_x000D__x000A__x0009_See')).toBe('CVE-1\r\n\tSee');
    expect(decodeName('a_x005F_x0020_b')).toBe('a_x0020_b');
    const [o] = parseClixml(
      doc('<Obj RefId="0"><MS><S N="Display_x0020_Name">line1_x000D__x000A_line2</S></MS></Obj>'),
      't.xml',
    );
    expect((o as PsObject).props).toEqual({ 'Display Name': 'line1\r\nline2' });
  });

  it('reads lists, hashtables with object keys, references, TNRef, enums and ToString', () => {
    const [o] = parseClixml(
      doc(`<Obj RefId="0"><TN RefId="0"><T>X</T></TN><ToString>the x</ToString><MS>
      <Obj N="list" RefId="1"><TN RefId="1"><T>System.Object[]</T></TN><LST><S>a</S><I32>2</I32><Obj RefId="2"><TNRef RefId="0" /><MS><S N="Name">inner</S></MS></Obj></LST></Obj>
      <Obj N="again" RefId="3"><TNRef RefId="1" /><LST><Ref RefId="2" /></LST></Obj>
      <Obj N="dict" RefId="4"><TN RefId="2"><T>System.Collections.Hashtable</T></TN><DCT>
        <En><S N="Key">plain</S><I32 N="Value">1</I32></En>
        <En><Obj N="Key" RefId="5"><MS><S N="Name">Security Settings</S><I32 N="DisplayOrder">3</I32></MS></Obj><S N="Value">grouped</S></En>
      </DCT></Obj>
      <Obj N="role" RefId="6"><TN RefId="3"><T>Microsoft.Exchange.Data.ServerRole</T><T>System.Enum</T></TN><ToString>Mailbox</ToString><I32>2</I32></Obj>
    </MS></Obj>`),
      't.xml',
    );
    const x = o as PsObject;
    expect(x.toString()).toBe('the x');
    const list = x.props['list'] as unknown[];
    expect(list.slice(0, 2)).toEqual(['a', 2]);
    expect((x.props['again'] as unknown[])[0]).toBe(list[2]); // <Ref> is the same object
    expect((list[2] as PsObject).typeNames).toEqual(['X']);
    const dict = x.props['dict'] as PsDictionary;
    expect(dict.get('plain')).toBe(1);
    expect(dict.get('Security Settings')).toBe('grouped');
    expect(pathOf(x, ['dict', 'Security Settings'])).toBe('grouped');
    const role = x.props['role'] as PsObject;
    expect([role.toString(), role.value]).toEqual(['Mailbox', 2]);
    expect(itemsOf(x.props['list'])).toHaveLength(3);
  });

  it('treats depth-truncated text as missing, not as data', () => {
    const [o] = parseClixml(
      doc('<Obj RefId="0"><MS><S N="ExchangeInformation">@{BuildInformation=; GetExchangeServer=EX01}</S></MS></Obj>'),
      't.xml',
    );
    expect(pathOf(o, ['ExchangeInformation'])).toMatch(/^@\{/);
    expect(pathOf(o, ['ExchangeInformation', 'BuildInformation'])).toBeUndefined();
  });

  it.each([
    ['not XML', 'Name,Build\nex01,15.2', /t\.xml: not XML/],
    [
      'truncated',
      doc('<Obj RefId="0"><MS><S N="a">x</S>').slice(0, -8),
      /t\.xml: the XML ends with \d+ elements? still open \(<Objs>.*the file is truncated/,
    ],
    ['broken tag', `<Objs ${NS}><Obj><S N="a">x</T></Obj></Objs>`, /t\.xml: malformed XML at line 1, column \d+/],
    [
      'another XML format',
      '<?xml version="1.0"?><nmaprun scanner="nmap"></nmaprun>',
      /t\.xml: not a PowerShell CLIXML file \(root element <nmaprun>, expected <Objs>\)/,
    ],
    ['another namespace', '<Objs xmlns="urn:other"><S>x</S></Objs>', /namespace "urn:other"/],
    [
      'a dangling reference',
      doc('<Obj RefId="0"><MS><Ref N="a" RefId="9" /></MS></Obj>'),
      /malformed CLIXML: <Ref RefId="9"> points to no earlier object/,
    ],
    ['a number that is not', doc('<I32>twelve</I32>'), /malformed CLIXML: <I32> holds "twelve", not a number/],
  ])('rejects %s with one line naming the file', (_, text, re) => {
    expect(() => parseClixml(text, 't.xml')).toThrow(re);
  });
});
