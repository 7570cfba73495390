// `airlock connect`: a stdio MCP server for clients that only speak stdio (Claude Desktop's
// local servers). Every message is relayed to Airlock's HTTP endpoint for one upstream server,
// with the grant's token, so the same policy applies.
import type { Readable, Writable } from 'node:stream';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode } from './json-rpc';

export interface StdioBridgeOptions {
  /** The endpoint, e.g. http://127.0.0.1:7820/mcp/meatspace. */
  url: URL;
  token: string;
  stdin?: Readable;
  stdout?: Writable;
  log?: (line: string) => void;
}

export interface StdioBridge {
  closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * The SDK hands every POST the transport's one long-lived AbortSignal, and fetch drops each
 * request's abort listener only when that request is garbage-collected: a busy bridge piles up
 * thousands (a warning each, and a growing cost). The bridge never aborts a single POST (a
 * client's cancellation travels as a notifications/cancelled message), so POSTs go without it;
 * the GET stream keeps it, so closing still ends that stream.
 */
export const fetchWithoutPostSignal: FetchLike = (url, init) =>
  fetch(url, init?.method === 'POST' ? { ...init, signal: undefined } : init);

const DRAIN_MS = 10_000;

export async function startStdioBridge(options: StdioBridgeOptions): Promise<StdioBridge> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const local = new StdioServerTransport(options.stdin, options.stdout);
  const remote = new StreamableHTTPClientTransport(options.url, {
    requestInit: { headers: { authorization: `Bearer ${options.token}` } },
    fetch: fetchWithoutPostSignal,
  });
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await remote.terminateSession().catch(() => {});
    await remote.close().catch(() => {});
    await local.close().catch(() => {});
    resolveClosed();
  };

  // Requests sent on and not answered yet: when stdin ends (a script piping a few requests),
  // their answers are still written before the bridge exits, for up to DRAIN_MS.
  const unanswered = new Set<string | number>();
  let drained: (() => void) | undefined;
  const answered = (id: unknown) => {
    if ((typeof id === 'string' || typeof id === 'number') && unanswered.delete(id)) {
      if (unanswered.size === 0) drained?.();
    }
  };
  const toClient = (message: JSONRPCMessage) => {
    void local.send(message).then(() => {
      if (!('method' in message) && 'id' in message) answered(message.id);
    });
  };

  local.onmessage = (message: JSONRPCMessage) => {
    if ('method' in message && 'id' in message) unanswered.add(message.id);
    remote.send(message).catch((error: unknown) => {
      // A request that cannot be delivered still gets an answer, so the client does not wait forever.
      if ('method' in message && 'id' in message) {
        const why = undeliveredReason(error, message.method, options.url);
        log(`airlock connect: ${why}`);
        toClient({
          jsonrpc: '2.0',
          id: message.id,
          error: { code: ErrorCode.UpstreamUnavailable, message: why },
        });
      } else {
        // A notification gets no answer; Airlock's refusal (say, of a tools/call with no id) is
        // logged so it is not lost.
        log(`airlock connect: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  };
  remote.onmessage = toClient;
  remote.onerror = (error: Error) => log(`airlock connect: ${error.message}`);
  local.onclose = () => void close();
  // The SDK's stdio server transport does not report the end of stdin itself.
  (options.stdin ?? process.stdin).once('end', () => {
    if (unanswered.size === 0) return void close();
    const timer = setTimeout(() => void close(), DRAIN_MS);
    drained = () => {
      clearTimeout(timer);
      void close();
    };
  });

  await remote.start();
  await local.start();
  return { closed, close };
}

/**
 * What a request Airlock did not take means to the person setting up the client: a wrong token
 * and an unknown server id are answered by a running Airlock, so they must not read as "Airlock
 * is not running". Bodies from whatever answers on that port are cut short, never trusted.
 */
function undeliveredReason(error: unknown, method: string, url: URL): string {
  const at = url.origin;
  if (error instanceof StreamableHTTPError && error.code !== undefined && error.code > 0) {
    if (error.code === 401) {
      return (
        `Airlock at ${at} refused the grant token (HTTP 401): the token is wrong, or its grant was revoked. ` +
        'Create a grant with `airlock grants add NAME` (or on the Clients screen of Airlock’s UI), which ' +
        'prints its token once, and pass the token as AIRLOCK_TOKEN or --token.'
      );
    }
    // A 404 answers an initialize only when the path names no configured server; later in a
    // session it means the session is gone (Airlock restarted, or renamed or removed something).
    if (error.code === 404 && method === 'initialize') {
      const server = decodeURIComponent(url.pathname.split('/').pop() ?? '');
      return (
        `Airlock at ${at} has no server "${server}" (HTTP 404). Its server ids are listed on the ` +
        'Servers screen of Airlock’s UI and under "mcpServers" in config.json in its data folder; ' +
        'pass one of them: `airlock connect SERVER-ID`.'
      );
    }
    if (error.code === 404) {
      return `Airlock at ${at} no longer has this session (HTTP 404): it restarted or closed the session; restart the client to connect again.`;
    }
    const detail = error.message.replace(/^Streamable HTTP error: /, '').slice(0, 300);
    return `Airlock at ${at} refused the request (HTTP ${error.code}): ${detail}`;
  }
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const why = typeof cause === 'string' ? cause : (error as Error | undefined)?.message;
  return `Airlock could not be reached at ${at} (${why}); is \`airlock serve\` running?`;
}
