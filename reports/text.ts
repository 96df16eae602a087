/** Text hygiene shared by renderers: strip ANSI and control characters that break XML, CSV and terminals. */
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g;

export function clean(text: unknown): string {
  const s = typeof text === 'string' ? text : text === undefined || text === null ? '' : JSON.stringify(text);
  return s.replace(ANSI, '').replace(CONTROL, '');
}
