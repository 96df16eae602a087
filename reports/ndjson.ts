/**
 * NDJSON: one target result per line, then one line with the rest of the document (summary, waivers, sweep).
 * `scan`, `audit` and `ioc` stream it as targets finish; this renders a kept document the same way.
 */
import type { Renderer } from './index.js';
import type { ResultDocument } from '../src/contract.js';
import { ndjsonClosing, ndjsonLine } from './stream.js';

const ndjson: Renderer = {
  format: 'ndjson',
  extension: 'ndjson',
  description: 'one target result per line as each finishes, then a summary line',
  render: (doc: ResultDocument) => {
    const { targets, ...rest } = doc;
    return targets.map(ndjsonLine).join('') + ndjsonClosing(rest);
  },
};
export default ndjson;
