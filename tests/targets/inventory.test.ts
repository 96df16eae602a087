import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inShard, parseShard, readInventory } from '../../src/targets/inventory.js';
import { InputError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'exaudit-inv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};
const lineOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as InputError).line();
  }
  return '';
};

describe('inventory files', () => {
  it('reads YAML with line numbers, a hosts: key, plain host strings and tags', () => {
    const f = write(
      'fleet.yaml',
      '# fleet\nhosts:\n  - host: ex01.contoso.test\n    user: admin\n    tags: [prod]\n  - ex02.contoso.test\n  - { host: ex03.contoso.test, port: 2222 }\n',
    );
    const inv = readInventory(f);
    expect(inv.map((e) => [e.host, e.line, e.port])).toEqual([
      ['ex01.contoso.test', 3, undefined],
      ['ex02.contoso.test', 6, undefined],
      ['ex03.contoso.test', 7, 2222],
    ]);
    expect(inv[0]!.tags).toEqual(['prod']);
  });
  it('reads JSON and CSV', () => {
    expect(readInventory(write('f.json', '[{"host":"a"},{"host":"b","port":22}]')).map((e) => e.host)).toEqual([
      'a',
      'b',
    ]);
    const csv = readInventory(write('f.csv', 'host,port,user,tags\nex01,22,admin,prod;dmz\n\nex02,,,\n'));
    expect(csv.map((e) => [e.host, e.port, e.line])).toEqual([
      ['ex01', 22, 2],
      ['ex02', undefined, 4],
    ]);
    expect(csv[0]!.tags).toEqual(['prod', 'dmz']);
  });
  it('reads quoted CSV cells, a UTF-8 BOM (as Excel saves), and resolves identity paths from the inventory folder', () => {
    const csv = readInventory(
      write(
        'quoted.csv',
        '\uFEFFhost,port,user,identity,tags\r\n"ex01.contoso.test",22,"CONTOSO\\svc-audit",keys/ex01,"prod,dmz"\r\nex02 , , , ~/.ssh/id_ed25519 ,\r\n',
      ),
    );
    expect(csv.map((e) => [e.host, e.port, e.user, e.tags])).toEqual([
      ['ex01.contoso.test', 22, 'CONTOSO\\svc-audit', ['prod', 'dmz']],
      ['ex02', undefined, undefined, undefined],
    ]);
    expect(csv[0]!.identity).toBe(join(dir, 'keys/ex01'));
    expect(csv[1]!.identity).toBe(join(homedir(), '.ssh/id_ed25519'));
    expect(lineOf(() => readInventory(write('open.csv', 'host,user\n"ex01,admin\n')))).toMatch(
      /open\.csv:2: a quoted cell is not closed/,
    );
    expect(lineOf(() => readInventory(write('tport.yaml', '- { host: ex01, transport: winrm }\n')))).toMatch(
      /tport\.yaml:1: transport: /,
    );
  });
  it('names the file, line and problem of a malformed inventory', () => {
    expect(lineOf(() => readInventory(write('bad.yaml', 'hosts:\n  - host: ex01\n    prot: 22\n')))).toMatch(
      /bad\.yaml:2: entry: /,
    );
    expect(lineOf(() => readInventory(write('bad.csv', 'name,port\nex01,22\n')))).toMatch(
      /bad\.csv:1: .*"host" column/,
    );
    expect(lineOf(() => readInventory(write('bad2.yaml', 'hosts: [\n')))).toMatch(/bad2\.yaml/);
    expect(() => readInventory(join(dir, 'none.yaml'))).toThrow(InputError);
  });
});

describe('shards', () => {
  it('split a fleet into disjoint, complete, stable parts', () => {
    const hosts = Array.from({ length: 200 }, (_, i) => `ex${i}.contoso.test`);
    const parts = [1, 2, 3, 4].map((k) => hosts.filter((h) => inShard(h, { k, n: 4 })));
    expect(parts.flat().sort()).toEqual([...hosts].sort());
    expect(parts.every((p) => p.length > 20)).toBe(true);
    expect(hosts.filter((h) => inShard(h, parseShard('2/4')))).toEqual(parts[1]);
  });
  it('rejects bad specs', () => {
    for (const s of ['0/4', '5/4', '1/0', 'x']) expect(() => parseShard(s)).toThrow(InputError);
  });
});
