/**
 * The result document as text in pieces, so it can be written while targets are judged: pretty JSON that parses
 * to the same document `json` renders (the run's end time follows the targets), and NDJSON (one target per line,
 * then one line with the rest of the document).
 */
import type { TargetResult } from '../src/contract.js';

const indent = (text: string, pad: string) => text.replace(/\n/g, `\n${pad}`);

/** The opening of the document up to its targets list: `{ …header…, "targets": [`. */
export function jsonHead(header: object): string {
  const head = JSON.stringify(header, null, 2);
  return `${head.slice(0, head.lastIndexOf('\n}'))},\n  "targets": [`;
}

/**
 * One element of the targets list; `first` leaves out the separating comma. The target is stringified where it sits
 * in the document, two levels deep (`[[t]]`), and cut out: the same text as re-indenting its own JSON, without a
 * regex pass over 100 KB a target.
 */
export function jsonTarget(t: TargetResult, first: boolean): string {
  const nested = JSON.stringify([[t]], null, 2); // "[\n  [\n    {…}\n  ]\n]"
  return `${first ? '' : ','}\n    ${nested.slice(OPEN.length, nested.length - CLOSE.length)}`;
}
const OPEN = '[\n  [\n    ';
const CLOSE = '\n  ]\n]';

/** Closes the targets list (`empty`: none were written) and adds the fields that follow it. */
export function jsonTail(tail: object, empty: boolean): string {
  const fields = Object.entries(tail)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `,\n  ${JSON.stringify(k)}: ${indent(JSON.stringify(v, null, 2), '  ')}`)
    .join('');
  return `${empty ? ']' : '\n  ]'}${fields}\n}\n`;
}

export const ndjsonLine = (value: object): string => `${JSON.stringify(value)}\n`;

/** NDJSON's closing line: the document without its targets (nor $schema, which describes a whole document). */
export function ndjsonClosing(rest: { $schema?: string | undefined; summary: object }): string {
  const { $schema: _schema, summary, ...fields } = rest;
  return ndjsonLine({ ...fields, summary });
}
