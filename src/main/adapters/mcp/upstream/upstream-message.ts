// What every upstream channel does with the text of one message from its server: parse it within
// the depth bound, and for one it will not relay (too deep, too large) find which request it
// answered, so that request fails with a clear error while the rest of the session carries on.
import { MAX_JSON_DEPTH, parseBoundedJson } from '../../../core/bounded-json';
import { messageKind, type JsonRpcMessage, type RequestId } from '../json-rpc';

export type UpstreamText =
  | { kind: 'message'; message: JsonRpcMessage }
  /** Valid JSON-RPC nested too deep to relay; `id` is its top-level id, if it has one. */
  | { kind: 'too-deep'; reason: string; id?: RequestId; isRequest: boolean }
  | { kind: 'not-json-rpc' };

export function readUpstreamText(text: string): UpstreamText {
  const parsed = parseBoundedJson(text);
  if (parsed.ok) {
    return messageKind(parsed.value)
      ? { kind: 'message', message: parsed.value as JsonRpcMessage }
      : { kind: 'not-json-rpc' };
  }
  if (parsed.problem === 'syntax' || !messageKind(parsed.value)) return { kind: 'not-json-rpc' };
  const top = parsed.value as { id?: unknown; method?: unknown };
  return {
    kind: 'too-deep',
    reason: `sent a message nested deeper than ${MAX_JSON_DEPTH} levels, which Airlock does not relay`,
    ...(typeof top.id === 'string' || typeof top.id === 'number' ? { id: top.id } : {}),
    isRequest: typeof top.method === 'string',
  };
}

export function tooLargeReason(bytes: number, maxBytes: number): string {
  return `sent a message of ${formatMiB(bytes)} or more, over the ${formatMiB(maxBytes)} limit (settings.maxMessageBytes), which Airlock does not relay`;
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 1 : 0)} MB`;
}

const ID = String.raw`(-?\d{1,16}|"(?:[^"\\]|\\.){0,200}")`;
/** `{"jsonrpc":"2.0","id":7,...`, as Python and Go SDKs write a response. */
const LEADING_ID = new RegExp(String.raw`^\s*\{\s*"jsonrpc"\s*:\s*"2\.0"\s*,\s*"id"\s*:\s*${ID}`);
/** `...,"jsonrpc":"2.0","id":7}`, as the TypeScript SDK writes one: the id closes the message. */
const TRAILING_ID = new RegExp(String.raw`"id"\s*:\s*${ID}\s*\}\s*$`);

/**
 * The id of a response too large to be read whole, from its first and last bytes. A server that
 * lies here can only make its own answer fail: the id names a request of the same session.
 */
export function recoverResponseId(head: string, tail: string): RequestId | undefined {
  const match = LEADING_ID.exec(head) ?? TRAILING_ID.exec(tail);
  if (!match) return undefined;
  try {
    const id: unknown = JSON.parse(match[1]!);
    return typeof id === 'string' || typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * At most `maxChars` of an upstream's text for the log, cut where no secret can be (at a space,
 * quote or bracket), so no part of a key is left behind for the log's redaction to miss.
 */
export function logExcerpt(text: string, maxChars = 4096): string {
  if (text.length <= maxChars) return text;
  const kept = upToLastDelimiter(text.slice(0, maxChars));
  return `${kept}… (${text.length - kept.length} more characters)`;
}

/**
 * The head of a line that was cut elsewhere (an oversized stderr line) for the log: up to its last
 * space, quote or bracket, since the cut may have fallen inside a key.
 */
export function cutHeadExcerpt(head: string, lineBytes: number): string {
  return `${upToLastDelimiter(head)}… (a line of ${lineBytes} bytes, cut)`;
}

function upToLastDelimiter(window: string): string {
  const cut = Math.max(...[...' \t"\',;{}[]()<>'].map((char) => window.lastIndexOf(char)));
  return cut > 0 ? window.slice(0, cut + 1) : '';
}
