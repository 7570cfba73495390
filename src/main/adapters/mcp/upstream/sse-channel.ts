// An upstream MCP server on the legacy HTTP+SSE transport (protocol 2024-11-05): one event stream
// per session carries every server message, and client messages are POSTed to the endpoint the
// stream announces. A dropped stream is reopened with backoff and the handshake replayed.
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

type State = 'connecting' | 'replaying' | 'open' | 'reconnecting' | 'closed';

const QUEUE_LIMIT = 1000;
const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

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
    const request = this.requester(url)(url, {
      method: 'GET',
      agent: this.options.agent,
      headers: { ...this.options.server.headers, accept: 'text/event-stream' },
    });
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
          if (event.event === 'endpoint') return this.onEndpoint(new URL(event.data, url));
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

  private onEndpoint(endpoint: URL): void {
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
    for (const message of this.queue.splice(0)) this.post(message);
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
      this.ready();
      return;
    }
    this.listener.message(message);
  }

  send(message: JsonRpcMessage): void {
    this.handshake.record(message);
    if (this.state === 'open') return this.post(message);
    if (this.state === 'connecting' || this.state === 'replaying') {
      if (this.queue.length < QUEUE_LIMIT) this.queue.push(message);
      else this.refuse(message, 'has too many messages waiting while it connects');
      return;
    }
    this.refuse(
      message,
      this.state === 'closed' ? 'is closed' : `is reconnecting after it ${this.lastProblem}`,
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
    const request = this.requester(endpoint)(endpoint, {
      method: 'POST',
      agent: this.options.agent,
      headers: {
        ...this.options.server.headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(text)),
      },
    });
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

  openServerStream(): void {
    // Every server message already arrives on the one event stream.
  }

  abandon(): void {}

  requestTimedOut(): void {}

  async close(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    this.stream?.destroy();
    this.stream = undefined;
  }
}
