// Reading parsed JSON whose shape a schema has already checked, without trusting it blindly.

/** The value as a plain object, or undefined for anything else (arrays and null included). */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The entries of a plain object; none for anything else. */
export function entries(value: unknown): Array<[string, unknown]> {
  const object = asObject(value);
  return object === undefined ? [] : Object.entries(object);
}
