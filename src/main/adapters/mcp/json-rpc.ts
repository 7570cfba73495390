// JSON-RPC 2.0 message shapes as they cross the proxy, and the few constructors the proxy needs.
// Messages are inspected, not validated against MCP's schemas: anything the proxy does not decide
// passes through untouched, including protocol features it does not know.

export type RequestId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: RequestId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: RequestId | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** The SDK's code for a request that got no answer in time. */
  RequestTimeout: -32001,
  /** Airlock's code for an upstream server that is down, crashed or answered with garbage. */
  UpstreamUnavailable: -32002,
} as const;

export type MessageKind = 'request' | 'notification' | 'response';

/** Classifies a parsed value, or returns undefined when it is not a JSON-RPC 2.0 message. */
export function messageKind(value: unknown): MessageKind | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== '2.0') return undefined;
  // A number JSON-RPC cannot round-trip (1e999 parses as Infinity, serialised as null) is no id.
  const hasId =
    typeof message.id === 'string' ||
    (typeof message.id === 'number' && Number.isFinite(message.id));
  if (typeof message.method === 'string') {
    if (
      message.params !== undefined &&
      (typeof message.params !== 'object' || message.params === null)
    ) {
      return undefined;
    }
    if (hasId) return 'request';
    return message.id === undefined ? 'notification' : undefined;
  }
  // A method that is not a string makes the message neither a request nor a response.
  if ('method' in message) return undefined;
  if ((hasId || message.id === null) && ('result' in message || 'error' in message))
    return 'response';
  return undefined;
}

export function errorResponse(
  id: RequestId | null,
  code: number,
  message: string,
  data?: unknown,
): JsonRpcResponse {
  const error: JsonRpcResponse['error'] = { code, message };
  if (data !== undefined) error.data = data;
  return { jsonrpc: '2.0', id, error };
}

export function resultResponse(id: RequestId, result: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result };
}

/** A progress token the client attached to a request, if any. */
export function progressTokenOf(request: JsonRpcRequest): string | number | undefined {
  const meta = request.params?._meta as Record<string, unknown> | undefined;
  const token = meta?.progressToken;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

/**
 * The one way a message leaves Airlock, to an upstream server or to a client: serialised from the
 * parsed value, never the bytes it arrived as. JSON.stringify never writes a raw line break, so the
 * text is one line for stdio and SSE framing; U+2028, U+2029 and U+0085, which some line readers
 * also split on, are written as escapes (the same JSON either way).
 */
export function serializeMessage(message: JsonRpcMessage): string {
  const text = JSON.stringify(message);
  return LINE_SEPARATORS.test(text) ? text.replace(LINE_SEPARATORS_ALL, escapeSeparator) : text;
}

const LINE_SEPARATORS = /[\u0085\u2028\u2029]/;
const LINE_SEPARATORS_ALL = /[\u0085\u2028\u2029]/g;

function escapeSeparator(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Methods whose messages Airlock decides or acts on; everything else passes through. */
const DECIDED_METHODS = [
  'initialize',
  'tools/call',
  'tools/list',
  'notifications/cancelled',
  'notifications/initialized',
];

/** Requests Airlock decides or rewrites: as notifications (no id) they are refused, not passed on. */
const DECIDED_REQUEST_METHODS = ['initialize', 'tools/call', 'tools/list'];

export function isDecidedRequestMethod(method: string): boolean {
  return DECIDED_REQUEST_METHODS.includes(method);
}

/**
 * The decided method that `method` imitates (`"tools/call "`, `"Tools/Call"`, a full-width or
 * zero-width variant), or undefined. Such a method is not decided like the real one, and a lenient
 * server might still route it there, so Airlock refuses it rather than pass it through.
 */
export function imitatedMethod(method: string): string | undefined {
  if (DECIDED_METHODS.includes(method)) return undefined;
  const folded = method
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}\p{Z}\s]/gu, '')
    .toLowerCase()
    .replace(CONFUSABLE, (char) => LATIN_FORMS.charAt(LOOKALIKES.indexOf(char)));
  return DECIDED_METHODS.find((decided) => decided === folded);
}

/** Cyrillic and Greek letters drawn like Latin ones, each above the Latin letter it imitates. */
const LOOKALIKES = 'асеіјорѕтхуӏαειкνορτυχ';
const LATIN_FORMS = 'aceijopstxylaeikvoptux';
const CONFUSABLE = new RegExp(`[${LOOKALIKES}]`, 'gu');
