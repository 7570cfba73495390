// An upstream MCP server on the legacy HTTP+SSE transport (protocol 2024-11-05): one event stream
// per session carries every server message, and client messages are POSTed to the endpoint the
// stream announces, which must be on the configured URL's origin. A dropped stream is reopened
// with backoff and the handshake replayed.
import http, { type ClientRequest } from 'node:http';
import https from 'node:https';
import type { SseServerConfig } from '../../../core/config/types';
import type { Logger } from '../../../core/ports';
import { ErrorCode, errorResponse, serializeMessage, type JsonRpcMessage } from '../json-rpc';
import { HandshakeRecorder, type ChannelListener, type UpstreamChannel } from './channel';
import { RestartBackoff, type BackoffOptions } from './restart-backoff';
import { readEvents } from './event-reader';
import { logExcerpt, readUpstreamText, tooLargeReason } from './upstream-message';

export interface SseChannelOptions {
  server: SseServerConfig;
  logger: Logger;
  agent: http.Agent;
  backoff?: BackoffOptions;
  /** One event larger than this drops the stream (it cannot be skipped unread) and reconnects. */
  maxMessageBytes?: number;
}

/**
 * `failed`: the server did something Airlock will not follow (an endpoint on another origin), or
 * Node refused to make its requests; reconnecting would end the same way, so the channel stops
 * for good and refuses every message with the reason.
 */
type State = 'connecting' | 'replaying' | 'open' | 'reconnecting' | 'failed' | 'closed';

const QUEUE_LIMIT = 1000;
const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** How much of a refused endpoint the error and the log show. */
const SHOWN_ENDPOINT_CHARS = 200;

export class SseChannel implements UpstreamChannel {
  private state: State = 'connecting';
  private stream?: ClientRequest;
  private endpoint?: URL;
  private readonly handshake = new HandshakeRecorder();
  private readonly queue: JsonRpcMessage[] = [];
  private replayId?: string;
  private readonly backoff: RestartBackoff;
  private retryTimer?: NodeJS.Timeout;
  private lastProblem = '';

  constructor(
    private readonly options: SseChannelOptions,
    private readonly listener: ChannelListener,
  ) {
    this.backoff = new RestartBackoff(options.backoff);
    this.connect();
  }

  private get id(): string {
    return this.options.server.id;
  }

  private requester(url: URL): typeof http.request {
    return url.protocol === 'https:' ? https.request : http.request;
  }

  private connect(): void {
    const url = new URL(this.options.server.url);
    this.state = 'connecting';
    this.endpoint = undefined;
    let request: ClientRequest;
    try {
      request = this.requester(url)(url, {
        method: 'GET',
        agent: this.options.agent,
        headers: { ...this.options.server.headers, accept: 'text/event-stream' },
      });
    } catch (error) {
      // Node refuses some requests before sending them (a header value it cannot send); this
      // runs in a timer when reconnecting, where a throw would end Airlock.
      return this.fail(`could not be asked for its event stream (${problemOf(error)})`);
    }
    this.stream = request;
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return this.dropped(`answered HTTP ${response.statusCode} to its event stream`, request);
      }
      this.backoff.up();
      const limit = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
      readEvents(response, {
        maxEventBytes: limit,
        logger: this.options.logger,
        serverId: this.id,
        onEvent: (event) => {
          // A stream this channel has left (dropped, failed, closed) no longer speaks for it.
          if (this.stream !== request) return;
          if (event.event === 'endpoint') return this.onEndpoint(event.data, url);
          if (event.event !== undefined && event.event !== 'message') return;
          this.onMessage(event.data);
        },
        onTooLarge: (bytes) => this.dropped(tooLargeReason(bytes, limit), request),
      });
      response.on('close', () => this.dropped('closed its event stream', request));
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      this.dropped(`could not be reached (${error.code ?? error.message})`, request),
    );
    request.end();
  }

  private onEndpoint(data: string, streamUrl: URL): void {
    let endpoint: URL;
    try {
      endpoint = new URL(data, streamUrl);
    } catch {
      return this.fail(
        `announced an endpoint that is not a URL (${JSON.stringify(logExcerpt(data, SHOWN_ENDPOINT_CHARS))})`,
      );
    }
    // Every message, and the configured headers with their credentials, go to the endpoint: one
    // on another origin would hand both to whatever the stream names (any host, port or scheme).
    // The SDK's SSEClientTransport makes the same check.
    if (endpoint.protocol !== streamUrl.protocol || endpoint.host !== streamUrl.host) {
      return this.fail(
        `announced an endpoint on another origin (${shownEndpoint(endpoint)}), which Airlock does not follow: it sends this server's messages only to ${streamUrl.origin}`,
      );
    }
    if (this.endpoint) {
      // One endpoint per stream, the first. A server announces it once, when the stream opens;
      // following a later one would move a session mid-way and replay its handshake there, and
      // is what a hostile server would use to redirect traffic after it passed the first look.
      if (endpoint.href !== this.endpoint.href) {
        this.options.logger.warn(
          `upstream ${this.id} announced a second endpoint (${shownEndpoint(endpoint)}); Airlock keeps sending to the first`,
        );
      }
      return;
    }
    this.endpoint = endpoint;
    const replay = this.handshake.replayRequest();
    if (replay) {
      this.state = 'replaying';
      this.replayId = replay.id;
      this.postText(replay.raw);
      return;
    }
    this.ready();
  }

  private ready(): void {
    this.state = 'open';
    for (const message of this.queue.splice(0)) this.deliver(message);
  }

  private onMessage(data: string): void {
    const read = readUpstreamText(data);
    if (read.kind === 'not-json-rpc') {
      this.options.logger.warn(`upstream ${this.id} sent an event that is not JSON-RPC`, {
        data: logExcerpt(data),
      });
      return;
    }
    if (read.kind === 'too-deep') {
      this.options.logger.warn(`upstream ${this.id} ${read.reason}`);
      if (!read.isRequest && read.id !== undefined) {
        this.listener.refused(`Upstream server "${this.id}" ${read.reason}.`, read.id);
      }
      return;
    }
    const message = read.message;
    if (this.state === 'replaying' && 'id' in message && message.id === this.replayId) {
      this.replayId = undefined;
      const initialized = this.handshake.replayNotification();
      if (initialized) this.postText(initialized);
      if (this.state === 'replaying') this.ready();
      return;
    }
    this.listener.message(message);
  }

  /** Never throws: a message that cannot go is refused through the listener. */
  send(message: JsonRpcMessage): void {
    this.handshake.record(message);
    this.deliver(message);
  }

  private deliver(message: JsonRpcMessage): void {
    if (this.state === 'open') return this.post(message);
    if (this.state === 'connecting' || this.state === 'replaying') {
      if (this.queue.length < QUEUE_LIMIT) this.queue.push(message);
      else this.refuse(message, 'has too many messages waiting while it connects');
      return;
    }
    this.refuse(
      message,
      this.state === 'closed'
        ? 'is closed'
        : this.state === 'failed'
          ? this.lastProblem
          : `is reconnecting after it ${this.lastProblem}`,
    );
  }

  private post(message: JsonRpcMessage): void {
    this.postText(serializeMessage(message), message);
  }

  /** `text` is serialised by Airlock; `message`, when given, is told if it could not be delivered. */
  private postText(text: string, message?: JsonRpcMessage): void {
    const endpoint = this.endpoint;
    if (!endpoint) {
      if (message) this.refuse(message, 'has not announced where to send messages');
      return;
    }
    let request: ClientRequest;
    try {
      request = this.requester(endpoint)(endpoint, {
        method: 'POST',
        agent: this.options.agent,
        headers: {
          ...this.options.server.headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(text)),
        },
      });
    } catch (error) {
      // Node refuses some requests before sending them. The caller may be a timer (a timed-out
      // request's cancellation), where a throw would end Airlock; and every later message would
      // be refused the same way, so the channel stops.
      const why = `could not be sent a message (${problemOf(error)})`;
      if (message) this.refuse(message, why);
      this.fail(why);
      return;
    }
    request.on('response', (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      if (status >= 300 && message) this.refuse(message, `answered HTTP ${status} to a message`);
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (message) this.refuse(message, `could not be reached (${error.code ?? error.message})`);
    });
    request.end(text);
  }

  private refuse(message: JsonRpcMessage, why: string): void {
    const text = `Upstream server "${this.id}" ${why}.`;
    if (!('id' in message) || !('method' in message)) {
      this.options.logger.warn(text);
      return;
    }
    this.listener.message(
      errorResponse(message.id, ErrorCode.UpstreamUnavailable, text),
      message.id,
    );
  }

  private dropped(why: string, request: ClientRequest): void {
    if (this.stream !== request || this.state === 'closed' || this.state === 'reconnecting') return;
    this.stream = undefined;
    this.lastProblem = why;
    const delay = this.backoff.failed();
    this.state = 'reconnecting';
    for (const message of this.queue.splice(0)) this.refuse(message, why);
    this.options.logger.warn(`upstream ${this.id} ${why}; reconnecting in ${delay} ms`);
    this.listener.lost(`Upstream server "${this.id}" ${why}.`);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Stops the channel for good: see State. */
  private fail(why: string): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.state = 'failed';
    this.lastProblem = why;
    this.endpoint = undefined;
    this.replayId = undefined;
    clearTimeout(this.retryTimer);
    const stream = this.stream;
    this.stream = undefined;
    stream?.destroy();
    for (const message of this.queue.splice(0)) this.refuse(message, why);
    this.options.logger.error(`upstream ${this.id} ${why}; this session's channel is stopped`);
    this.listener.lost(`Upstream server "${this.id}" ${why}.`);
  }

  openServerStream(): void {
    // Every server message already arrives on the one event stream.
  }

  closeServerStream(): void {}

  abandon(): void {}

  requestTimedOut(): void {}

  async close(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    this.stream?.destroy();
    this.stream = undefined;
  }
}

/** An endpoint as the error and the log show it: without credentials or query, and bounded. */
function shownEndpoint(endpoint: URL): string {
  const shown = new URL(endpoint.href);
  shown.username = '';
  shown.password = '';
  shown.search = '';
  shown.hash = '';
  return logExcerpt(shown.href, SHOWN_ENDPOINT_CHARS);
}

function problemOf(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? message;
}
