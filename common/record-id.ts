// Deterministic record ids: the same origin always gives the same id, so a record shipped twice
// is recognisably the same record and Elasticsearch's create-by-id makes the retry a no-op.
import { hash } from 'node:crypto';

/** 27 base64url characters of SHA-256 over the origin's parts (160 bits: collisions are not a concern). */
export function recordId(...origin: Array<string | number>): string {
  return recordIdOf(origin.join(SEPARATOR));
}

export const SEPARATOR = '\u001f';

/**
 * The id of origin parts already joined by SEPARATOR: a caller that ids many records of one origin
 * prefix (the log lines of one file) joins the prefix once.
 */
export function recordIdOf(joined: string): string {
  // The one-shot hash: half the cost of a Hash object per record on the log path.
  return hash('sha256', joined, 'base64url').slice(0, 27);
}
