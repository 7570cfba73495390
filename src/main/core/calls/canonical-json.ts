// Canonical JSON: object keys sorted at every depth, so two argument objects that mean the same
// thing have the same text (and hash), whatever order the client wrote them in.
import { hash } from 'node:crypto';
import { depthExceeds, MAX_JSON_DEPTH, TooDeepError } from '../bounded-json';

/** Throws TooDeepError for a value nested deeper than MAX_JSON_DEPTH instead of overflowing. */
export function canonicalJson(value: unknown): string {
  // Checked first, so the recursive copy and JSON.stringify below stay within MAX_JSON_DEPTH.
  if (depthExceeds(value, MAX_JSON_DEPTH)) throw new TooDeepError();
  return JSON.stringify(sortKeys(value));
}

/** sha256 (hex) of the canonical JSON of `value`. One-shot: no Hash object per call. */
export function canonicalHash(value: unknown): string {
  return hash('sha256', canonicalJson(value), 'hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  // No prototype, so a "__proto__" key is kept as data instead of setting the prototype.
  const sorted = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value).sort()) {
    sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  }
  return sorted;
}
