/**
 * A kept result document rendered in the formats asked (DESIGN.md §6): to stdout, a file, or an evidence folder
 * with its manifest. Loaded only by runs that render at the end (and by `report`), so a streamed JSON or NDJSON
 * run never loads the renderers, their XML and CSV libraries or the inventory reader.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { rendererFor, type RenderOptions } from '../../reports/index.js';
import { writeEvidence } from './evidence.js';
import type { ResultDocument } from '../contract.js';
import { exitCodeFor, type FailOn } from '../engine/policy.js';
import { applyWaiversFile, expireWaivers } from '../engine/waivers.js';
import { inventoryLines } from '../targets/inventory.js';
import { InputError, type ExitCode } from '../util/errors.js';
import { TOOL_VERSION } from '../util/tool.js';
import { formatsOf, isDirectoryTarget, report, type OutputOptions } from './write.js';

/** Render options for a document: the directive and catalog when an evidence report needs them, inventory lines for SARIF. */
function renderOptionsFor(doc: ResultDocument, opts: OutputOptions, formats: string[]): RenderOptions {
  const evidenceFormats = formats.some((f) => f === 'markdown' || f === 'html');
  // The command loaded the catalog (catalogFor checks a --directive exists) before anything ran.
  const directiveDef = opts.directive ? opts.catalog?.directive(opts.directive) : undefined;
  if (opts.directive && !directiveDef) throw new InputError(`--directive ${opts.directive}: unknown directive`);
  return {
    color: !opts.output && process.stdout.isTTY === true && !process.env['NO_COLOR'],
    ...(opts.directive ? { directive: opts.directive, directiveDef: directiveDef! } : {}),
    ...(directiveDef && evidenceFormats ? { catalog: opts.catalog! } : {}),
    ...(opts.inventoryFile ? { inventoryFile: opts.inventoryFile } : {}),
    ...(opts.inventoryFile && formats.includes('sarif')
      ? {
          inventoryLines: inventoryLines(
            opts.inventoryFile,
            doc.targets.map((t) => t.target),
          ),
        }
      : {}),
    asOf: opts.asOf,
  };
}

/**
 * Renders the document in each requested format. With no --output the single format goes to stdout; a
 * single format with a file --output goes to that file; otherwise --output names a directory that receives
 * exaudit.<ext> per format plus manifest.json and SHA256SUMS (check them with `exaudit verify DIR`).
 * Returns the files written.
 */
export function writeOutputs(doc: ResultDocument, opts: OutputOptions, defaultFormat = 'console'): string[] {
  const formats = formatsOf(opts, defaultFormat);
  const renderOpts = renderOptionsFor(doc, opts, formats);
  if (!opts.output) {
    if (formats.length > 1)
      throw new InputError('several formats need --output DIR', 'or ask for one format on stdout');
    process.stdout.write(rendererFor(formats[0]!)!.render(doc, renderOpts));
    return [];
  }
  if (!isDirectoryTarget(opts.output, formats, !!opts.evidence || !!opts.directive)) {
    mkdirSync(dirname(opts.output), { recursive: true });
    writeFileSync(opts.output, rendererFor(formats[0]!)!.render(doc, renderOpts));
    return [opts.output];
  }
  const files = Object.fromEntries(
    formats.map((f) => {
      const r = rendererFor(f)!;
      return [`exaudit.${r.extension}`, r.render(doc, renderOpts)];
    }),
  );
  const written = writeEvidence(opts.output, files, `exaudit ${TOOL_VERSION}`);
  if (written.others.length)
    process.stderr.write(
      `exaudit: ${opts.output} also holds ${written.others.length} file(s) this run did not write (${written.others.slice(0, 3).join(', ')}${written.others.length > 3 ? ', …' : ''}); exaudit verify will report them as extra\n`,
    );
  return [...Object.keys(files), 'manifest.json', 'SHA256SUMS'].map((f) => join(opts.output!, f));
}

/**
 * `report`: re-judges a saved document. A --waivers file replaces any waivers it had; without one, waivers
 * whose expiry has passed stop applying. Writes the outputs and sets the exit code.
 */
export function finishDocument(
  doc: ResultDocument,
  opts: OutputOptions & { waivers?: string; failOn: FailOn },
  defaultFormat = 'console',
): ExitCode {
  const final = opts.waivers ? applyWaiversFile(doc, opts.waivers, opts.asOf) : expireWaivers(doc, opts.asOf);
  report(opts, final.waivers ?? [], writeOutputs(final, opts, defaultFormat));
  const code = exitCodeFor(final, opts.failOn);
  process.exitCode = code;
  return code;
}
