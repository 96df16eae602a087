/**
 * `exaudit demo`: the whole job against the embedded lab on 127.0.0.1, offline, in seconds. Starts a mixed
 * fleet of fake Exchange HTTPS servers, scans them passively (with the mitigation probes), audits in-process
 * SSH servers that answer the collector (pinned host keys), sweeps sample Exchange logs for compromise indicators, merges all into one result
 * and writes every report to ./exaudit-demo/. Leaves no process or port behind; exits with the findings' code.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultHttpFleet, startHttpLab } from '../lab/index.js';
import { expandTargets } from '../collect/http/targets.js';
import { scanTarget } from '../collect/http/scan.js';
import { loadFactsFiles } from '../collect/offline/facts-files.js';
import { DocumentSink, runPipeline } from '../engine/pipeline.js';
import { FAIL_ON_VALUES, type FailOn } from '../engine/policy.js';
import type { CollectedTarget, IocSweep } from '../contract.js';
import { loadChecks } from '../engine/loader.js';
import { addCatalogOptions, catalogFor, collectFormats } from './common.js';
import { RENDERERS } from '../../reports/index.js';
import { renderConsole } from '../../reports/console.js';
import { PROJECT_ROOT } from '../util/tool.js';
import { writeOutputs } from '../output/render.js';
import { startSshLab } from '../lab/ssh/server.js';
import { collectOverSsh } from '../collect/ssh/index.js';
import { combine, merge, sweep, type SweepResult } from '../ioc/sweep.js';
import { compile } from '../ioc/rules.js';
import { sweepOverSsh } from '../ioc/remote.js';
import { RuleSet } from '../ioc/scan-unit.js';
import { Option } from 'commander';

interface DemoOptions {
  output: string;
  format?: string[];
  rules: string;
  asOf: string;
  maxCatalogAge?: number;
  failOn: FailOn;
  quiet?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('demo')
    .description('run scan and audit against an embedded lab on 127.0.0.1 and write every report to ./exaudit-demo/')
    .option(
      '-o, --output <dir>',
      'the folder the reports go to (one exaudit.<ext> per format, with a manifest)',
      'exaudit-demo',
    )
    .option(
      '-f, --format <formats>',
      `formats to write, comma-separated or repeated (default: ${DEMO_FORMATS.join(',')})`,
      collectFormats,
    );
  return addCatalogOptions(cmd)
    .addOption(
      new Option('--fail-on <level>', 'exit 1 when a finding reaches this level')
        .choices(FAIL_ON_VALUES)
        .default('high'),
    )
    .option('-q, --quiet', 'print only where the reports are')
    .addHelpText(
      'after',
      `
Nothing leaves this machine: the lab servers listen on 127.0.0.1 and stop when the demo ends.

Example:
  npx exaudit demo && open exaudit-demo/exaudit.txt`,
    )
    .action(async (opts: DemoOptions) => {
      process.exitCode = await runDemo(opts);
    });
}

/** Every report the demo writes, under the file names --format gives them (exaudit.<ext>). */
export const DEMO_FORMATS = ['console', 'json', 'sarif', 'junit', 'csv', 'markdown', 'html'] as const;
/** The lab server whose logs fixtures/logs/ plays: the demo's compromised server (ProxyLogon-era Exchange 2013). */
export const COMPROMISED = 'ex2013-mitigated.lab.test';
const HTTPPROXY = 'C:/Program Files/Microsoft/Exchange Server/V15/Logging/HttpProxy/Owa';

/** A clean HttpProxy log, for the SSH lab servers' SFTP roots: the fixture's header, then ordinary OWA requests. */
function writeCleanLogs(root: string): void {
  const [software, fields] = readFileSync(
    join(PROJECT_ROOT, 'fixtures', 'logs', 'HttpProxy', 'Autodiscover', 'HttpProxy_2022092910-1.LOG'),
    'utf8',
  ).split(/\r?\n/);
  const columns = (fields ?? '').replace(/^#Fields: /, '').split(',');
  const line = (time: string, ip: string) =>
    columns
      .map((c) =>
        c === 'DateTime'
          ? time
          : c === 'Protocol'
            ? 'Owa'
            : c === 'UrlStem'
              ? '/owa/'
              : c === 'ClientIpAddress'
                ? ip
                : c === 'HttpStatus'
                  ? '200'
                  : c === 'Method'
                    ? 'GET'
                    : '',
      )
      .join(',');
  const dir = join(root, HTTPPROXY);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'HttpProxy_2026113008-1.LOG'),
    [
      software,
      fields,
      line('2026-11-30T08:00:00.000Z', '198.51.100.20'),
      line('2026-11-30T08:05:00.000Z', '198.51.100.21'),
      '',
    ].join('\r\n'),
  );
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  const out = resolve(opts.output);
  const say = (s: string) => {
    if (!opts.quiet) process.stderr.write(`${s}\n`);
  };
  const catalog = await catalogFor({ ...opts, directive: 'ed-21-02' });
  const sink = new DocumentSink();
  const pipeline = {
    command: 'demo',
    catalog,
    checks: await loadChecks(),
    asOf: opts.asOf,
    startedAt: new Date().toISOString(),
    options: { probes: ['mitigations'] },
    failOn: opts.failOn,
    directives: [catalog.directive('ed-21-02')!],
  };
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const sftpRoot = mkdtempSync(join(tmpdir(), 'exaudit-demo-sftp-'));

  const result = await runPipeline(pipeline, sink, async (emit) => {
    say('demo: starting the lab (fake Exchange HTTPS servers on 127.0.0.1)…');
    const lab = await startHttpLab(defaultHttpFleet());
    try {
      const targets = expandTargets(lab.servers.map((s) => `127.0.0.1:${s.port}`));
      say(`demo: exaudit scan ${targets.length} servers --probe mitigations`);
      const collected = await Promise.all(
        targets.map((t) =>
          scanTarget(t, { ca: lab.ca, requestTimeoutMs: 2000, targetTimeoutMs: 8000, probeMitigations: true }),
        ),
      );
      // Name the lab targets after their role so the reports read like a fleet.
      for (const [i, c] of collected.entries())
        await emit.collected(renamed(c, `${lab.servers[i]!.spec.name}.lab.test`));
    } finally {
      await lab.close();
    }

    // Server-side: in-process SSH servers that answer the collector like Windows OpenSSH would, and serve clean
    // Exchange logs over SFTP for the indicator sweep.
    writeCleanLogs(sftpRoot);
    const offline = loadFactsFiles([join(PROJECT_ROOT, 'fixtures', 'demo', 'facts')]);
    const sshLab = await startSshLab(offline.collected.map((c) => ({ name: c.target, facts: c.facts!, sftpRoot })));
    const sweeps: IocSweep[] = [];
    const swept: SweepResult[] = [];
    try {
      say(`demo: exaudit audit --ssh ${sshLab.servers.length} servers (in-process SSH lab, host keys pinned)`);
      const known = {
        identity: sshLab.clientKeyFile,
        knownHostsFile: sshLab.knownHostsFile,
        connectTimeoutMs: 5000,
        commandTimeoutMs: 10_000,
      };
      const collected = await Promise.all(
        sshLab.servers.map((s) => collectOverSsh({ user: 'exaudit', host: s.host, port: s.port, name: s.name }, known)),
      );
      for (const [i, c] of collected.entries()) await emit.collected(renamed(c, sshLab.servers[i]!.name));
      say(`demo: exaudit ioc --ssh ${sshLab.servers.length} servers (their Exchange logs over SFTP)`);
      const set = new RuleSet(catalog.indicators.map(compile));
      for (const s of sshLab.servers) {
        const r = await sweepOverSsh({ user: 'exaudit', host: s.host, port: s.port, name: s.name }, known, set);
        if (!r.result) continue;
        swept.push(merge([r.result]));
        sweeps.push(sweepOf(s.name, 'ssh', r.swept, r.result));
      }
    } finally {
      await sshLab.close();
    }

    const logsDir = join(PROJECT_ROOT, 'fixtures', 'logs');
    say(`demo: exaudit ioc ${logsDir} --target ${COMPROMISED}`);
    const local = await sweep([logsDir], { indicators: catalog.indicators, target: COMPROMISED });
    sweeps.unshift(sweepOf(COMPROMISED, 'local', [logsDir], local.summary));
    const all = combine([local, ...swept]);
    return { ioc: { summary: all.summary, hits: all.hits, sweeps } };
  });
  rmSync(sftpRoot, { recursive: true, force: true });
  const doc = sink.doc!;
  // The same files `--format console,json,sarif,junit,csv,markdown,html --output DIR` writes, with their manifest.
  const formats = opts.format?.length ? [...new Set(opts.format)] : [...DEMO_FORMATS];
  writeOutputs(doc, { format: formats, output: `${out}/`, quiet: true });

  if (!opts.quiet)
    process.stdout.write(renderConsole(doc, { color: process.stdout.isTTY === true && !process.env['NO_COLOR'] }));
  process.stdout.write(
    `\nReports in ${out}${out.endsWith('/') ? '' : '/'} (the ED 21-02 evidence: exaudit.html, exaudit.md; check the folder with exaudit verify):\n${[
      ...formats.map((f) => `exaudit.${RENDERERS[f]!.extension}`),
      'manifest.json',
      'SHA256SUMS',
    ]
      .map((f) => `  ${f}`)
      .join('\n')}\n`,
  );
  return result.exitCode;
}

/** One sweep's coverage, as the result document records it. */
function sweepOf(
  target: string,
  source: IocSweep['source'],
  paths: string[],
  r: { files: number; lines: number; hits: unknown[] | number; unreadable: unknown[] },
): IocSweep {
  return {
    target,
    source,
    paths,
    files: r.files,
    lines: r.lines,
    hits: typeof r.hits === 'number' ? r.hits : r.hits.length,
    unreadable: r.unreadable.length,
  };
}

/** A lab target under the name the reports show. */
function renamed(c: CollectedTarget, name: string): CollectedTarget {
  return { ...c, target: name, ...(c.facts ? { facts: { ...c.facts, target: { ...c.facts.target, name } } } : {}) };
}
