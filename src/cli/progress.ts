/** The progress bar of long runs (scan, audit over SSH): on stderr only when it is a terminal. */
import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';

// cli-progress loads only when a bar is drawn (a terminal), not for every scan in a pipe or CI.
const load = () => createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');

/**
 * A bar on `stream` only when it is a terminal, not --quiet, and more than one target: never in pipes or CI logs.
 * `what` names the command and the unit: "scan … 3/10 targets, 5s left".
 */
export function progressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  quiet: boolean,
  total: number,
  command = 'scan',
  unit = 'targets',
): SingleBar | undefined {
  if (quiet || stream.isTTY !== true || total < 2) return undefined;
  const { SingleBar, Presets } = load();
  return new SingleBar(
    {
      format: `${command} {bar} {value}/{total} ${unit}, {eta_formatted} left`,
      stream: stream as NodeJS.WritableStream,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
}
