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
import { assess } from '../engine/run.js';
import { mergeResults } from '../engine/merge.js';
import { loadChecks } from '../engine/loader.js';
import { addCatalogOptions, catalogFor, exitCodeFor, type FailOn, FAIL_ON_VALUES } from './common.js';
import { RENDERERS } from '../../reports/index.js';
import { renderConsole } from '../../reports/console.js';
import { PROJECT_ROOT, TOOL_VERSION } from '../util/tool.js';
import { writeEvidence } from '../../reports/evidence.js';
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
  const checks = await loadChecks();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  say('demo: starting the lab (fake Exchange HTTPS servers on 127.0.0.1)…');
  const lab = await startHttpLab(defaultHttpFleet());
  let scanDoc;
  const startedAt = new Date().toISOString();
  try {
    const targets = expandTargets(lab.servers.map((s) => `127.0.0.1:${s.port}`));
    say(`demo: exaudit scan ${targets.length} servers --probe mitigations`);
    const collected = await Promise.all(
      targets.map((t) =>
        scanTarget(t, { ca: lab.ca, requestTimeoutMs: 2000, targetTimeoutMs: 8000, probeMitigations: true }),
      ),
    );
    // Name the lab targets after their role so the reports read like a fleet.
    collected.forEach((c, i) => {
      const name = `${lab.servers[i]!.spec.name}.lab.test`;
      c.target = name;
      if (c.facts) c.facts.target = { ...c.facts.target, name };
    });
    scanDoc = assess(collected, {
      catalog,
      checks,
      command: 'scan',
      startedAt,
      finishedAt: new Date().toISOString(),
      asOf: opts.asOf,
      options: { probes: ['mitigations'] },
    });
  } finally {
    await lab.close();
  }

  // Server-side: in-process SSH servers that answer the collector like Windows OpenSSH would.
  const factsDir = join(PROJECT_ROOT, 'fixtures', 'demo', 'facts');
  const offline = loadFactsFiles([factsDir]);
  const sshLab = await startSshLab(offline.collected.map((c) => ({ name: c.target, facts: c.facts! })));
  let auditDoc;
  try {
    say(`demo: exaudit audit --ssh ${sshLab.servers.length} servers (in-process SSH lab, host keys pinned)`);
    const known = {
      identity: sshLab.clientKeyFile,
      knownHostsFile: sshLab.knownHostsFile,
      connectTimeoutMs: 5000,
      commandTimeoutMs: 10_000,
    };
    const collected = await Promise.all(
      sshLab.servers.map(async (s) => {
        const c = await collectOverSsh({ user: 'exaudit', host: s.host, port: s.port, name: s.name }, known);
        c.target = s.name;
        if (c.facts) c.facts.target = { ...c.facts.target, name: s.name };
        return c;
      }),
    );
    auditDoc = assess(collected, {
      catalog,
      checks,
      command: 'audit',
      startedAt,
      finishedAt: new Date().toISOString(),
      asOf: opts.asOf,
    });
  } finally {
    await sshLab.close();
  }

  const logsDir = join(PROJECT_ROOT, 'fixtures', 'logs');
  say(`demo: exaudit ioc ${logsDir}`);
  const iocResult = await sweep([logsDir], { indicators: catalog.indicators });
  const doc = mergeResults([scanDoc, auditDoc], 'demo');
  doc.ioc = { summary: iocResult.summary, hits: iocResult.hits };
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
  return exitCodeFor(doc, opts.failOn);
}
