/**
 * bench/scan's comparison with nmap's ms-exchange-version script: the script is kept on loopback (its GitHub URLs
 * point at the bench's own data server; anything else that would leave the machine is refused), nmap's XML is read
 * per port, and the builds are scored against the fleet's. End to end with nmap (installed by .ci/run) and a
 * stand-in script written here, never the public one. No timing is asserted.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { measureScanBench } from '../../../bench/scan.js';
import {
  BenchInputError,
  localiseScript,
  nmapScriptSource,
  parseNmapXml,
  scriptScore,
  startDataServer,
} from '../../../bench/scan-nmap.js';
import type { BenchServer } from '../../../bench/scan-fleet.js';

const NMAP = spawnSync('nmap', ['--version'], { encoding: 'utf8' }).status === 0;
if (!NMAP) console.warn('WARNING: nmap is not installed; the bench run with nmap is skipped (.ci/run installs nmap)');

const BASE = 'http://127.0.0.1:9/';
const RAW = 'https://raw.githubusercontent.com/example/fake/main';

/** A stand-in for the public script, written for these tests: one data file, the export-tool manifest's version. */
const STAND_IN = `local http = require "http"
local json = require "json"
local shortport = require "shortport"
local stdnse = require "stdnse"

description = [[
  Stand-in for exaudit's tests. Reference: https://learn.microsoft.com/exchange/new-features/build-numbers-and-release-dates
]]
categories = {"safe"}
portrule = shortport.service({"http", "https"})

action = function(host, port)
  local data = http.get_url("${RAW}/known.json", {max_body_size = -1})
  local ok, known = json.parse(data.body or "")
  local r = http.get(host.ip, port, "/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application")
  local v = r.status == 200 and string.match(r.body, 'version="(%d+%.%d+%.%d+%.%d+)"')
  if not v then return "ERROR: no build" end
  local out = stdnse.output_table()
  out[v] = { build = v, known = tostring(ok and known[v] ~= nil) }
  return out
end
`;

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'exaudit-bench-nmap-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('localiseScript', () => {
  it('points every raw.githubusercontent.com URL at the loopback base and lists the files fetched', () => {
    const text = `${STAND_IN}\nlocal x = http.get_url("${RAW}/other-dict.json")\n`;
    const r = localiseScript(text, BASE);
    expect(r.files).toEqual(['known.json', 'other-dict.json']);
    expect(r.text).not.toContain('raw.githubusercontent.com');
    expect(r.text).toContain(`http.get_url("${BASE}known.json"`);
    // The reference link in the description is prose, left as it is.
    expect(r.text).toContain('https://learn.microsoft.com/exchange');
  });

  it('refuses a script that would reach another address', () => {
    const text = STAND_IN.replace(`${RAW}/known.json`, 'https://versions.example.com/known.json');
    expect(() => localiseScript(text, BASE)).toThrow(BenchInputError);
    expect(() => localiseScript(text, BASE)).toThrow(/would reach https:\/\/versions\.example\.com\/known\.json/);
  });

  it('refuses a script that fetches an address it computes', () => {
    const text = STAND_IN.replace(`http.get_url("${RAW}/known.json"`, 'http.get_url(base .. "known.json"');
    expect(() => localiseScript(text, BASE)).toThrow(/computes/);
  });
});

describe('the script and its data', () => {
  it('names the missing script or data file in one line, with where to get them', () => {
    const dir = tempDir();
    expect(() => nmapScriptSource(join(dir, 'nope.nse'), undefined, {})).toThrow(
      /--nmap-script .*nope\.nse: no such file; clone https:\/\/github\.com\/righel\/ms-exchange-version-nse/,
    );
    expect(nmapScriptSource(undefined, undefined, {})).toBeUndefined();
    writeFileSync(join(dir, 'ms-exchange-version.nse'), STAND_IN);
    expect(
      nmapScriptSource(undefined, undefined, { EXAUDIT_NMAP_SCRIPT: join(dir, 'ms-exchange-version.nse') }),
    ).toEqual({
      script: join(dir, 'ms-exchange-version.nse'),
      dataDir: dir,
    });
    return expect(startDataServer(dir, ['known.json'])).rejects.toThrow(/known\.json: missing; .*--nmap-data/);
  });

  it('serves only the listed files, on loopback, and counts them', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'known.json'), '{"15.2.1748.49": {}}');
    writeFileSync(join(dir, 'secret.txt'), 'no');
    const data = await startDataServer(dir, ['known.json']);
    try {
      expect(data.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(await (await fetch(`${data.base}known.json`)).json()).toEqual({ '15.2.1748.49': {} });
      expect((await fetch(`${data.base}secret.txt`)).status).toBe(404);
      expect(data.served()).toBe(1);
    } finally {
      await data.close();
    }
  });
});

describe('nmap XML', () => {
  const servers: BenchServer[] = [
    { port: 1001, name: 'a', expect: { build: '15.2.1748.49', precision: 'exact' } },
    { port: 1002, name: 'b', expect: { build: '15.0.1497', precision: 'cu' } },
    { port: 1003, name: 'c', expect: { build: '15.1.2507.72', precision: 'exact' } },
    { port: 1004, name: 'd', expect: { build: '15.2.1748.36', precision: 'exact' } },
    { port: 1005, name: 'e', expect: { build: '15.2.858.5', precision: 'exact' } },
  ];
  const table = (key: string, build: string) =>
    `<table key="${key}"><elem key="build">${build}</elem><elem key="product">P</elem></table>`;
  const port = (id: number, inner: string, output = '') =>
    `<port protocol="tcp" portid="${id}"><state state="open"/><service name="https"/><script id="ms-exchange-version" output="${output}">${inner}</script></port>`;
  const doc = `<?xml version="1.0"?><nmaprun scanner="nmap"><host><ports>
${port(1001, table('15.2.1748.49', '15.2.1748.49'))}
${port(1002, table('15.0.1497', '15.0.1497.48'))}
${port(1003, `<table>${table('15.1.2507', '15.1.2507.70')}</table><table>${table('15.1.2507', '15.1.2507.72')}</table>`)}
${port(1004, '', 'ERROR: Host not running MS Exchange or could not get OWA version')}
</ports></host></nmaprun>`;

  it('reads per port the builds the script named, the build it read, or its error', () => {
    const a = parseNmapXml(doc);
    expect(a.get(1001)).toEqual({ builds: ['15.2.1748.49'], read: ['15.2.1748.49'] });
    expect(a.get(1002)).toEqual({ builds: ['15.0.1497.48'], read: ['15.0.1497'] });
    expect(a.get(1003)?.builds).toEqual(['15.1.2507.70', '15.1.2507.72']);
    expect(a.get(1004)).toEqual({
      builds: [],
      read: [],
      error: 'ERROR: Host not running MS Exchange or could not get OWA version',
    });
    expect(a.has(1005)).toBe(false);
  });

  it('counts a build right only when it is the one build named, and groups the wrong ones', () => {
    const s = scriptScore(servers, parseNmapXml(doc));
    expect(s.right).toBe(1);
    expect(s.wrong).toEqual(
      expect.arrayContaining([
        { expected: '15.0.1497 (CU only)', got: '15.0.1497.48', count: 1 },
        { expected: '15.1.2507.72', got: '15.1.2507.70 or 15.1.2507.72', count: 1 },
        { expected: '15.2.1748.36', got: 'ERROR: Host not running MS Exchange or could not get OWA version', count: 1 },
        { expected: '15.2.858.5', got: 'no answer', count: 1 },
      ]),
    );
  });
});

describe.skipIf(!NMAP)('bench/scan with nmap and a script', () => {
  it('runs nmap with the script on the loopback fleet in the same rounds, scored and counted like the others', async () => {
    const dir = tempDir();
    const clone = join(dir, 'clone');
    mkdirSync(clone);
    writeFileSync(join(clone, 'ms-exchange-version.nse'), STAND_IN);
    writeFileSync(join(clone, 'known.json'), '{"15.2.1748.49": {"name": "x"}}');
    const r = await measureScanBench({
      servers: 10,
      rounds: 1,
      concurrency: 4,
      cli: false,
      nmapScript: join(clone, 'ms-exchange-version.nse'),
      print: false,
    });
    expect(r.nmapSkipped).toBeUndefined();
    const n = r.nmap!;
    expect(n.label).toMatch(/^nmap \S+ \+ ms-exchange-version$/);
    expect(n.ms).toBeGreaterThan(0);
    expect(n.peakRssMiB).toBeGreaterThan(0);
    // The stand-in asks one thing per port: the export-tool manifest.
    expect(n.perTarget.requests).toBe(1);
    expect(n.perTarget.handshakes).toBe(1);
    // Eight exact builds from the manifest; the CU-level server has none to give; the balanced pair's answer is
    // whichever front end took that connection.
    expect([8, 9]).toContain(n.right);
    expect(n.wrong).toContainEqual({ expected: '15.0.1497 (CU only)', got: 'ERROR: no build', count: 1 });
    expect(n.dataFetches).toBeGreaterThanOrEqual(1);
    expect(r.nmapRatioCollector).toBeCloseTo(n.ms / r.exaudit.ms, 0);
    expect(r.exaudit.right).toBe(10);
  }, 120_000);
});

describe('bench/scan without a script', () => {
  it('says the comparison is skipped and why', async () => {
    const saved = process.env['EXAUDIT_NMAP_SCRIPT'];
    delete process.env['EXAUDIT_NMAP_SCRIPT'];
    try {
      const r = await measureScanBench({ servers: 2, rounds: 1, concurrency: 2, cli: false, print: false });
      expect(r.nmap).toBeUndefined();
      expect(r.nmapSkipped).toMatch(
        NMAP ? /^no script given .*--nmap-script <clone>\/ms-exchange-version\.nse/ : /^nmap is not installed$/,
      );
    } finally {
      if (saved !== undefined) process.env['EXAUDIT_NMAP_SCRIPT'] = saved;
    }
  }, 120_000);
});
