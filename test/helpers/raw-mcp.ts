// An agent that speaks Streamable HTTP by hand, for tests that must send exactly the bytes they
// choose (hostile texts, duplicate keys, odd line breaks) and see exactly what comes back.
import http from 'node:http';
import { INITIALIZE_REQUEST } from './airlock-harness';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Sends one HTTP request; with `timeoutMs`, a response that has not ended by then counts as status 0. */
export function rawRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
  } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: options.method ?? 'POST', headers: options.headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          });
        });
        response.on('error', () => {});
      },
    );
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            request.destroy();
            resolve({ status: 0, headers: {}, body: '' });
          }, options.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      if (!request.destroyed || options.timeoutMs === undefined) reject(error);
    });
    request.end(options.body);
  });
}

/** The JSON-RPC messages in a response: a JSON body, or the data of each SSE event. */
export function messagesOf(response: RawResponse): Record<string, unknown>[] {
  if (response.body.trim() === '') return [];
  if (!String(response.headers['content-type'] ?? '').startsWith('text/event-stream')) {
    return [JSON.parse(response.body) as Record<string, unknown>];
  }
  return response.body
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);
}

/** One MCP session opened by hand: initialize, then any text posted under its session id. */
export class RawMcpSession {
  private constructor(
    readonly url: string,
    private readonly token: string,
    readonly id: string,
  ) {}

  static async open(
    url: string,
    token: string,
    initialize = INITIALIZE_REQUEST,
  ): Promise<RawMcpSession> {
    const headers = mcpHeaders(token);
    const response = await rawRequest(url, { headers, body: initialize });
    const id = response.headers['mcp-session-id'];
    if (response.status !== 200 || typeof id !== 'string') {
      throw new Error(`initialize → HTTP ${response.status}: ${response.body}`);
    }
    const session = new RawMcpSession(url, token, id);
    await session.post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    return session;
  }

  post(
    body: string | Buffer,
    options: { headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<RawResponse> {
    return rawRequest(this.url, {
      headers: { ...mcpHeaders(this.token), 'mcp-session-id': this.id, ...options.headers },
      body,
      timeoutMs: options.timeoutMs,
    });
  }

  /** Sends one request and returns its answer (the last message of the response). */
  async request(
    method: string,
    params: Record<string, unknown> = {},
    id: string | number = `r-${++requests}`,
  ) {
    const response = await this.post(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return messagesOf(response).at(-1) as {
      result?: Record<string, unknown>;
      error?: { code: number; message: string };
    };
  }

  close(): Promise<RawResponse> {
    return rawRequest(this.url, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${this.token}`, 'mcp-session-id': this.id },
    });
  }
}

let requests = 0;

export function mcpHeaders(token: string): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
}
