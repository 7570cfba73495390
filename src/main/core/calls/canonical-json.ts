// Canonical JSON: object keys sorted at every depth, so two argument objects that mean the same
// thing have the same text (and hash), whatever order the client wrote them in.
import { createHmac, hash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** sha256 (hex) of the canonical JSON of `value`. One-shot: no Hash object per call. */
export function canonicalHash(value: unknown): string {
  return hash('sha256', canonicalJson(value), 'hex');
}

/**
 * HMAC-SHA256 (hex) of the canonical JSON of `value` under `key`: what the history keeps of a
 * call's real arguments. Without the key, which stays in secrets.json, a short secret among the
 * arguments (a PIN) cannot be found by hashing every candidate, as it can from canonicalHash.
 */
export function keyedCanonicalHash(key: Uint8Array, value: unknown): string {
  return createHmac('sha256', key).update(canonicalJson(value)).digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  }
  return sorted;
}
