/** SHA-256 as lower-case hex: fact digests, finding fingerprints, evidence manifests, shard placement. */
import { createHash } from 'node:crypto';

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
