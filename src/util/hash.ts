/** SHA-256 as lower-case hex: fact digests, finding fingerprints, evidence manifests, shard placement. */
import { hash } from 'node:crypto';

/** crypto.hash: one call, no Hash object (a scan hashes a fingerprint per finding, thousands a second). */
export const sha256 = (data: string | Buffer): string => hash('sha256', data, 'hex');
