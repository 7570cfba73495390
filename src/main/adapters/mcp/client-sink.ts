// Where a proxy session's messages for its client go, whatever carries them (an HTTP response, an
// SSE stream): the session speaks to these two interfaces and never to a transport.
import type { JsonRpcResponse } from './json-rpc';

/** Where the messages for one client request go. Each text is a message serialised by Airlock. */
export interface ReplySink {
  /** A message related to the request that is not its response (progress, sampling, logging). */
  related(text: string): boolean;
  /** The request's response, serialised as `text`; ends the reply. */
  final(text: string, response: JsonRpcResponse): void;
  readonly closed: boolean;
  /** Calls `listener` if the client goes away before the final message was sent. */
  onClose?(listener: () => void): void;
}

/** The client's own stream for messages the server sends unasked (Streamable HTTP's GET stream). */
export interface ClientStream {
  /** Starts the stream; called once, when the session takes it. */
  open(): void;
  /** One message, serialised by Airlock. */
  send(text: string): void;
  readonly closed: boolean;
  onClose(listener: () => void): void;
  end(): void;
}
