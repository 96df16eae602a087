/**
 * Waivers: accepted risks, matched by fingerprint or by check + target, with an owner and an expiry.
 * (Placeholder until the reports issue builds it: refuses --waivers rather than silently ignoring it.)
 */
import type { ResultDocument } from './result.js';
import { InputError } from '../util/errors.js';

export function applyWaiversFile(_doc: ResultDocument, file: string, _asOf: string): ResultDocument {
  throw new InputError(`--waivers ${file}: waivers are not built yet`);
}
