// The UI's HTTP API as a browser or a script sees it: token checks, DNS-rebinding checks, command
// routing and error statuses, and the Server-Sent Events stream. A real listener on port 0, a fake
// dispatcher and a real EventBus.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  startHttpServer,
  type HttpServerOptions,
  type McpRoute,
  type RunningHttpServer,
} from '../../../../src/main/adapters/http/http-server';
import { regenerateUiToken, StoredUiToken } from '../../../../src/main/adapters/http/ui-token';
import type { ApiDispatcher, DispatchResult } from '../../../../src/main/core/api/dispatcher';
import { EventBus } from '../../../../src/main/core/api/event-bus';
import { silentLogger, type Logger } from '../../../../src/main/core/ports';
import { FakeClock } from '../../core/fakes';
import type { ApiErrorCode, PolicyInfo } from '../../../../src/shared/contract';

const UI_TOKEN = 'ui-token-0123456789abcdef';
const GRANT_TOKEN = 'alk_grant-token-for-alice';

interface FakeDispatcher extends ApiDispatcher {
  bus: EventBus;
  listeners: number;
  calls: { command: string; input: unknown }[];
}

const ERRORS: Record<string, ApiErrorCode> = {
  'errors.invalidInput': 'invalid_input',
  'errors.notFound': 'not_found',
  'errors.conflict': 'conflict',
  'errors.unavailable': 'unavailable',
};

function fakeDispatcher(): FakeDispatcher {
  const bus = new EventBus();
  const fake: FakeDispatcher = {
    bus,
    listeners: 0,
    calls: [],
    async dispatch(command, input): Promise<DispatchResult> {
      fake.calls.push({ command, input });
      if (command === 'echo.input') return { ok: true, output: { received: input } };
      if (command === 'errors.throws') throw new Error('secret internal detail');
      if (command === 'errors.unserialisable') return { ok: true, output: { n: 1n } };
      const code = ERRORS[command];
      if (code) {
        return {
          ok: false,
          error: { code, message: `${code} happened`, problems: [{ path: '/x', message: 'bad' }] },
        };
      }
      return { ok: false, error: { code: 'not_found', message: `Unknown command "${command}".` } };
    },
    subscribe(listener) {
      fake.listeners++;
      const off = bus.subscribe(listener);
      return () => {
        fake.listeners--;
        off();
      };
    },
  };
  return fake;
}

const mcpCalls: string[] = [];
const stubMcp: McpRoute = {
  handle(_req: http.IncomingMessage, res: http.ServerResponse, server: string, grant: string) {
    mcpCalls.push(`${grant}@${server}`);
    res.writeHead(204).end();
  },
};

/** Every line any server in this file logs, to check that the token never appears in one. */
const logged: string[] = [];
const recordingLogger: Logger = {
  info: (message, fields) => logged.push(`info ${message} ${JSON.stringify(fields)}`),
  warn: (message, fields) => logged.push(`warn ${message} ${JSON.stringify(fields)}`),
  error: (message, fields) => logged.push(`error ${message} ${JSON.stringify(fields)}`),
};

async function startServer(
  dispatcher: ApiDispatcher,
  api: Partial<NonNullable<HttpServerOptions['api']>> = {},
): Promise<RunningHttpServer> {
  return startHttpServer({
    port: 0,
    authenticateGrant: (token) => (token === GRANT_TOKEN ? 'alice' : undefined),
    mcp: stubMcp,
    logger: recordingLogger,
    api: { dispatcher, uiToken: UI_TOKEN, ...api },
  });
}

let fake: FakeDispatcher;
let server: RunningHttpServer;

beforeAll(async () => {
  fake = fakeDispatcher();
  server = await startServer(fake);
});

afterAll(async () => {
  await server?.close();
});

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(options: {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  port?: number;
}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: options.port ?? server.port,
        method: options.method ?? 'POST',
        path: options.path,
        headers: options.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

function authed(extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${UI_TOKEN}`, 'content-type': 'application/json', ...extra };
}

function post(path: string, body?: string, headers = authed()): Promise<RawResponse> {
  return send({ path, body, headers });
}

interface ParsedEvent {
  id?: string;
  event?: string;
  data?: string;
}

interface EventReader {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: ParsedEvent[];
  comments: string[];
  request: http.ClientRequest;
  response: http.IncomingMessage;
  next(count: number): Promise<ParsedEvent[]>;
  close(): void;
}

/** Opens /api/events with node:http and parses the stream as it arrives. */
function openEvents(
  options: { path?: string; headers?: Record<string, string>; port?: number } = {},
): Promise<EventReader> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      {
        host: '127.0.0.1',
        port: options.port ?? server.port,
        path: options.path ?? '/api/events',
        headers: options.headers ?? { authorization: `Bearer ${UI_TOKEN}` },
      },
      (response) => {
        const events: ParsedEvent[] = [];
        const comments: string[] = [];
        const waiters: (() => void)[] = [];
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: ParsedEvent = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line);
              const colon = line.indexOf(': ');
              if (colon > 0) {
                const field = line.slice(0, colon) as 'id' | 'event' | 'data';
                event[field] = line.slice(colon + 2);
              }
            }
            if (event.event !== undefined) events.push(event);
          }
          for (const wake of waiters.splice(0)) wake();
        });
        response.on('error', () => {});
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          events,
          comments,
          request,
          response,
          next: (count) =>
            new Promise((done) => {
              const check = () => {
                if (events.length >= count) done(events.slice(0, count));
                else waiters.push(check);
              };
              check();
            }),
          close: () => request.destroy(),
        });
      },
    );
    request.on('error', (error) => {
      if (!request.destroyed) reject(error);
    });
  });
}

function policy(server: string, file = `policies/${server}.json`): PolicyInfo {
  return { server, file, errors: [] };
}

describe('authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer ui-token-0123456789abcdeX' }],
    ['a prefix of the token', { authorization: `Bearer ${UI_TOKEN.slice(0, 10)}` }],
    ['a grant token', { authorization: `Bearer ${GRANT_TOKEN}` }],
    ['a non-Bearer scheme', { authorization: `Basic ${UI_TOKEN}` }],
  ])('answers 401 to %s, revealing nothing', async (_label, headers) => {
    const before = fake.calls.length;
    for (const path of ['/api/echo.input', '/api/no.such', '/api/events', '/api/', '/api']) {
      const response = await send({
        path,
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="airlock-ui"');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      const body = JSON.parse(response.body) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unauthorized');
      expect(response.body).not.toContain(UI_TOKEN.slice(0, 8));
      expect(response.body).not.toMatch(/echo|no\.such|events/);
    }
    expect(fake.calls.length).toBe(before);
  });

  it('takes ?token= on GET /api/events only', async () => {
    const query = `?token=${encodeURIComponent(UI_TOKEN)}`;
    const stream = await openEvents({ path: `/api/events${query}`, headers: {} });
    expect(stream.status).toBe(200);
    stream.close();

    const wrong = await send({ method: 'GET', path: '/api/events?token=not-the-token-at-all' });
    expect(wrong.status).toBe(401);
    const command = await send({
      path: `/api/echo.input${query}`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(command.status).toBe(401);
    const postEvents = await send({ path: `/api/events${query}` });
    expect(postEvents.status).toBe(401);
  });

  it('keeps grant tokens and the UI token apart', async () => {
    const mcpWithUiToken = await send({
      path: '/mcp/anything',
      headers: { authorization: `Bearer ${UI_TOKEN}` },
    });
    expect(mcpWithUiToken.status).toBe(401);
    const mcpWithGrant = await send({
      path: '/mcp/anything',
      headers: { authorization: `Bearer ${GRANT_TOKEN}` },
    });
    expect(mcpWithGrant.status).toBe(204);
    expect(mcpCalls).toContain('alice@anything');
  });
});

describe('a UI token that changes while Airlock runs', () => {
  /** A token source a test replaces by hand, as `airlock ui-token --regenerate` does. */
  function changingToken(first: string) {
    let token = first;
    const listeners = new Set<() => void>();
    return {
      current: () => token,
      onChange(listener: () => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      replace(next: string) {
        token = next;
        for (const listener of listeners) listener();
      },
    };
  }

  it('refuses the old token from the change on, takes the new one, and ends the old streams', async () => {
    const source = changingToken('first-ui-token-0123456789');
    const own = fakeDispatcher();
    const changing = await startServer(own, { uiToken: source });
    const as = (token: string) =>
      send({
        port: changing.port,
        path: '/api/echo.input',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
    try {
      expect((await as('first-ui-token-0123456789')).status).toBe(200);
      const stream = await openEvents({
        port: changing.port,
        headers: { authorization: 'Bearer first-ui-token-0123456789' },
      });
      expect(stream.status).toBe(200);
      const ended = new Promise<void>((resolve) => stream.response.once('close', resolve));

      source.replace('second-ui-token-0123456789');
      expect(changing.uiUrl).toBe(
        `http://127.0.0.1:${changing.port}/#token=second-ui-token-0123456789`,
      );
      expect((await as('first-ui-token-0123456789')).status).toBe(401);
      expect((await as('second-ui-token-0123456789')).status).toBe(200);
      // The stream opened with the old token is closed and hears nothing more.
      await ended;
      expect(own.listeners).toBe(0);
    } finally {
      await changing.close();
    }
  });
});

describe('GET /api/identity', () => {
  /** A fresh 256-bit nonce, as the UI makes one. */
  const NONCE = 'a1'.repeat(32);

  function expectedProof(token: string, port: number, nonce: string): string {
    return createHmac('sha256', token).update(`airlock-ui-identity:${port}:${nonce}`).digest('hex');
  }

  function askIdentity(nonce: string, options: { port?: number; host?: string } = {}) {
    const port = options.port ?? server.port;
    return send({
      method: 'GET',
      port,
      path: `/api/identity?nonce=${nonce}`,
      headers: { host: options.host ?? `127.0.0.1:${port}` },
    });
  }

  it('proves the token without being sent it: an HMAC over the port it listens on', async () => {
    const before = fake.calls.length;
    const response = await askIdentity(NONCE);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const { proof } = JSON.parse(response.body) as { proof: string };
    expect(proof).toBe(expectedProof(UI_TOKEN, server.port, NONCE));
    expect(response.body).not.toContain(UI_TOKEN.slice(0, 8));
    // Another nonce, another proof: an answer collected earlier passes for nothing.
    const other = JSON.parse((await askIdentity('b2'.repeat(16))).body) as { proof: string };
    expect(other.proof).toBe(expectedProof(UI_TOKEN, server.port, 'b2'.repeat(16)));
    expect(fake.calls.length).toBe(before);
  });

  it('names the port it listens on, whatever the request says', async () => {
    const viaLocalhost = await askIdentity(NONCE, { host: `localhost:${server.port}` });
    expect(JSON.parse(viaLocalhost.body)).toEqual({
      proof: expectedProof(UI_TOKEN, server.port, NONCE),
    });
    // A request naming another port is refused by the listener before any proof is made.
    const otherPort = await askIdentity(NONCE, { host: `127.0.0.1:${server.port + 1}` });
    expect(otherPort.status).toBe(403);
    expect(otherPort.body).not.toContain('proof');
  });

  it.each([
    ['no nonce', ''],
    ['an empty nonce', '?nonce='],
    ['31 hex characters', `?nonce=${'a'.repeat(31)}`],
    ['65 hex characters', `?nonce=${'a'.repeat(65)}`],
    ['a nonce that is not hex', `?nonce=${'g'.repeat(32)}`],
    ['a nonce with a separator', `?nonce=${'a'.repeat(16)}:${'a'.repeat(16)}`],
  ])('answers 400 to %s', async (_label, query) => {
    const response = await send({ method: 'GET', path: `/api/identity${query}` });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'invalid_input' } });
    expect(response.body).not.toContain('proof');
  });

  it('answers 405 to anything but GET', async () => {
    const response = await send({ method: 'POST', path: `/api/identity?nonce=${NONCE}` });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET');
  });

  it('proves the kept token in force, which changes when it is regenerated', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'airlock-identity-'));
    const kept = new StoredUiToken(dataDir);
    const first = kept.current();
    const running = await startServer(fakeDispatcher(), { uiToken: kept });
    try {
      const before = JSON.parse((await askIdentity(NONCE, { port: running.port })).body);
      expect(before).toEqual({ proof: expectedProof(first, running.port, NONCE) });

      const second = regenerateUiToken(dataDir);
      const after = JSON.parse((await askIdentity(NONCE, { port: running.port })).body);
      expect(after).toEqual({ proof: expectedProof(second, running.port, NONCE) });
      expect(after).not.toEqual(before);
    } finally {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('DNS rebinding protection', () => {
  it('refuses a foreign Host on /api even with the token', async () => {
    const before = fake.calls.length;
    const response = await send({
      path: '/api/echo.input',
      headers: authed({ host: `evil.example:${server.port}` }),
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(fake.calls.length).toBe(before);
  });

  it('refuses a foreign Origin on /api and /api/events even with the token', async () => {
    const before = fake.calls.length;
    const response = await post('/api/echo.input', '{}', authed({ origin: 'http://evil.example' }));
    expect(response.status).toBe(403);
    const events = await send({
      method: 'GET',
      path: `/api/events?token=${UI_TOKEN}`,
      headers: { origin: `http://localhost.evil.example:${server.port}` },
    });
    expect(events.status).toBe(403);
    expect(fake.calls.length).toBe(before);
    expect(fake.listeners).toBe(0);
  });

  it("accepts the listener's own Origin", async () => {
    const response = await post(
      '/api/echo.input',
      '{}',
      authed({ origin: `http://localhost:${server.port}` }),
    );
    expect(response.status).toBe(200);
  });
});

describe('commands', () => {
  it('runs a command and answers with its output', async () => {
    const response = await post('/api/echo.input', JSON.stringify({ id: 'a1', n: 2 }));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(JSON.parse(response.body)).toEqual({ received: { id: 'a1', n: 2 } });
    expect(fake.calls.at(-1)).toEqual({ command: 'echo.input', input: { id: 'a1', n: 2 } });
  });

  it('treats an empty body as {}, with or without a Content-Type', async () => {
    const withType = await post('/api/echo.input', '');
    expect(JSON.parse(withType.body)).toEqual({ received: {} });
    const without = await send({
      path: '/api/echo.input',
      headers: { authorization: `Bearer ${UI_TOKEN}` },
    });
    expect(without.status).toBe(200);
    expect(JSON.parse(without.body)).toEqual({ received: {} });
  });

  it.each([
    ['invalid_input', 'errors.invalidInput', 400],
    ['not_found', 'errors.notFound', 404],
    ['conflict', 'errors.conflict', 409],
    ['unavailable', 'errors.unavailable', 503],
  ])('answers %s with %s → %i and the error body', async (code, command, status) => {
    const response = await post(`/api/${command}`, '{}');
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body)).toEqual({
      error: { code, message: `${code} happened`, problems: [{ path: '/x', message: 'bad' }] },
    });
  });

  it.each(['errors.throws', 'errors.unserialisable'])(
    'answers 500 without details for %s',
    async (command) => {
      const response = await post(`/api/${command}`, '{}');
      expect(response.status).toBe(500);
      expect(JSON.parse(response.body)).toEqual({
        error: { code: 'unavailable', message: 'Internal error.' },
      });
    },
  );

  it("answers 404 for a command the dispatcher doesn't know", async () => {
    const response = await post('/api/no.such', '{}');
    expect(response.status).toBe(404);
    expect((JSON.parse(response.body) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it.each([
    '/api/nodots',
    '/api/Approvals.list',
    '/api/approvals.',
    '/api/.list',
    '/api/approvals..list',
    '/api/approvals.list/',
    '/api/approvals.list/extra',
    '/api/approvals.l1st',
    '/api/approvals_x.list',
    '/api/%61pprovals.list',
    '/api/__proto__.constructor',
    '/api/',
    '/api',
  ])('answers 404 without dispatching for the malformed route %s', async (path) => {
    const before = fake.calls.length;
    const response = await post(path, '{}');
    expect(response.status).toBe(404);
    expect(fake.calls.length).toBe(before);
  });

  it('answers 405 with Allow for other methods', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']) {
      const response = await send({ method, path: '/api/echo.input', headers: authed() });
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('POST');
    }
    const events = await send({ method: 'POST', path: '/api/events', headers: authed() });
    expect(events.status).toBe(405);
    expect(events.headers.allow).toBe('GET');
  });

  it.each([['{not json'], ['{"a":1'], ['undefined'], ["{'a':1}"]])(
    'answers 400 invalid_input to the malformed JSON %s',
    async (body) => {
      const before = fake.calls.length;
      const response = await post('/api/echo.input', body);
      expect(response.status).toBe(400);
      const parsed = JSON.parse(response.body) as { error: { code: string; message: string } };
      expect(parsed.error.code).toBe('invalid_input');
      expect(parsed.error.message).toMatch(/^Invalid JSON/);
      expect(fake.calls.length).toBe(before);
    },
  );

  it('answers 415 to a body that is not declared as JSON', async () => {
    const response = await post('/api/echo.input', '{}', {
      authorization: `Bearer ${UI_TOKEN}`,
      'content-type': 'text/plain',
    });
    expect(response.status).toBe(415);
  });

  it('accepts a JSON body just under 1 MiB', async () => {
    const text = 'x'.repeat(1024 * 1024 - 20);
    const response = await post('/api/echo.input', JSON.stringify({ text }));
    expect(response.status).toBe(200);
  });

  it('answers 413 to a body over 1 MiB declared by Content-Length', async () => {
    const before = fake.calls.length;
    const response = await post('/api/echo.input', JSON.stringify({ text: 'x'.repeat(2 << 20) }));
    expect(response.status).toBe(413);
    expect((JSON.parse(response.body) as { error: { code: string } }).error.code).toBe(
      'invalid_input',
    );
    expect(fake.calls.length).toBe(before);
  });

  it('answers 413 to a chunked body once it passes 1 MiB, without reading it all', async () => {
    const before = fake.calls.length;
    const response = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
      let sent = 0;
      const request = http.request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/api/echo.input',
          headers: authed({ 'transfer-encoding': 'chunked' }),
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, sent });
          request.destroy();
        },
      );
      request.on('error', (error) => {
        if (!request.destroyed) reject(error);
      });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      // Keep uploading (up to 64 MiB) until the server answers.
      const pump = () => {
        while (sent < 64 << 20 && !request.destroyed) {
          sent += chunk.length;
          if (!request.write(chunk)) return void request.once('drain', pump);
        }
        request.end();
      };
      pump();
    });
    expect(response.status).toBe(413);
    expect(response.sent).toBeLessThan(64 << 20);
    expect(fake.calls.length).toBe(before);
  });
});

describe('GET /api/events', () => {
  it('streams events in order with increasing ids, and unsubscribes on close', async () => {
    const stream = await openEvents();
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['cache-control']).toMatch(/no-cache/);
    expect(stream.headers['cache-control']).toMatch(/no-store/);
    expect(stream.headers['x-accel-buffering']).toBe('no');
    expect(stream.headers['x-content-type-options']).toBe('nosniff');
    expect(fake.listeners).toBe(1);

    fake.bus.emit('policy.changed', { policy: policy('one') });
    fake.bus.emit('grants.changed', {});
    fake.bus.emit('policy.changed', { policy: policy('three', 'line\nbreak "quoted"') });
    const events = await stream.next(3);
    expect(events.map((e) => e.event)).toEqual([
      'policy.changed',
      'grants.changed',
      'policy.changed',
    ]);
    expect(events.map((e) => e.id)).toEqual(['1', '2', '3']);
    expect(JSON.parse(events[0]!.data!)).toEqual({ policy: policy('one') });
    expect(JSON.parse(events[1]!.data!)).toEqual({});
    expect(JSON.parse(events[2]!.data!)).toEqual({
      policy: policy('three', 'line\nbreak "quoted"'),
    });

    stream.close();
    await vi.waitFor(() => expect(fake.listeners).toBe(0));
  });

  it('gives every stream its own events', async () => {
    const a = await openEvents();
    const b = await openEvents({ path: `/api/events?token=${encodeURIComponent(UI_TOKEN)}` });
    expect(fake.listeners).toBe(2);
    fake.bus.emit('grants.changed', {});
    const [fromA, fromB] = await Promise.all([a.next(1), b.next(1)]);
    expect(fromA[0]!.event).toBe('grants.changed');
    expect(fromB[0]!.event).toBe('grants.changed');
    a.close();
    b.close();
    await vi.waitFor(() => expect(fake.listeners).toBe(0));
  });

  it('unsubscribes every stream when the server closes', async () => {
    const own = fakeDispatcher();
    const running = await startServer(own);
    await openEvents({ port: running.port });
    await openEvents({ port: running.port });
    expect(own.listeners).toBe(2);
    await running.close();
    await vi.waitFor(() => expect(own.listeners).toBe(0));
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const own = fakeDispatcher();
    const clock = new FakeClock();
    const running = await startServer(own, { heartbeatMs: 15_000, timers: clock });
    try {
      const stream = await openEvents({ port: running.port });
      clock.advance(14_999);
      expect(stream.comments).not.toContain(': ping');
      clock.advance(1);
      await vi.waitFor(() => expect(stream.comments).toContain(': ping'));
      stream.close();
      await vi.waitFor(() => expect(own.listeners).toBe(0));
    } finally {
      await running.close();
    }
  });

  it('drops a stream whose reader stopped reading instead of buffering without bound', async () => {
    const own = fakeDispatcher();
    const running = await startServer(own, { maxStreamBacklogBytes: 256 * 1024 });
    try {
      const stream = await openEvents({ port: running.port });
      stream.response.pause();
      const closed = new Promise<void>((resolve) => stream.response.once('close', resolve));
      const big = policy('big', 'x'.repeat(512 * 1024));
      // Far more than loopback socket buffers hold (a few MiB); stop as soon as it is dropped.
      for (let i = 0; i < 400 && own.listeners > 0; i++) {
        own.bus.emit('policy.changed', { policy: big });
        if (i % 8 === 7) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await vi.waitFor(() => expect(own.listeners).toBe(0));
      expect(logged.some((line) => line.startsWith('warn dropped a UI event stream'))).toBe(true);
      stream.response.resume();
      await closed;
    } finally {
      await running.close();
    }
  });

  it('delivers each event as it is emitted, in order, with ascending ids', async () => {
    // How soon an event arrives is measured by the bench's events section, not asserted here.
    const stream = await openEvents();
    for (let i = 1; i <= 50; i++) {
      fake.bus.emit('grants.changed', {});
      const events = await stream.next(i);
      expect(events).toHaveLength(i);
      expect(events[i - 1]).toMatchObject({ id: String(i), event: 'grants.changed', data: '{}' });
    }
    stream.close();
    await vi.waitFor(() => expect(fake.listeners).toBe(0));
  });
});

describe('the listener', () => {
  it('gives the UI address with the token in the fragment', () => {
    expect(server.uiUrl).toBe(`http://127.0.0.1:${server.port}/#token=${UI_TOKEN}`);
  });

  it('answers 404 outside /api and /mcp when no renderer directory is set', async () => {
    const response = await send({ method: 'GET', path: '/' });
    expect(response.status).toBe(404);
  });

  it('has no /api and no uiUrl without the api option', async () => {
    const bare = await startHttpServer({
      port: 0,
      authenticateGrant: () => undefined,
      mcp: stubMcp,
      logger: silentLogger,
    });
    try {
      expect(bare.uiUrl).toBeUndefined();
      const response = await send({ port: bare.port, path: '/api/echo.input', headers: authed() });
      expect(response.status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it('never logs the UI token', () => {
    // Runs last: by now the dispatcher has thrown, a stream was dropped and tokens were refused.
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(line).not.toContain(UI_TOKEN.slice(0, 12));
  });

  it('refuses a UI token too short to guard the API', async () => {
    await expect(startServer(fake, { uiToken: 'short' })).rejects.toThrow(/at least 16/);
  });
});
