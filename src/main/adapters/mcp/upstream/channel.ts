// What a proxy session needs from its connection to the real server, whatever the transport.
import { randomBytes } from 'node:crypto';
import { serializeMessage, type JsonRpcMessage, type RequestId } from '../json-rpc';

export interface ChannelListener {
  /**
   * A message from the server, parsed and within the size and depth bounds. `relatedTo` is set when
   * the transport itself ties the message to a client request (a Streamable HTTP response stream);
   * stdio and legacy SSE cannot tell.
   */
  message(message: JsonRpcMessage, relatedTo?: RequestId): void;
  /**
   * The server answered request `relatedTo` with a message Airlock will not relay (too large,
   * nested too deep): that request fails with `reason`. (One whose request cannot be told is only
   * logged; the request then times out.)
   */
  refused(reason: string, relatedTo: RequestId): void;
  /** The server went away (crash, disconnect, hang): every request still open has no answer coming. */
  lost(reason: string): void;
}

export interface SendContext {
  /** The MCP-Protocol-Version header the client sent, passed on to HTTP upstreams. */
  protocolVersion?: string;
}

export interface UpstreamChannel {
  /**
   * Sends one message, serialised by the channel from `message` (never a client's bytes, so no text a
   * client sends can become two messages). An answer comes back through the listener, as does any
   * failure: send never throws, even for a failure known at once, because its callers include
   * timers (a timed-out request's cancellation), where a throw would end Airlock.
   */
  send(message: JsonRpcMessage, context: SendContext): void;
  /** The client opened a stream for server-initiated messages; HTTP upstreams open theirs. */
  openServerStream(): void;
  /** The client's stream closed; HTTP upstreams close theirs. */
  closeServerStream(): void;
  /** The client no longer waits for this request; drop whatever is still in flight for it. */
  abandon(id: RequestId): void;
  /** A request got no answer in time; the channel may check whether its server is stuck. */
  requestTimedOut(): void;
  close(): Promise<void>;
}

export type ChannelFactory = (listener: ChannelListener) => UpstreamChannel;

/**
 * Remembers the client's initialize handshake so a channel that reconnects (a restarted stdio
 * process, a dropped SSE stream, an HTTP server that forgot its session) can replay it under an
 * id of Airlock's own, and the server is ready again before the client's next message.
 */
export class HandshakeRecorder {
  private initialize?: JsonRpcMessage;
  private initialized?: JsonRpcMessage;

  record(message: JsonRpcMessage): void {
    if (!('method' in message)) return;
    if (message.method === 'initialize' && 'id' in message) this.initialize = message;
    else if (message.method === 'notifications/initialized') this.initialized = message;
  }

  get ready(): boolean {
    return this.initialize !== undefined;
  }

  /** The initialize request under a fresh internal id, serialised, and the id to wait for. */
  replayRequest(): { id: string; raw: string } | undefined {
    if (!this.initialize) return undefined;
    const id = internalRequestId('init');
    return { id, raw: serializeMessage({ ...this.initialize, id } as JsonRpcMessage) };
  }

  replayNotification(): string | undefined {
    return this.initialized && serializeMessage(this.initialized);
  }
}

/**
 * A request id for a message Airlock itself sends upstream (handshake replay, ping, tool
 * listing). The per-process random part keeps it from ever equalling an id a client chose.
 */
export function internalRequestId(kind: string): string {
  return `airlock-${PROCESS_NONCE}-${kind}-${++internalIds}`;
}

const PROCESS_NONCE = randomBytes(6).toString('hex');
let internalIds = 0;
