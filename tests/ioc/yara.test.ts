/**
 * YARA over file contents (YARA-X as WebAssembly): exaudit's own rules (rules/yara/) on web pages, users' rules
 * (--yara DIR) on every file, and a user's rule that is too slow stopped by the watchdog without losing the rest.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { sweep } from '../../src/ioc/sweep.js';
import { readYaraSources, SHIPPED_YARA, YARA_DEFAULTS } from '../../src/ioc/yara.js';
import { runCli } from '../helpers/cli.js';
import { zipFile } from '../helpers/zip.js';

const SHELLS = join(import.meta.dirname, '../../fixtures/ioc-webshells');
const tmp = mkdtempSync(join(tmpdir(), 'exaudit-yara-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const shipped = { sources: readYaraSources([SHIPPED_YARA]), allFiles: false, ...YARA_DEFAULTS };

describe("exaudit's own YARA rules", () => {
  it('find the Chopper, Godzilla, Behinder, reGeorg and command-shell families, and no decoy page', async () => {
    const r = await sweep([SHELLS], { jobs: 1, yara: shipped });
    const yara = r.hits.filter((h) => h.indicator.startsWith('yara:'));
    const by = (f: string) => yara.filter((h) => h.file.endsWith(f)).map((h) => h.indicator.split('/')[1]);
    expect(by('malicious/chopper-oneline.aspx')).toEqual(['exaudit_chopper_jscript_eval']);
    expect(by('malicious/chopper-oab-externalurl.aspx')).toEqual([
      'exaudit_chopper_jscript_eval',
      'exaudit_oab_externalurl_shell',
    ]);
    expect(by('malicious/godzilla.ashx')).toEqual(['exaudit_assembly_load_from_request']);
    expect(by('malicious/behinder.aspx')).toEqual(['exaudit_assembly_load_from_request']);
    expect(by('malicious/regeorg-tunnel.aspx')).toEqual(['exaudit_regeorg_tunnel']);
    expect(by('malicious/antak-like.aspx')).toEqual(['exaudit_process_console']);
    expect(yara.filter((h) => h.file.includes('/decoys/'))).toEqual([]);
    expect(yara[0]).toMatchObject({ severity: 'critical', line: 0, advisory: expect.stringMatching(/Web shell|CVE/) });
    expect(r.summary.unreadable).toEqual([]);
  }, 60_000);
});

describe('users’ YARA rules (--yara DIR)', () => {
  it('run over every file, each rule file in its own namespace', () => {
    const rules = join(tmp, 'mine');
    mkdirSync(rules);
    writeFileSync(
      join(rules, 'ours.yar'),
      'rule beacon_ua { meta: severity = "medium" advisory = "Our beacon" strings: $a = "Beacon/4.2" condition: $a }',
    );
    const logs = join(tmp, 'logs');
    mkdirSync(logs);
    writeFileSync(join(logs, 'notes.txt'), 'seen: Mozilla/5.0 Beacon/4.2\n');
    const c = runCli(['ioc', logs, '--yara', rules, '--format', 'json', '--fail-on', 'none']);
    expect(c.code, c.stderr).toBe(0);
    const hits = JSON.parse(c.stdout).ioc.hits;
    expect(hits).toEqual([
      expect.objectContaining({
        indicator: 'yara:ours/beacon_ua',
        severity: 'medium',
        advisory: 'Our beacon',
        line: 0,
      }),
    ]);
  });
  it('a rule file that does not compile is exit 2 naming it', () => {
    const bad = join(tmp, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'broken.yar'), 'rule x { condition: $nope }');
    const c = runCli(['ioc', SHELLS, '--yara', bad]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/broken\.yar: the YARA rules do not compile/);
  });
  it('a rule too slow on a file is stopped by the watchdog; that file is listed and the other files keep their hits', async () => {
    const d = join(tmp, 'slow');
    mkdirSync(d);
    writeFileSync(join(d, 'slow.yar'), 'rule slow { strings: $x = /a.*b.*c.*d/ condition: $x }');
    writeFileSync(join(d, 'marker.yar'), 'rule marker { strings: $m = "MARKER-7" condition: $m }');
    const files = join(tmp, 'slowfiles');
    mkdirSync(files);
    writeFileSync(join(files, 'a.txt'), 'a'.repeat(1024 * 1024));
    writeFileSync(join(files, 'b.txt'), 'MARKER-7\n');
    const r = await sweep([files], {
      jobs: 1,
      yara: { sources: readYaraSources([d]), allFiles: true, timeoutMs: 3000, maxBytes: 16 * 1024 * 1024 },
    });
    expect(r.summary.unreadable).toEqual([
      { file: join(files, 'a.txt'), error: expect.stringMatching(/^YARA scan stopped after 3000 ms/) },
    ]);
    expect(r.hits.map((h) => h.indicator)).toEqual(['yara:marker/marker']);
  }, 60_000);

  it('read web pages and, with users’ rules, every file inside zip archives and .gz files', async () => {
    const d = join(tmp, 'entries-rules');
    mkdirSync(d);
    writeFileSync(join(d, 'marker.yar'), 'rule marker { strings: $m = "MARKER-9" condition: $m }');
    const files = join(tmp, 'triage');
    mkdirSync(files);
    const chopper = readFileSync(join(SHELLS, 'malicious/chopper-oneline.aspx'));
    const decoy = readFileSync(join(SHELLS, 'decoys/client-eval.aspx'));
    writeFileSync(
      join(files, 'collection.zip'),
      zipFile([
        { name: 'inetpub/wwwroot/aspnet_client/x.aspx', data: chopper },
        { name: 'inetpub/wwwroot/ok.aspx', data: decoy },
        { name: 'logs/notes.txt', data: Buffer.from('seen MARKER-9\n') },
        { name: 'logs/old.log.gz', data: gzipSync('later MARKER-9\n'), method: 0 },
        // Two entries of one name: each is read (a benign twin cannot hide the first).
        { name: 'inetpub/wwwroot/twin.aspx', data: chopper },
        { name: 'inetpub/wwwroot/twin.aspx', data: decoy },
      ]),
    );
    writeFileSync(join(files, 'single.txt.gz'), gzipSync('gz MARKER-9\n'));
    const zip = join(files, 'collection.zip');
    const yaraHits = async (sources: ReturnType<typeof readYaraSources>, allFiles: boolean) => {
      const r = await sweep([files], { jobs: 1, yara: { sources, allFiles, ...YARA_DEFAULTS } });
      expect(r.summary.unreadable).toEqual([]);
      return r.hits.filter((h) => h.indicator.startsWith('yara:')).map((h) => [h.indicator, h.file]);
    };
    // Shipped rules: web pages only, inside the archive too; the decoy page is left alone.
    expect(await yaraHits(readYaraSources([SHIPPED_YARA]), false)).toEqual([
      ['yara:exchange-webshells/exaudit_chopper_jscript_eval', `${zip}!/inetpub/wwwroot/aspnet_client/x.aspx`],
      ['yara:exchange-webshells/exaudit_chopper_jscript_eval', `${zip}!/inetpub/wwwroot/twin.aspx`],
    ]);
    // Users' rules: every entry, gunzipped where it is a .gz, named as the line sweep names them.
    expect((await yaraHits(readYaraSources([d]), true)).sort()).toEqual(
      [
        ['yara:marker/marker', `${zip}!/logs/notes.txt`],
        ['yara:marker/marker', `${zip}!/logs/old.log`],
        ['yara:marker/marker', join(files, 'single.txt')],
      ].sort(),
    );
  }, 60_000);
});
