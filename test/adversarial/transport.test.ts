// Issue 10's catalogue of hostile HTTP traffic at the downstream endpoint and the app API: bad
// bodies, lying lengths, foreign Host and Origin, CORS preflights, stolen, revoked and misplaced
// tokens, other grants' sessions, slow and numerous clients. Raw HTTP and raw sockets, so each
// case is seen exactly as a client sees it. Every hostile request carries a provision_api_key
// call that the policy allows, so "nothing ran upstream" means no key was minted.
import http from 'node:http';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import {
  addGrant,
  apiCall,
  connectClient,
  INITIALIZE_REQUEST,
  makeDataDir,
  removeDataDir,
  SEED_POLICY_FILE,
  startAirlock,
  TEST_UI_TOKEN,
  textOf,
} from '../helpers/airlock-harness';
import { openEventStream } from '../helpers/event-stream';
import { recordingLogger } from '../helpers/recording-logger';
import type { Runtime } from '../../src/main/runtime';

const POLICY = {
  version: '1',
  default: 'deny',
  tools: {
    provision_api_key: {},
    get_service_status: {},
    ask_human: { action: 'require_approval' },
  },
};

/** The call every hostile request tries to slip through: allowed by the policy, it mints a key. */
const CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 9,
  method: 'tools/call',
  params: { name: 'provision_api_key', arguments: { name: 'x', email: 'mallory@example.com' } },
});
const INITIALIZED = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });

let upstream: MeatspaceHttp;
let dataDir: string;
let runtime: Runtime;
let alice: string;
let bob: string;
let upstreamRequests = 0;

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a connection of its own. */
function send(
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  },
  port = runtime.port,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path ?? '/mcp/meatspace',
        headers: options.headers,
        agent: false,
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

interface RawExchange {
  /** Everything the server sent before it closed the connection. */
  text: string;
  /** The status of each response in `text`. */
  statuses: number[];
}

const statusesIn = (text: string) =>
  [...text.matchAll(/^HTTP\/1\.1 (\d{3}) /gm)].map((m) => Number(m[1]));

/** Writes `bytes` on a bare socket (half-closing it unless `keepOpen`) and reads until Airlock closes it. */
function exchange(bytes: string, options: { keepOpen?: boolean; port?: number } = {}) {
  return new Promise<RawExchange>((resolve, reject) => {
    const socket = net.connect(options.port ?? runtime.port, '127.0.0.1', () => {
      socket.write(bytes);
      if (!options.keepOpen) socket.end();
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('close', () =>
      resolve({
        text,
        statuses: statusesIn(text),
      }),
    );
  });
}

function mcpHeaders(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...extra,
  };
}

/** The head of a POST to /mcp/meatspace as raw bytes, for requests no client library would send. */
function rawHead(lines: string[], port = runtime.port): string {
  return ['POST /mcp/meatspace HTTP/1.1', `Host: 127.0.0.1:${port}`, ...lines, '', ''].join('\r\n');
}

/** An initialized session of `token`'s grant with a server. */
async function openSession(token: string, server = 'meatspace', port = runtime.port) {
  const opened = await send(
    { path: `/mcp/${server}`, headers: mcpHeaders(token), body: INITIALIZE_REQUEST },
    port,
  );
  expect(opened.status).toBe(200);
  const session = opened.headers['mcp-session-id'] as string;
  const ack = await send(
    {
      path: `/mcp/${server}`,
      headers: mcpHeaders(token, { 'mcp-session-id': session }),
      body: INITIALIZED,
    },
    port,
  );
  expect(ack.status).toBe(202);
  return session;
}

/** Keys the upstream minted: the measure of "a call ran". */
const minted = () => upstream.state.activeKeysByEmail.get('mallory@example.com') ?? 0;

function expectNothingRan(): void {
  expect(minted()).toBe(0);
}

beforeAll(async () => {
  upstream = await startMeatspaceHttp({ onRequest: () => upstreamRequests++ });
  dataDir = makeDataDir(
    {
      mcpServers: { meatspace: { url: upstream.url }, other: { url: upstream.url } },
      settings: { maxBodyBytes: 64 * 1024 },
    },
    { meatspace: POLICY, other: POLICY },
  );
  alice = addGrant(dataDir, 'alice');
  bob = addGrant(dataDir, 'bob');
  runtime = await startAirlock(dataDir);
});

afterAll(async () => {
  await runtime?.close();
  await upstream?.close();
  removeDataDir(dataDir);
});

describe('the baseline every case is measured against', () => {
  it('runs the hostile call when it is sent properly, so "no key minted" means refused', async () => {
    const session = await openSession(alice);
    const response = await send({
      headers: mcpHeaders(alice, { 'mcp-session-id': session }),
      body: CALL,
    });
    expect(response.status).toBe(200);
    expect(minted()).toBe(1);
    upstream.state.activeKeysByEmail.clear();
  });
});

describe('bodies that are not one JSON-RPC message', () => {
  let session: string;
  beforeAll(async () => {
    session = await openSession(alice);
  });
  const post = (body: string, headers: Record<string, string> = {}) =>
    send({ headers: mcpHeaders(alice, { 'mcp-session-id': session, ...headers }), body });

  it('answers malformed JSON with a JSON-RPC parse error', async () => {
    const response = await post(CALL.slice(0, -10));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe(-32700);
    expectNothingRan();
  });

  it.each([
    ['an object that is not JSON-RPC', '{"hello": "world"}'],
    ['JSON-RPC 1.0', CALL.replace('"2.0"', '"1.0"')],
    ['null', 'null'],
    ['a string', JSON.stringify(CALL)],
    ['a method that is not a string', CALL.replace('"tools/call"', '42')],
    // Parsed as Infinity, it would go upstream as "id":null and its answer could reach no one.
    ['an id too large for a number', CALL.replace('"id":9', '"id":1e999')],
    [
      'a response with a method that is not a string',
      '{"jsonrpc":"2.0","id":9,"result":{},"method":7}',
    ],
  ])('answers %s with -32600', async (_label, body) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe(-32600);
    expectNothingRan();
  });

  it('refuses batches clearly, running none of their calls', async () => {
    const response = await post(`[${CALL}, ${CALL.replace('"id":9', '"id":10')}]`);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.message).toMatch(/batch/i);
    expectNothingRan();
  });

  it('refuses a tools/call whose arguments are not an object', async () => {
    const response = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'provision_api_key', arguments: ['not', 'an', 'object'] },
      }),
    );
    expect(JSON.parse(response.body).error.code).toBe(-32602);
    expectNothingRan();
  });

  it('refuses a body that is not declared as JSON', async () => {
    const response = await post(CALL, { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expectNothingRan();
  });

  it('asks for a session on anything but initialize', async () => {
    const response = await send({ headers: mcpHeaders(alice), body: CALL });
    expect(response.status).toBe(400);
    expect(response.body).toMatch(/Mcp-Session-Id/);
    expectNothingRan();
  });
});

describe('bodies over the cap (64 KiB here)', () => {
  it('answers 413 to a huge declared Content-Length before a byte of the body is sent', async () => {
    const session = await openSession(alice);
    // The socket stays open and sends no body: the answer can only come from the header.
    const socket = net.connect(runtime.port, '127.0.0.1');
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('\r\n\r\n')) resolve(text);
      });
      socket.on('error', () => {});
    });
    socket.write(
      rawHead([
        `Authorization: Bearer ${alice}`,
        'Content-Type: application/json',
        `Mcp-Session-Id: ${session}`,
        'Content-Length: 10737418240',
      ]),
    );
    expect(await answer).toMatch(/^HTTP\/1\.1 413 /);
    socket.destroy();
    expectNothingRan();
  });

  it('answers 413 to a body over the cap, declared up front', async () => {
    const body = Buffer.alloc(65 * 1024, 'a');
    const response = await send({ headers: mcpHeaders(alice), body });
    expect(response.status).toBe(413);
  });

  it('answers 413 to a chunked body that grows over the cap, without reading it all', async () => {
    const response = await new Promise<number>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: runtime.port,
          method: 'POST',
          path: '/mcp/meatspace',
          headers: mcpHeaders(alice),
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error),
      );
      const chunk = Buffer.alloc(16 * 1024, 'b');
      // Far more than the cap; Airlock answers long before this is all sent.
      let sent = 0;
      const pump = () => {
        while (sent < 1024 && request.write(chunk)) sent++;
        if (sent < 1024) request.once('drain', pump);
        else request.end();
      };
      pump();
    });
    expect(response).toBe(413);
  });
});

describe('bodies whose framing lies', () => {
  let session: string;
  beforeAll(async () => {
    session = await openSession(alice);
  });
  const head = (framing: string[]) =>
    rawHead([
      `Authorization: Bearer ${alice}`,
      'Content-Type: application/json',
      `Mcp-Session-Id: ${session}`,
      ...framing,
    ]);

  it('reads only the declared length: the rest is not a second message', async () => {
    const { statuses } = await exchange(head(['Content-Length: 40']) + CALL);
    // The first 40 bytes are cut-off JSON (-32700) and the rest is not an HTTP request (Node's
    // 400, which may close the connection before the first answer is out).
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 400)).toBe(true);
    expectNothingRan();
  });

  it('refuses a request with both Content-Length and Transfer-Encoding', async () => {
    const chunked = `${CALL.length.toString(16)}\r\n${CALL}\r\n0\r\n\r\n`;
    const { statuses } = await exchange(
      head([`Content-Length: ${CALL.length}`, 'Transfer-Encoding: chunked']) + chunked,
    );
    expect(statuses).toEqual([400]);
    expectNothingRan();
  });

  it('refuses a chunk that is longer than its declared size', async () => {
    const { statuses } = await exchange(
      head(['Transfer-Encoding: chunked']) + `10\r\n${CALL}\r\n0\r\n\r\n`,
    );
    expect(statuses).toEqual([400]);
    expectNothingRan();
  });

  it('runs nothing when a chunked body stops before its last chunk', async () => {
    const { statuses } = await exchange(
      head(['Transfer-Encoding: chunked']) + `${CALL.length.toString(16)}\r\n${CALL}\r\n`,
    );
    // The client hung up with the request incomplete: Node answers 400 and nothing is read on.
    expect(statuses).toEqual([400]);
    expectNothingRan();
  });
});

describe('DNS rebinding: Host and Origin must name this listener', () => {
  const before = () => upstreamRequests;

  it.each([
    ['a foreign Origin', () => ({ origin: 'https://evil.example' })],
    ['Origin: null (sandboxed frames, file: pages)', () => ({ origin: 'null' })],
    ['our Origin on another port', () => ({ origin: `http://127.0.0.1:${runtime.port + 1}` })],
    ['localhost on another port', () => ({ origin: `http://localhost:${runtime.port + 1}` })],
    ['our Origin over https', () => ({ origin: `https://127.0.0.1:${runtime.port}` })],
    ['a foreign Host', () => ({ host: 'evil.example:80' })],
    ['a rebound Host with our port', () => ({ host: `evil.example:${runtime.port}` })],
  ])('refuses %s with 403, contacting no upstream', async (_label, extra) => {
    const count = before();
    const response = await send({ headers: mcpHeaders(alice, extra()), body: INITIALIZE_REQUEST });
    expect(response.status).toBe(403);
    expect(upstreamRequests).toBe(count);
  });

  it('refuses two Origin headers, ours and a foreign one', async () => {
    const { statuses } = await exchange(
      rawHead([
        `Authorization: Bearer ${alice}`,
        'Content-Type: application/json',
        `Origin: http://127.0.0.1:${runtime.port}`,
        'Origin: https://evil.example',
        `Content-Length: ${INITIALIZE_REQUEST.length}`,
      ]) + INITIALIZE_REQUEST,
    );
    expect(statuses).toEqual([400]);
  });

  it('refuses a second Host header, which Node would otherwise drop unseen', async () => {
    const count = before();
    const { statuses } = await exchange(
      rawHead([
        'Host: evil.example',
        `Authorization: Bearer ${alice}`,
        'Content-Type: application/json',
        `Content-Length: ${INITIALIZE_REQUEST.length}`,
      ]) + INITIALIZE_REQUEST,
    );
    expect(statuses).toEqual([400]);
    expect(upstreamRequests).toBe(count);
  });

  it('refuses a request with no Host (HTTP/1.0)', async () => {
    const { statuses } = await exchange(
      [
        'POST /mcp/meatspace HTTP/1.0',
        `Authorization: Bearer ${alice}`,
        'Content-Type: application/json',
        `Content-Length: ${INITIALIZE_REQUEST.length}`,
        '',
        INITIALIZE_REQUEST,
      ].join('\r\n'),
    );
    expect(statuses).toEqual([403]);
  });

  it('accepts its own origin', async () => {
    for (const origin of [`http://127.0.0.1:${runtime.port}`, `http://localhost:${runtime.port}`]) {
      const response = await send({
        headers: mcpHeaders(alice, { origin }),
        body: INITIALIZE_REQUEST,
      });
      expect(response.status).toBe(200);
    }
  });
});

describe('CORS: a web page may not call Airlock', () => {
  const preflight = (path: string, origin: string) =>
    send({
      method: 'OPTIONS',
      path,
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, mcp-session-id',
      },
    });

  it.each(['/mcp/meatspace', '/api/servers.list', '/api/events'])(
    'answers a foreign page’s preflight to %s with 403 and no CORS grant',
    async (path) => {
      const response = await preflight(path, 'https://evil.example');
      expect(response.status).toBe(403);
      expect(Object.keys(response.headers).filter((h) => h.startsWith('access-control-'))).toEqual(
        [],
      );
    },
  );

  it.each(['/mcp/meatspace', '/api/servers.list'])(
    'grants no CORS to any origin, even its own, on %s',
    async (path) => {
      const response = await preflight(path, `http://127.0.0.1:${runtime.port}`);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(Object.keys(response.headers).filter((h) => h.startsWith('access-control-'))).toEqual(
        [],
      );
    },
  );
});

describe('grant tokens', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer alk_not-a-real-token' }],
    ['a non-Bearer scheme', { authorization: 'Basic YWxpY2U6c2VjcmV0' }],
    ['the UI token', { authorization: `Bearer ${TEST_UI_TOKEN}` }],
    ['a token with something after it', () => ({ authorization: `Bearer ${alice} extra` })],
  ])('answer 401 to %s, revealing nothing and contacting no upstream', async (_label, given) => {
    const headers = typeof given === 'function' ? given() : given;
    const before = upstreamRequests;
    for (const path of ['/mcp/meatspace', '/mcp/no-such-server']) {
      const response = await send({
        path,
        headers: { ...headers, 'content-type': 'application/json' },
        body: INITIALIZE_REQUEST,
      });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.body).not.toMatch(/meatspace|no-such-server|provision/);
    }
    expect(upstreamRequests).toBe(before);
  });

  it('refuses two Authorization headers rather than picking one', async () => {
    const { statuses } = await exchange(
      rawHead([
        'Authorization: Bearer alk_not-a-real-token',
        `Authorization: Bearer ${alice}`,
        'Content-Type: application/json',
        `Content-Length: ${INITIALIZE_REQUEST.length}`,
      ]) + INITIALIZE_REQUEST,
    );
    expect(statuses).toEqual([400]);
  });

  it.each(['token', 'access_token', 'authorization', 'bearer'])(
    'do not authenticate from the query string (?%s=)',
    async (name) => {
      const before = upstreamRequests;
      const response = await send({
        path: `/mcp/meatspace?${name}=${encodeURIComponent(alice)}`,
        headers: { 'content-type': 'application/json' },
        body: INITIALIZE_REQUEST,
      });
      expect(response.status).toBe(401);
      expect(upstreamRequests).toBe(before);
    },
  );

  it('do not open the app API, whose commands take no token from the query string either', async () => {
    const asGrant = await send({
      path: '/api/grants.add',
      headers: mcpHeaders(alice),
      body: JSON.stringify({ name: 'intruder' }),
    });
    expect(asGrant.status).toBe(401);
    const inQuery = await send({
      path: `/api/grants.add?token=${TEST_UI_TOKEN}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'intruder' }),
    });
    expect(inQuery.status).toBe(401);
    const { grants } = await apiCall(runtime, 'grants.list', {});
    expect(grants.map((g) => g.name)).not.toContain('intruder');
  });

  it('stop working once revoked, for new requests and for sessions already open', async () => {
    const { token: carol } = await apiCall(runtime, 'grants.add', { name: 'carol' });
    const session = await openSession(carol);
    await apiCall(runtime, 'grants.revoke', { name: 'carol' });
    const fresh = await send({ headers: mcpHeaders(carol), body: INITIALIZE_REQUEST });
    expect(fresh.status).toBe(401);
    const old = await send({
      headers: mcpHeaders(carol, { 'mcp-session-id': session }),
      body: CALL,
    });
    expect(old.status).toBe(401);
    expectNothingRan();
  });

  it('answer 404 for a server that is not configured, once authenticated', async () => {
    const response = await send({
      path: '/mcp/no-such-server',
      headers: mcpHeaders(alice),
      body: INITIALIZE_REQUEST,
    });
    expect(response.status).toBe(404);
  });
});

describe('sessions', () => {
  it('that do not exist are not found, whatever the method', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const method of ['POST', 'GET', 'DELETE']) {
      const response = await send({
        method,
        headers: mcpHeaders(alice, { 'mcp-session-id': unknown }),
        ...(method === 'POST' ? { body: CALL } : {}),
      });
      expect(response.status).toBe(404);
    }
    expectNothingRan();
  });

  it('belong to the grant that opened them: another grant can neither use nor close them', async () => {
    const session = await openSession(alice);
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    for (const method of ['POST', 'GET', 'DELETE']) {
      const theirs = await send({
        method,
        headers: mcpHeaders(bob, { 'mcp-session-id': session }),
        ...(method === 'POST' ? { body: CALL } : {}),
      });
      expect(theirs.status).toBe(404);
    }
    expectNothingRan();

    const mine = await send({
      headers: mcpHeaders(alice, { 'mcp-session-id': session }),
      body: list,
    });
    expect(mine.status).toBe(200);
    const closed = await send({
      method: 'DELETE',
      headers: mcpHeaders(alice, { 'mcp-session-id': session }),
    });
    expect(closed.status).toBe(200);
    const gone = await send({
      headers: mcpHeaders(alice, { 'mcp-session-id': session }),
      body: list,
    });
    expect(gone.status).toBe(404);
  });

  it('belong to the server they were opened with', async () => {
    const session = await openSession(alice, 'meatspace');
    const elsewhere = await send({
      path: '/mcp/other',
      headers: mcpHeaders(alice, { 'mcp-session-id': session }),
      body: CALL,
    });
    expect(elsewhere.status).toBe(404);
    expectNothingRan();
  });
});

describe('slow clients', () => {
  // Small enough for a test, large enough that a busy machine never cuts off a request sent whole.
  const LIMITS = { headersTimeoutMs: 1000, requestTimeoutMs: 2000, maxConnections: 200 };
  let slow: Runtime;
  let slowUpstream: MeatspaceHttp;
  let slowDir: string;
  let token: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    slowUpstream = await startMeatspaceHttp();
    slowDir = makeDataDir(
      { mcpServers: { meatspace: { url: slowUpstream.url } } },
      { meatspace: POLICY },
    );
    token = addGrant(slowDir, 'alice');
    slow = await startAirlock(slowDir, recordingLogger(), { httpLimits: LIMITS });
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await slow?.close();
    await slowUpstream?.close();
    removeDataDir(slowDir);
  });

  const slowMinted = () => slowUpstream.state.activeKeysByEmail.get('mallory@example.com') ?? 0;

  /** A connection that sends `head`, then one byte of `body` every 50 ms; resolves when Airlock closes it. */
  function trickle(head: string, body = ''): Promise<RawExchange> {
    return new Promise((resolve) => {
      const socket = net.connect(slow.port, '127.0.0.1', () => socket.write(head));
      let sent = 0;
      const timer = setInterval(() => {
        if (sent < body.length) socket.write(body[sent++]!);
      }, 50);
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(timer);
        resolve({
          text,
          statuses: statusesIn(text),
        });
      });
    });
  }

  const trickledCall = () =>
    rawHead(
      [
        `Authorization: Bearer ${token}`,
        'Content-Type: application/json',
        `Content-Length: ${CALL.length}`,
      ],
      slow.port,
    );

  it('are cut off with 408 while an agent on a fresh connection is served', async () => {
    const flood = Array.from({ length: 30 }, () => trickle(trickledCall(), CALL));
    const slowHeaders = Array.from({ length: 10 }, () =>
      trickle(`POST /mcp/meatspace HTTP/1.1\r\nHost: 127.0.0.1:${slow.port}\r\n`, 'X-Slow: 1\r\n'),
    );
    const silent = Array.from({ length: 10 }, () => trickle(''));

    const client = await connectClient(slow, 'meatspace', token);
    clients.push(client);
    const status = await client.callTool({ name: 'get_service_status', arguments: {} });
    expect(textOf(status)).toMatch(/operational/);

    for (const closed of await Promise.all([...flood, ...slowHeaders, ...silent])) {
      expect(closed.statuses).toEqual([408]);
    }
    expect(slowMinted()).toBe(0);
  });

  it('cuts off a body that declares more than it sends', async () => {
    const head = rawHead(
      [
        `Authorization: Bearer ${token}`,
        'Content-Type: application/json',
        `Content-Length: ${CALL.length + 100}`,
      ],
      slow.port,
    );
    const closed = await exchange(head + CALL, { keepOpen: true, port: slow.port });
    expect(closed.statuses).toEqual([408]);
    expect(slowMinted()).toBe(0);
  });

  it('leave held calls and event streams open: only receiving a request is timed', async () => {
    const events = await openEventStream(slow.url);
    const client = await connectClient(slow, 'meatspace', token);
    clients.push(client);
    const held = client.callTool({
      name: 'ask_human',
      arguments: {
        agent_name: 'a',
        title: 'Ship it?',
        choices: [
          { id: 'y', label: 'Yes' },
          { id: 'n', label: 'No' },
        ],
      },
    });
    let settled = false;
    const settle = () => (settled = true);
    held.then(settle, settle);
    const added = await events.next((e) => e.name === 'approval.added');

    // Opened after the held call and the streams, and cut off by the timeout: they are older.
    const late = await trickle(trickledCall(), CALL);
    expect(late.statuses).toEqual([408]);
    expect(settled).toBe(false);

    const since = events.events.length;
    if (added.event.name !== 'approval.added') throw new Error('unreachable');
    await apiCall(slow, 'approvals.decide', {
      id: added.event.data.approval.id,
      decision: 'allow',
    });
    expect(textOf(await held)).toMatch(/pending|question_id/);
    // The UI's event stream, as old as the held call, still delivers.
    await events.next((e) => e.name === 'approval.resolved', since);
    events.close();
  });
});

describe('too many connections', () => {
  const CAP = 8;
  let capped: Runtime;
  let cappedDir: string;
  const log = recordingLogger();

  beforeAll(async () => {
    cappedDir = makeDataDir(
      { mcpServers: { meatspace: { url: upstream.url } } },
      { meatspace: readFileSync(SEED_POLICY_FILE, 'utf8') },
    );
    capped = await startAirlock(cappedDir, log, { httpLimits: { maxConnections: CAP } });
  });

  afterAll(async () => {
    await capped?.close();
    removeDataDir(cappedDir);
  });

  it('are closed at once past the cap, and Airlock serves again when they go', async () => {
    const { token } = await apiCall(capped, 'grants.add', { name: 'after' });
    const hogs: net.Socket[] = [];
    let refused = 0;
    for (let i = 0; i < CAP + 4; i++) {
      const socket = net.connect(capped.port, '127.0.0.1');
      socket.on('error', () => {});
      hogs.push(socket);
      let bytes = 0;
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
      // Closed by Airlock without a byte of answer: refused. The others wait for their headers.
      socket.on('close', () => bytes === 0 && refused++);
    }
    // The app API call above may keep a connection too, so at least 4 go.
    await vi.waitFor(() => expect(refused).toBeGreaterThanOrEqual(4), {
      timeout: 5000,
      interval: 20,
    });
    expect(log.lines.some((l) => /refusing new connections/.test(l.message))).toBe(true);

    for (const socket of hogs) socket.destroy();
    // Airlock notices the closed sockets a moment later; then a call gets through again.
    const answer = await vi.waitFor(
      () =>
        send(
          {
            path: '/mcp/meatspace',
            headers: mcpHeaders(token),
            body: INITIALIZE_REQUEST,
          },
          capped.port,
        ),
      { timeout: 5000, interval: 50 },
    );
    expect(answer.status).toBe(200);
  });
});
