// JSON from agents and upstream servers, parsed with a bound on nesting. V8's JSON.parse copes
// with any depth, but JSON.stringify and every recursive walk over the value (canonical hashing,
// redaction, schema validation) overflow the stack on a few thousand levels, so a value deeper
// than MAX_JSON_DEPTH is refused where it enters, before anything walks it.

/** Objects and arrays nested deeper than this are refused. Real MCP messages stay far below. */
export const MAX_JSON_DEPTH = 128;

export type ParsedJson =
  | { ok: true; value: unknown }
  | { ok: false; problem: 'syntax'; message: string }
  /** `value` is there to read the top level (a message's id), never to walk. */
  | { ok: false; problem: 'depth'; message: string; value: unknown };

/** Parses `text`, refusing values nested deeper than `maxDepth`. */
export function parseBoundedJson(text: string, maxDepth = MAX_JSON_DEPTH): ParsedJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: 'syntax', message: (error as Error).message };
  }
  if (depthExceeds(value, maxDepth)) {
    return { ok: false, problem: 'depth', message: tooDeepMessage(maxDepth), value };
  }
  return { ok: true, value };
}

function tooDeepMessage(maxDepth = MAX_JSON_DEPTH): string {
  return `JSON nested deeper than ${maxDepth} levels`;
}

/**
 * True when objects and arrays in `value` nest deeper than `maxDepth` (a scalar is depth 0,
 * `{}` and `[]` depth 1). Walks with its own stack, so no input can overflow it; stops at the
 * first container past the limit.
 */
export function depthExceeds(value: unknown, maxDepth = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const current = stack.pop() as object;
    const depth = depths.pop() as number;
    if (depth > maxDepth) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        stack.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/**
 * The offset of the first bracket that opens a level deeper than `maxDepth` in JSON text, or -1.
 * For parsers that recurse per level (jsonc-parser, which locates problems in Airlock's own files):
 * scanned before they run, so a deep document cannot overflow them.
 */
export function tooDeepOffset(text: string, maxDepth = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === BACKSLASH) i++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) inString = true;
    else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (++depth > maxDepth) return i;
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) depth--;
  }
  return -1;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Thrown by walkers given a value that did not come through parseBoundedJson. */
export class TooDeepError extends Error {
  constructor(maxDepth = MAX_JSON_DEPTH) {
    super(tooDeepMessage(maxDepth));
    this.name = 'TooDeepError';
  }
}
