/**
 * The commander program: one file per command in src/cli/, registered here in help order. Only the command being
 * run is loaded (a dynamic import each), so `exaudit build` never loads the scanner, SSH, logging or renderers.
 */
import { Command } from 'commander';
import { TOOL_VERSION } from '../util/tool.js';
import { oneLine } from '../util/text.js';

interface CommandModule {
  register(program: Command): Command;
}

/** Every command, in help order, and how to load it. */
export const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  scan: () => import('./scan.js'),
  audit: () => import('./audit.js'),
  ioc: () => import('./ioc.js'),
  report: () => import('./report.js'),
  build: () => import('./build.js'),
  rules: () => import('./rules.js'),
  collector: () => import('./collector.js'),
  verify: () => import('./verify.js'),
  demo: () => import('./demo.js'),
  lab: () => import('./lab.js'),
};

/** The command named on the command line (its first word that is not an option), if it is one of ours. */
function requested(argv: string[]): string | undefined {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? first : undefined;
}

/** Usage errors stay on one line: commander's message, then where the usage is. */
function oneLineErrors(command: string) {
  return {
    writeErr: (s: string) => {
      process.stderr.write(s);
    },
    // The message quotes what was typed: one line, no terminal control sequences.
    outputError: (s: string, write: (s: string) => void) =>
      write(`${oneLine(s.trim().replace(/\s*\n\s*/g, ' '))} (see ${command} --help)\n`),
  };
}

/** The program with the requested command, or with all of them (for help, a typo's suggestion, no command). */
export async function buildProgram(argv: string[] = process.argv): Promise<Command> {
  const program = new Command('exaudit')
    .description(
      // One paragraph: commander wraps it to the terminal; a hard line break would break the wrapped lines oddly.
      'Exchange exposure checker and mitigation auditor: which build, which updates and CVEs are missing, ' +
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
  const one = requested(argv);
  const names = one ? [one] : Object.keys(COMMANDS);
  const modules = await Promise.all(names.map((n) => COMMANDS[n]!()));
  for (const cmd of modules) {
    const sub = cmd.register(program);
    sub.exitOverride().configureOutput(oneLineErrors(`exaudit ${sub.name()}`));
  }
  return program;
}
