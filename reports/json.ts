/** The result document as pretty JSON (its JSON Schema is reports/schema/result.schema.json). */
import type { Renderer } from './index.js';

const json: Renderer = {
  format: 'json',
  extension: 'json',
  description: 'the result document (JSON Schema: reports/schema/result.schema.json)',
  render: (doc) => `${JSON.stringify(doc, null, 2)}\n`,
};
export default json;
