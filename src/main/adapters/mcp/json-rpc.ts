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
  const hasId = typeof message.id === 'string' || typeof message.id === 'number';
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

/** JSON text as one line, so it can be an SSE data field. JSON strings cannot hold raw newlines. */
export function singleLine(raw: string): string {
  return raw.includes('\n') || raw.includes('\r') ? raw.replace(/[\r\n]+/g, ' ') : raw;
}
