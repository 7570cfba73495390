// The client sinks over HTTP. A reply answers one client POST that carried a request and picks its
// shape lazily: a plain JSON body when the response is the first thing the server sends (cheapest
// for clients), or an SSE stream when progress, server requests or other related messages arrive
// first. A server stream is the client's GET stream for messages the server sends unasked.
import type { ServerResponse } from 'node:http';
import { sseEvent, startEventStream } from '../http/sse';
import type { ClientStream, ReplySink } from './client-sink';

/** One message as a Server-Sent Event. `text` is serializeMessage's, so it is one line. */
function messageEvent(text: string): string {
  return sseEvent('message', text);
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

export class ServerStream implements ClientStream {
  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
  ) {}

  open(): void {
    startEventStream(this.res, this.headers);
    // The client learns at once that its stream is open, before the server has anything to say.
    this.res.flushHeaders();
  }

  send(text: string): void {
    this.res.write(messageEvent(text));
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  onClose(listener: () => void): void {
    this.res.on('close', listener);
  }

  end(): void {
    this.res.end();
  }
}
