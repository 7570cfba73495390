// The downstream Streamable HTTP endpoint, /mcp/<server-id>: reads and checks each POST body,
// keeps the sessions (each bound to the grant that opened it) and hands messages to them.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_JSON_DEPTH, parseBoundedJson } from '../../core/bounded-json';
import { systemClock, systemTimers, type Clock, type Logger, type Timers } from '../../core/ports';
import { readBody, sendJson } from '../http/http-io';
import type { ReplySink } from './client-sink';
import { DownstreamReply, ServerStream } from './downstream-reply';
import {
  ErrorCode,
  errorResponse,
  messageKind,
  type JsonRpcMessage,
  type JsonRpcRequest,
} from './json-rpc';
import { ProxySession, type SessionOptions } from './proxy-session';
import { repeatEvery } from '../../core/repeat-every';
import type { ChannelFactory } from './upstream/channel';

export interface McpEndpointOptions {
  /** Opens a connection to the named upstream server, or undefined when there is no such server. */
  channelFactory(serverId: string): ChannelFactory | undefined;
  gatekeeper: SessionOptions['gatekeeper'];
  calls: SessionOptions['calls'];
  pins?: SessionOptions['pins'];
  heldProgressMs?: number;
  maxBodyBytes: number;
  timeoutMs: number;
  logger: Logger;
  /** Sessions with nothing open and no traffic for this long are closed. */
  idleSessionMs?: number;
  /** At most this many sessions per grant and server, so a client in a loop cannot start thousands of servers. */
  maxSessionsPerGrant?: number;
  /** A session with the server opened or closed. */
  onSessionsChanged?: (serverId: string) => void;
  /** An upstream connection failed (crashed, unreachable); the reason is what clients were told. */
  onUpstreamLost?: (serverId: string, reason: string) => void;
  /** Time as sessions and the idle sweep see it; tests move it instead of waiting. */
  clock?: Clock;
  timers?: Timers;
}

const SESSION_HEADER = 'mcp-session-id';

export class McpEndpoint {
  private readonly sessions = new Map<string, ProxySession>();
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly stopSweeper: () => void;

  constructor(private readonly options: McpEndpointOptions) {
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    const idleMs = options.idleSessionMs ?? 30 * 60_000;
    this.stopSweeper = repeatEvery(this.timers, Math.min(idleMs, 60_000), () =>
      this.closeIdle(idleMs),
    );
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Open sessions with one server. */
  sessionsFor(serverId: string): number {
    let count = 0;
    for (const session of this.sessions.values()) if (session.serverId === serverId) count++;
    return count;
  }

  /**
   * Closes every session with one server (its entry changed or was removed): held calls are
   * withdrawn, open requests fail, and clients must initialize again, which opens the new entry.
   */
  async closeServer(serverId: string): Promise<void> {
    const closing = [...this.sessions.values()].filter((s) => s.serverId === serverId);
    for (const session of closing) this.sessions.delete(session.id);
    if (closing.length > 0) this.options.onSessionsChanged?.(serverId);
    await Promise.all(closing.map((session) => session.close()));
  }

  /**
   * Closes every session a grant opened, with any server (the grant was revoked or renamed): open
   * requests fail, event streams end and each session's upstream connection or process stops.
   * Revocation refuses the grant's held calls before this; any still held are withdrawn here.
   */
  async closeGrant(grant: string): Promise<void> {
    const closing = [...this.sessions.values()].filter((s) => s.grant === grant);
    for (const session of closing) this.sessions.delete(session.id);
    for (const serverId of new Set(closing.map((s) => s.serverId))) {
      this.options.onSessionsChanged?.(serverId);
    }
    await Promise.all(closing.map((session) => session.close()));
  }

  handle(req: IncomingMessage, res: ServerResponse, serverId: string, grant: string): void {
    switch (req.method) {
      case 'POST':
        return this.post(req, res, serverId, grant);
      case 'GET':
        return this.get(req, res, serverId, grant);
      case 'DELETE':
        return this.delete(req, res, serverId, grant);
      default:
        res.setHeader('allow', 'GET, POST, DELETE');
        return sendJson(res, 405, { error: 'Use POST, GET or DELETE.' });
    }
  }

  async close(): Promise<void> {
    this.stopSweeper();
    await Promise.all([...this.sessions.values()].map((session) => session.close()));
    this.sessions.clear();
  }

  private post(req: IncomingMessage, res: ServerResponse, serverId: string, grant: string): void {
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.startsWith('application/json')) {
      return sendRpcError(
        res,
        415,
        ErrorCode.InvalidRequest,
        'Content-Type must be application/json.',
      );
    }
    readBody(
      req,
      res,
      this.options.maxBodyBytes,
      () =>
        sendRpcError(
          res,
          413,
          ErrorCode.InvalidRequest,
          `Request body is larger than ${this.options.maxBodyBytes} bytes.`,
        ),
      (body) => {
        try {
          this.receive(req, res, body, serverId, grant);
        } catch (error) {
          // No single message may end Airlock; this one gets an error, and the log says why.
          this.options.logger.error('a client message could not be handled', {
            error: (error as Error).stack,
          });
          if (!res.headersSent) {
            sendRpcError(
              res,
              500,
              ErrorCode.InternalError,
              'Airlock could not handle this message.',
            );
          } else res.destroy();
        }
      },
    );
  }

  private receive(
    req: IncomingMessage,
    res: ServerResponse,
    body: string,
    serverId: string,
    grant: string,
  ): void {
    const read = parseBoundedJson(body);
    if (!read.ok) {
      return read.problem === 'syntax'
        ? sendRpcError(res, 400, ErrorCode.ParseError, `Parse error: ${read.message}`)
        : sendRpcError(
            res,
            400,
            ErrorCode.InvalidRequest,
            `Invalid request: Airlock refuses messages nested deeper than ${MAX_JSON_DEPTH} levels.`,
          );
    }
    const parsed = read.value;
    if (Array.isArray(parsed)) {
      return sendRpcError(
        res,
        400,
        ErrorCode.InvalidRequest,
        'JSON-RPC batches are not supported; send one message per request.',
      );
    }
    const kind = messageKind(parsed);
    if (!kind)
      return sendRpcError(res, 400, ErrorCode.InvalidRequest, 'Not a JSON-RPC 2.0 message.');
    const message = parsed as JsonRpcMessage;
    const context = { protocolVersion: headerValue(req, 'mcp-protocol-version') };
    const sessionId = headerValue(req, SESSION_HEADER);

    if (
      kind === 'request' &&
      (message as JsonRpcRequest).method === 'initialize' &&
      sessionId === undefined
    ) {
      return this.initialize(req, res, message as JsonRpcRequest, serverId, grant, context);
    }
    const session = this.findSession(res, sessionId, serverId, grant);
    if (!session) return;
    if (kind === 'request') {
      const headers = { [SESSION_HEADER]: session.id };
      session.handleRequest(
        message as JsonRpcRequest,
        new DownstreamReply(res, headers, acceptsStream(req)),
        context,
      );
      return;
    }
    const refused = session.handleMessage(message, context);
    if (refused !== undefined) return sendRpcError(res, 400, ErrorCode.InvalidRequest, refused);
    res.writeHead(202).end();
  }

  private initialize(
    req: IncomingMessage,
    res: ServerResponse,
    request: JsonRpcRequest,
    serverId: string,
    grant: string,
    context: { protocolVersion?: string },
  ): void {
    const factory = this.options.channelFactory(serverId);
    if (!factory) {
      return sendJson(res, 404, { error: `No upstream server "${serverId}" is configured.` });
    }
    const limit = this.options.maxSessionsPerGrant ?? 32;
    const mine = [...this.sessions.values()].filter(
      (s) => s.grant === grant && s.serverId === serverId,
    );
    if (mine.length >= limit) {
      return sendRpcError(
        res,
        429,
        ErrorCode.InvalidRequest,
        `Grant "${grant}" already has ${limit} open sessions with "${serverId}"; close some (HTTP DELETE) before opening more.`,
        request.id,
      );
    }
    const id = randomUUID();
    const session = new ProxySession({
      id,
      serverId,
      grant,
      gatekeeper: this.options.gatekeeper,
      openChannel: factory,
      timeoutMs: this.options.timeoutMs,
      logger: this.options.logger,
      calls: this.options.calls,
      ...(this.options.pins ? { pins: this.options.pins } : {}),
      heldProgressMs: this.options.heldProgressMs,
      onUpstreamLost: (reason) => this.options.onUpstreamLost?.(serverId, reason),
      clock: this.clock,
      timers: this.timers,
    });
    this.sessions.set(id, session);
    this.options.onSessionsChanged?.(serverId);
    this.options.logger.info('session opened', { session: id, server: serverId, grant });
    const reply = new DownstreamReply(res, { [SESSION_HEADER]: id }, acceptsStream(req));
    // A handshake that failed leaves no session behind (and no upstream process restarting).
    const watched: ReplySink = {
      related: (text) => reply.related(text),
      final: (text, response) => {
        reply.final(text);
        if (response.error !== undefined) this.drop(session);
      },
      get closed() {
        return reply.closed;
      },
    };
    session.handleRequest(request, watched, context);
  }

  private get(req: IncomingMessage, res: ServerResponse, serverId: string, grant: string): void {
    if (!acceptsStream(req)) {
      return sendJson(res, 406, {
        error: 'GET opens an event stream; send Accept: text/event-stream.',
      });
    }
    const session = this.findSession(res, headerValue(req, SESSION_HEADER), serverId, grant);
    if (!session) return;
    if (!session.attachServerStream(new ServerStream(res, { [SESSION_HEADER]: session.id }))) {
      sendJson(res, 409, { error: 'This session already has an open event stream.' });
    }
  }

  private delete(req: IncomingMessage, res: ServerResponse, serverId: string, grant: string): void {
    const session = this.findSession(res, headerValue(req, SESSION_HEADER), serverId, grant);
    if (!session) return;
    this.drop(session);
    res.writeHead(200).end();
  }

  /** A session belongs to the grant and server that opened it; to anyone else it does not exist. */
  private findSession(
    res: ServerResponse,
    sessionId: string | undefined,
    serverId: string,
    grant: string,
  ) {
    if (sessionId === undefined) {
      sendRpcError(
        res,
        400,
        ErrorCode.InvalidRequest,
        'Mcp-Session-Id header is required; start with initialize.',
      );
      return undefined;
    }
    const session = this.sessions.get(sessionId);
    if (!session || session.grant !== grant || session.serverId !== serverId) {
      sendRpcError(res, 404, ErrorCode.InvalidRequest, 'Session not found; initialize a new one.');
      return undefined;
    }
    return session;
  }

  private closeIdle(idleMs: number): void {
    const cutoff = this.clock.now() - idleMs;
    for (const session of [...this.sessions.values()]) {
      if (!session.busy && session.lastActivity < cutoff) this.drop(session);
    }
  }

  private drop(session: ProxySession): void {
    if (!this.sessions.delete(session.id)) return;
    void session.close();
    this.options.onSessionsChanged?.(session.serverId);
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function acceptsStream(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  return accept === undefined || accept.includes('text/event-stream') || accept.includes('*/*');
}

function sendRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  id: JsonRpcRequest['id'] | null = null,
): void {
  sendJson(res, status, errorResponse(id, code, message));
}
