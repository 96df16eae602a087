/** The output formats' names, without loading their renderers (option help and parsing need only the names). */
export const FORMATS = ['console', 'json', 'ndjson', 'sarif', 'junit', 'csv', 'markdown', 'html'] as const;
export type Format = (typeof FORMATS)[number];
