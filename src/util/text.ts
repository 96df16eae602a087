/** Any value as text for people: strings as they are, nothing for null or undefined, JSON for the rest. */
export function valueText(value: unknown, missing = ''): string {
  if (typeof value === 'string') return value;
  return value === undefined || value === null ? missing : JSON.stringify(value);
}
