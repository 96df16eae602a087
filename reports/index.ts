/**
 * Renderer registry: one renderer per format, each in reports/<format>.ts. A renderer is a pure function
 * of the result document (plus options) to text: no catalog, clock or file.
 */
import type { ResultDocument, Severity } from '../src/contract.js';
import json from './json.js';
import ndjson from './ndjson.js';
import console from './console.js';
import sarif from './sarif.js';
import junit from './junit.js';
import csv from './csv.js';
import markdown from './markdown.js';
import html from './html.js';

/** How to render; never what to judge (directive evidence is judged by the engine and stored in the document). */
export interface RenderOptions {
  /** Colour for terminal output. */
  color?: boolean;
  /** Console: every finding of every server, not only the summary and the worst findings. */
  details?: boolean;
  /** Show only findings of these severities (--severity); JSON and NDJSON keep every finding. */
  severities?: Severity[];
  /** Inventory file path, for SARIF physical locations of targets whose facts do not name one. */
  inventoryFile?: string;
  /** Line of each target in inventoryFile (lower-case target name → 1-based line). */
  inventoryLines?: Record<string, number>;
}

export interface Renderer {
  format: string;
  /** File extension used when several formats are written into a directory. */
  extension: string;
  description: string;
  render(doc: ResultDocument, opts: RenderOptions): string;
}

export const RENDERERS: Record<string, Renderer> = Object.fromEntries(
  [console, json, ndjson, sarif, junit, csv, markdown, html].map((r) => [r.format, r]),
);

export function rendererFor(format: string): Renderer | undefined {
  return RENDERERS[format];
}
