// The app API over HTTP for headless mode: POST /api/<command> runs a command through the
// dispatcher, GET /api/events streams pushed events as Server-Sent Events. Every request needs the
// UI's session token, except GET /api/identity, where Airlock proves it holds that token before
// the UI sends it; the listener has already checked Host and Origin.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppEvent, ApiErrorBody, ApiErrorCode } from '../../../shared/contract';
import type { ApiDispatcher } from '../../core/api/dispatcher';
import { systemTimers, type Logger, type Timers } from '../../core/ports';
import { repeatEvery } from '../../core/repeat-every';
import { bearerToken, readBody, sendJson, sendJsonInSlices } from './http-io';
import { sseComment, sseEvent, startEventStream } from './sse';
import { answerIdentity, IDENTITY_PATH } from './ui-identity';
import { fixedUiToken, MIN_UI_TOKEN_LENGTH, type UiTokenSource } from './ui-token';

export interface ApiRoutesOptions {
  dispatcher: ApiDispatcher;
  /** A fixed token, or the kept one, which `airlock ui-token --regenerate` can replace. */
  uiToken: string | UiTokenSource;
  /** Comment lines sent on idle event streams so proxies and browsers keep them open. */
  heartbeatMs?: number;
  /** Default: the system's; tests pass a fake to move time. */
  timers?: Timers;
  /** A command's JSON body may be at most this long. */
  maxBodyBytes?: number;
  /** An event stream whose unsent output passes this is dropped rather than buffered further. */
  maxStreamBacklogBytes?: number;
}

export type ApiRoutes = (req: IncomingMessage, res: ServerResponse, url: string) => void;

const COMMAND_PATH = /^\/api\/([a-z][A-Za-z]*(?:\.[a-z][A-Za-z]*)+)$/;
const EVENTS_PATH = '/api/events';

const STATUS: Record<ApiErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
};

/**
 * `listeningPort` gives the port the listener is bound to (read from its own address, never from
 * a request), which the identity proof names.
 */
export function createApiRoutes(
  options: ApiRoutesOptions,
  logger: Logger,
  listeningPort: () => number,
): ApiRoutes {
  const tokens = uiTokenSource(options.uiToken);
  let inForce: { token: string; digest: Buffer } = { token: '', digest: Buffer.alloc(0) };
  const tokenDigest = (): Buffer => {
    const token = tokens.current();
    if (token !== inForce.token) {
      if (token.length < MIN_UI_TOKEN_LENGTH) {
        throw new Error(`The UI token must be at least ${MIN_UI_TOKEN_LENGTH} characters long.`);
      }
      inForce = { token, digest: digest(token) };
    }
    return inForce.digest;
  };
  tokenDigest();
  // Each open event stream with the digest of the token it was opened with: a new token closes
  // the streams of the old one, which would otherwise go on showing held calls.
  const streams = new Map<ServerResponse, Buffer>();
  tokens.onChange(() => {
    const now = tokenDigest();
    for (const [res, opened] of streams) if (!opened.equals(now)) res.destroy();
  });
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const timers = options.timers ?? systemTimers;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const maxBacklog = options.maxStreamBacklogBytes ?? 8 * 1024 * 1024;

  function authorized(req: IncomingMessage, path: string, query: string): boolean {
    const header = bearerToken(req.headers.authorization);
    if (header !== undefined && matches(header)) return true;
    // A browser's EventSource cannot send headers, so the event stream (and only it) also takes
    // the token as ?token=. The stream is read-only, the listener is loopback-only and the UI
    // sends no Referer (referrer-policy: no-referrer), so the URL goes nowhere else.
    if (req.method === 'GET' && path === EVENTS_PATH) {
      const token = new URLSearchParams(query).get('token');
      return token !== null && matches(token);
    }
    return false;
  }

  function matches(candidate: string): boolean {
    // Digests are equal in length, so the comparison takes the same time whatever was sent.
    return timingSafeEqual(digest(candidate), tokenDigest());
  }

  function runCommand(req: IncomingMessage, res: ServerResponse, command: string): void {
    const contentType = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && contentType !== 'application/json') {
      return sendError(res, 415, 'invalid_input', 'Content-Type must be application/json.');
    }
    readBody(
      req,
      res,
      maxBodyBytes,
      () =>
        sendError(res, 413, 'invalid_input', `Request body is larger than ${maxBodyBytes} bytes.`),
      (body) => {
        let input: unknown = {};
        if (body.trim() !== '') {
          try {
            input = JSON.parse(body);
          } catch (error) {
            return sendError(
              res,
              400,
              'invalid_input',
              `Invalid JSON: ${(error as Error).message}`,
            );
          }
        }
        // One chain, so a dispatcher that throws instead of rejecting, or an output that cannot
        // be serialised, is still answered and never becomes an unhandled rejection.
        Promise.resolve()
          .then(() => options.dispatcher.dispatch(command, input))
          .then((result) => {
            if (result.ok) return sendJsonInSlices(res, 200, result.output ?? null);
            sendError(res, STATUS[result.error.code] ?? 500, result.error.code, result.error);
          })
          .catch((error: unknown) => {
            logger.error(`api ${command} failed`, {
              error: (error as Error)?.stack ?? String(error),
            });
            // Half an answer cannot become an error answer: end it so the client sees it cut.
            if (res.headersSent) res.destroy();
            else sendError(res, 500, 'unavailable', 'Internal error.');
          });
      },
    );
  }

  function streamEvents(res: ServerResponse): void {
    streams.set(res, tokenDigest());
    startEventStream(res, {
      'content-type': 'text/event-stream; charset=utf-8',
      // no-cache is what SSE clients and proxies look for; no-store keeps events off disk caches.
      'cache-control': 'no-cache, no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.flushHeaders();

    let nextId = 1;
    let dropped = false;
    const send = (chunk: string) => {
      if (dropped || res.destroyed) return;
      if (!res.write(chunk) && res.writableLength > maxBacklog) {
        // The reader stopped reading. Ending gracefully would wait for the same backlog to drain,
        // so the connection is cut; the EventSource reconnects and the UI loads its state again.
        dropped = true;
        logger.warn('dropped a UI event stream that stopped reading', {
          backlogBytes: res.writableLength,
        });
        res.destroy();
      }
    };
    const unsubscribe = options.dispatcher.subscribe((event: AppEvent) => {
      send(sseEvent(event.name, JSON.stringify(event.data), nextId++));
    });
    const stopHeartbeat = repeatEvery(timers, heartbeatMs, () => send(sseComment('ping')));
    res.once('close', () => {
      streams.delete(res);
      stopHeartbeat();
      unsubscribe();
    });
  }

  return (req, res, url) => {
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const query = queryAt < 0 ? '' : url.slice(queryAt + 1);

    // Asked without the token: the UI checks the answer before it sends the token anywhere.
    if (path === IDENTITY_PATH) {
      if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
      return answerIdentity(res, query, tokens.current(), listeningPort());
    }
    if (!authorized(req, path, query)) {
      res.setHeader('www-authenticate', 'Bearer realm="airlock-ui"');
      return sendJson(res, 401, {
        error: {
          code: 'unauthorized',
          message: 'Unauthorized: open the address Airlock printed when it started.',
        },
      });
    }
    if (path === EVENTS_PATH) {
      if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
      return streamEvents(res);
    }
    const match = COMMAND_PATH.exec(path);
    if (!match) return sendError(res, 404, 'not_found', 'No such API route.');
    if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
    runCommand(req, res, match[1]!);
  };
}

/** The token as the routes see it: a fixed one is a source that never changes. */
export function uiTokenSource(token: string | UiTokenSource): UiTokenSource {
  return typeof token === 'string' ? fixedUiToken(token) : token;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  sendError(res, 405, 'invalid_input', `Use ${allow}.`);
}

function sendError(
  res: ServerResponse,
  status: number,
  code: ApiErrorCode,
  detail: string | ApiErrorBody['error'],
): void {
  if (res.headersSent || res.destroyed) return;
  const error = typeof detail === 'string' ? { code, message: detail } : detail;
  sendJson(res, status, { error } satisfies ApiErrorBody);
}
