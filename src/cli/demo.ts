/**
 * `exaudit demo`: the whole job against the embedded lab on 127.0.0.1, offline, in seconds. Starts a mixed
 * fleet of fake Exchange HTTPS servers, scans them passively (with the mitigation probes), audits in-process
 * SSH servers that answer the collector (pinned host keys), sweeps sample Exchange logs for compromise indicators, merges all into one result
 * and writes every report to ./exaudit-demo/. Leaves no process or port behind; exits with the findings' code.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultHttpFleet, startHttpLab } from '../lab/index.js';
import { expandTargets } from '../collect/http/targets.js';
import { scanTarget } from '../collect/http/scan.js';
import { loadFactsFiles } from '../collect/offline/facts-files.js';
import { DocumentSink, runPipeline } from '../engine/pipeline.js';
import { FAIL_ON_VALUES, type FailOn } from '../engine/policy.js';
import type { CollectedTarget } from '../contract.js';
import { loadChecks } from '../engine/loader.js';
import { addCatalogOptions, catalogFor } from './common.js';
import { RENDERERS } from '../../reports/index.js';
import { renderConsole } from '../../reports/console.js';
import { PROJECT_ROOT, TOOL_VERSION } from '../util/tool.js';
import { writeEvidence } from '../output/evidence.js';
import { startSshLab } from '../lab/ssh/server.js';
import { collectOverSsh } from '../collect/ssh/index.js';
import { sweep } from '../ioc/sweep.js';
import { Option } from 'commander';

interface DemoOptions {
  output: string;
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
    .option('-o, --output <dir>', 'where the reports go', 'exaudit-demo');
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

export async function runDemo(opts: DemoOptions): Promise<number> {
  const out = resolve(opts.output);
  const say = (s: string) => {
    if (!opts.quiet) process.stderr.write(`${s}\n`);
  };
  const catalog = await catalogFor(opts);
  const sink = new DocumentSink();
  const pipeline = {
    command: 'demo',
    catalog,
    checks: await loadChecks(),
    asOf: opts.asOf,
    startedAt: new Date().toISOString(),
    options: { probes: ['mitigations'] },
    failOn: opts.failOn,
  };
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

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

    // Server-side: in-process SSH servers that answer the collector like Windows OpenSSH would.
    const offline = loadFactsFiles([join(PROJECT_ROOT, 'fixtures', 'demo', 'facts')]);
    const sshLab = await startSshLab(offline.collected.map((c) => ({ name: c.target, facts: c.facts! })));
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
    } finally {
      await sshLab.close();
    }

    const logsDir = join(PROJECT_ROOT, 'fixtures', 'logs');
    say(`demo: exaudit ioc ${logsDir}`);
    const iocResult = await sweep([logsDir], { indicators: catalog.indicators });
    return { ioc: { summary: iocResult.summary, hits: iocResult.hits } };
  });
  const doc = sink.doc!;
  const files: Record<string, string> = {
    'result.json': RENDERERS['json']!.render(doc, {}),
    'exaudit.sarif': RENDERERS['sarif']!.render(doc, {}),
    'TEST-exaudit.xml': RENDERERS['junit']!.render(doc, {}),
    'exaudit.csv': RENDERERS['csv']!.render(doc, {}),
    'exaudit.txt': renderConsole(doc, false),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
  // The evidence an agency files for ED 21-02: HTML and Markdown reports, the result, and a SHA-256 manifest.
  const evidence = writeEvidence(
    join(out, 'evidence'),
    {
      'ed-21-02.html': RENDERERS['html']!.render(doc, { directive: 'ed-21-02', catalog }),
      'ed-21-02.md': RENDERERS['markdown']!.render(doc, { directive: 'ed-21-02', catalog }),
      'result.json': files['result.json']!,
    },
    `exaudit ${TOOL_VERSION}`,
  );
  files['evidence/ (ED 21-02 HTML and Markdown, manifest.json; check with exaudit verify)'] = '';

  if (!opts.quiet) process.stdout.write(renderConsole(doc, process.stdout.isTTY === true && !process.env['NO_COLOR']));
  void evidence;
  process.stdout.write(
    `\nReports in ${out}${out.endsWith('/') ? '' : '/'}:\n${Object.keys(files)
      .map((f) => `  ${f}`)
      .join('\n')}\n`,
  );
  return result.exitCode;
}

/** A lab target under the name the reports show. */
function renamed(c: CollectedTarget, name: string): CollectedTarget {
  return { ...c, target: name, ...(c.facts ? { facts: { ...c.facts, target: { ...c.facts.target, name } } } : {}) };
}
