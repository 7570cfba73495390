// The answer to one client POST that carried a request. The reply picks its shape lazily: a plain
// JSON body when the response is the first thing the server sends (cheapest for clients), or an
// SSE stream when progress, server requests or other related messages arrive first.
import type { ServerResponse } from 'node:http';
import { sseEvent, startEventStream } from '../http/sse';

/** One message as a Server-Sent Event. `text` is serializeMessage's, so it is one line. */
export function messageEvent(text: string): string {
  return sseEvent('message', text);
}

/** Where the messages for one client request go. Each text is a message serialised by Airlock. */
export interface ReplySink {
  /** A message related to the request that is not its response (progress, sampling, logging). */
  related(text: string): boolean;
  /** The request's response; ends the reply. */
  final(text: string): void;
  readonly closed: boolean;
  /** Calls `listener` if the client goes away before the final message was sent. */
  onClose?(listener: () => void): void;
}

export class DownstreamReply implements ReplySink {
  private streaming = false;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
    /** False when the client's Accept header does not allow text/event-stream. */
    private readonly canStream: boolean,
  ) {}

  get closed(): boolean {
    return this.done || this.res.destroyed;
  }

  onClose(listener: () => void): void {
    this.res.on('close', () => {
      if (!this.done) listener();
    });
  }

  /** Returns false when this reply cannot carry the message, so the caller routes it elsewhere. */
  related(text: string): boolean {
    if (this.closed || !this.canStream) return false;
    if (!this.streaming) {
      this.streaming = true;
      startEventStream(this.res, this.headers);
    }
    this.res.write(messageEvent(text));
    return true;
  }

  final(text: string): void {
    if (this.closed) return;
    this.done = true;
    if (this.streaming) {
      this.res.end(messageEvent(text));
      return;
    }
    this.res.writeHead(200, { ...this.headers, 'content-type': 'application/json' });
    this.res.end(text);
  }
}
