/**
 * Renderer registry: one renderer per format, each in reports/<format>.ts. A renderer is a pure function
 * of the result document (plus options) to text.
 */
import type { ResultDocument } from '../src/contract.js';
import type { Catalog } from '../src/catalog/catalog.js';
import type { Directive } from './directives.js';
import json from './json.js';
import ndjson from './ndjson.js';
import console from './console.js';
import sarif from './sarif.js';
import junit from './junit.js';
import csv from './csv.js';
import markdown from './markdown.js';
import html from './html.js';

export interface RenderOptions {
  /** Colour for terminal output. */
  color?: boolean;
  /** Directive id for evidence reports (markdown/html). */
  directive?: string;
  /** The directive itself, when the caller resolved it (e.g. from --rules DIR); else the shipped one by id. */
  directiveDef?: Directive;
  /** The rules catalog, to resolve a directive's CVE lists, KEV due dates and CUs. */
  catalog?: Catalog;
  /** Inventory file path, for SARIF physical locations of targets whose facts do not name one. */
  inventoryFile?: string;
  /** Line of each target in inventoryFile (lower-case target name → 1-based line). */
  inventoryLines?: Record<string, number>;
  /** Reference date for due dates and expiries (YYYY-MM-DD). */
  asOf?: string;
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
