/**
 * A kept result document rendered in the formats asked (DESIGN.md §6): to stdout, a file, or an evidence folder
 * with its manifest. Loaded only by runs that render at the end (and by `report`), so a streamed JSON or NDJSON
 * run never loads the renderers, their XML and CSV libraries or the inventory reader.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { rendererFor, type RenderOptions } from '../../reports/index.js';
import { writeEvidence } from './evidence.js';
import type { ResultDocument, Severity } from '../contract.js';
import { exitCodeFor, type FailOn } from '../engine/policy.js';
import { summarize } from '../engine/run.js';
import { expireWaivers } from '../engine/waivers.js';
import { applyWaiversFile } from '../engine/waivers-file.js';
import { inventoryLines } from '../targets/inventory.js';
import { InputError, type ExitCode } from '../util/errors.js';
import { writeFileNoFollow } from '../util/files.js';
import { TOOL_VERSION } from '../util/tool.js';
import { formatsOf, isDirectoryTarget, report, type OutputOptions } from './write.js';

/** Render options: colour on a terminal, --details and --severity, inventory lines for SARIF. */
function renderOptionsFor(doc: ResultDocument, opts: OutputOptions, formats: string[]): RenderOptions {
  return {
    color: !opts.output && process.stdout.isTTY === true && !process.env['NO_COLOR'],
    ...(opts.details ? { details: true } : {}),
    ...(opts.severity?.length ? { severities: opts.severity } : {}),
    ...(opts.inventoryFile ? { inventoryFile: opts.inventoryFile } : {}),
    ...(opts.inventoryFile && formats.includes('sarif')
      ? {
          inventoryLines: inventoryLines(
            opts.inventoryFile,
            doc.targets.map((t) => t.target),
          ),
        }
      : {}),
  };
}

/** Formats whose findings --severity filters in the document itself (the human views filter what they show). */
const FILTERED = new Set(['sarif', 'junit', 'csv']);

/** The document with only findings and hits of the chosen severities, its counts made again so they add up. */
export function withSeverities(doc: ResultDocument, severities?: Severity[]): ResultDocument {
  if (!severities?.length) return doc;
  const keep = (x: { severity: Severity }) => severities.includes(x.severity);
  const targets = doc.targets.map((t) => ({ ...t, findings: t.findings.filter(keep) }));
  return {
    ...doc,
    targets,
    ...(doc.ioc ? { ioc: { ...doc.ioc, hits: doc.ioc.hits.filter(keep) } } : {}),
    summary: summarize(targets),
  };
}

function render(format: string, doc: ResultDocument, opts: OutputOptions, renderOpts: RenderOptions): string {
  const r = rendererFor(format)!;
  return r.render(FILTERED.has(format) ? withSeverities(doc, opts.severity) : doc, renderOpts);
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
    process.stdout.write(render(formats[0]!, doc, opts, renderOpts));
    return [];
  }
  if (!isDirectoryTarget(opts.output, formats, !!opts.evidence || !!opts.directive)) {
    mkdirSync(dirname(opts.output), { recursive: true });
    writeFileNoFollow(opts.output, render(formats[0]!, doc, opts, renderOpts));
    return [opts.output];
  }
  const files = Object.fromEntries(
    formats.map((f) => {
      return [`exaudit.${rendererFor(f)!.extension}`, render(f, doc, opts, renderOpts)];
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
  opts: OutputOptions & { waivers?: string; failOn: FailOn; asOf: string },
  defaultFormat = 'console',
  rejudge: (doc: ResultDocument) => ResultDocument = (d) => d,
): ExitCode {
  const final = rejudge(opts.waivers ? applyWaiversFile(doc, opts.waivers, opts.asOf) : expireWaivers(doc, opts.asOf));
  report(opts, final.waivers ?? [], writeOutputs(final, opts, defaultFormat));
  const code = exitCodeFor(final, opts.failOn);
  process.exitCode = code;
  return code;
}
