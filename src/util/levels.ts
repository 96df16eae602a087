/**
 * Severities and statuses as plain lists, without zod: the contract builds its schemas from them, and the fail-on
 * policy and option parsing read them without loading a schema library (a fast start for every command).
 */
/** Most severe first: used for sorting and --fail-on thresholds. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const STATUSES = ['fail', 'mitigated', 'pass', 'indeterminate', 'not_applicable', 'error'] as const;
