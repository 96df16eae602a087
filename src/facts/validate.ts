/** Validates facts at the edge: one clear line naming the input, the field and the problem. */
import { Facts } from './schema.js';
import { InputError } from '../util/errors.js';

export function parseFacts(data: unknown, label: string): Facts {
  const r = Facts.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.length ? issue.path.join('.') : '(root)';
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problems)` : '';
  throw new InputError(`${label}: ${path}: ${issue.message}${more}`, 'fix the file or regenerate it; the schema is reports/schema/facts.schema.json');
}
