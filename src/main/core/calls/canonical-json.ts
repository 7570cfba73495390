// Canonical JSON: object keys sorted at every depth, so two argument objects that mean the same
// thing have the same text (and hash), whatever order the client wrote them in.
import { createHash, createHmac } from 'node:crypto';
import { depthExceeds, MAX_JSON_DEPTH, TooDeepError } from '../bounded-json';

/** Throws TooDeepError for a value nested deeper than MAX_JSON_DEPTH instead of overflowing. */
export function canonicalJson(value: unknown): string {
  // Checked first, so the recursive copy and JSON.stringify below stay within MAX_JSON_DEPTH.
  if (depthExceeds(value, MAX_JSON_DEPTH)) throw new TooDeepError();
  return JSON.stringify(sortKeys(value));
}

/**
 * HMAC-SHA256 (hex) of the canonical JSON of `value` under `key`: what the history keeps of a
 * call's real arguments. Without the key, which stays in secrets.json, a short secret among the
 * arguments (a PIN) cannot be found by hashing every candidate, as it could from a plain sha256.
 */
export function keyedCanonicalHash(key: Uint8Array, value: unknown): string {
  return createHmac('sha256', key).update(canonicalJson(value)).digest('hex');
}

/** SHA-256 (hex) of the canonical JSON of `value`: a fingerprint of a document, not of a secret. */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** `value` with its object keys sorted at every depth (for showing it the way it is hashed). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  // No prototype, so a "__proto__" key is kept as data instead of setting the prototype.
  const sorted = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value).sort()) {
    sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  }
  return sorted;
}
