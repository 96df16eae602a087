/** The commander program: one file per command in src/cli/, registered here in help order. */
import { Command } from 'commander';
import { TOOL_VERSION } from '../util/tool.js';
import * as scan from './scan.js';
import * as audit from './audit.js';
import * as ioc from './ioc.js';
import * as report from './report.js';
import * as build from './build.js';
import * as rules from './rules.js';
import * as collector from './collector.js';
import * as verify from './verify.js';
import * as demo from './demo.js';
import * as lab from './lab.js';

/** Usage errors stay on one line: commander's message, then where the usage is. */
function oneLineErrors(command: string) {
  return {
    writeErr: (s: string) => {
      process.stderr.write(s);
    },
    outputError: (s: string, write: (s: string) => void) =>
      write(`${s.trim().replace(/\s*\n\s*/g, ' ')} (see ${command} --help)\n`),
  };
}

export function buildProgram(): Command {
  const program = new Command('exaudit')
    .description(
      'Exchange exposure checker and mitigation auditor: which build, which updates and CVEs are missing,\n' +
        'are the advisory mitigations in place, any sign of compromise, and what a CISA directive asks.',
    )
    .version(TOOL_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput(oneLineErrors('exaudit'))
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage, input or catalog error,
3 some target could not be assessed and nothing failed.

Start with:  exaudit demo        (runs everything against an embedded lab on 127.0.0.1)`,
    );
  for (const cmd of [scan, audit, ioc, report, build, rules, collector, verify, demo, lab]) {
    const sub = cmd.register(program);
    sub.exitOverride().configureOutput(oneLineErrors(`exaudit ${sub.name()}`));
  }
  return program;
}
