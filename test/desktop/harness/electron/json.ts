// Makes what the app passed to Electron JSON-safe for the state snapshot, describing what JSON
// cannot hold (functions, images, windows) instead of dropping it.
import type { Json } from '../control-protocol';

/** Objects that describe themselves in a snapshot (images, windows, menus). */
export const DESCRIBE = Symbol('describe');

export function toJson(value: unknown, depth = 0): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return '[function]';
  if (typeof value === 'symbol') return String(value);
  if (depth > 8) return '[too deep]';
  const describe = (value as { [DESCRIBE]?: () => Json })[DESCRIBE];
  if (typeof describe === 'function') return describe.call(value);
  if (Array.isArray(value)) return value.map((item) => toJson(item, depth + 1));
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, Json> = {};
  for (const [key, item] of Object.entries(value as object)) {
    if (item !== undefined) out[key] = toJson(item, depth + 1);
  }
  return out;
}
