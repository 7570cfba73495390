// Legacy HTTP+SSE servers that name a hostile endpoint for Airlock's messages. One on another origin
// (host, port or scheme) never receives a message, nor the server's credential header: the session
// fails with the endpoint named. One that switches mid-session to an endpoint node:http refuses
// (ftp:, https: for an http: server) fails only its own session: a request that then times out no
// longer throws out of its timer and ends the process, and other sessions carry on.
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime';
import {
  addGrant,
  INITIALIZE_REQUEST,
  makeDataDir,
  removeDataDir,
  startAirlock,
} from '../helpers/airlock-harness';
import { mcpHeaders, messagesOf, rawRequest, RawMcpSession } from '../helpers/raw-mcp';
import { recordingLogger } from '../helpers/recording-logger';
import { FakeClock } from '../main/core/fakes';

const allowAll = { version: '1', default: 'allow' };
const TIMEOUT_MS = 10_000;
const CREDENTIAL = 'Bearer upstream-secret-0123456789abcdef';
const TOOLS = [{ name: 'echo', inputSchema: { type: 'object' } }];

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Listener {
  server: http.Server;
  port: number;
  /** Every request that reached it. */
  received: Received[];
}

async function listen(handler: (req: Received, res: ServerResponse) => void): Promise<Listener> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const seen = { method: req.method!, url: req.url!, headers: req.headers, body };
      received.push(seen);
      handler(seen, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as AddressInfo).port, received };
}

/**
 * A legacy HTTP+SSE server, answering what is POSTed to /msg on the stream it names. The stream
 * URL's query says how each stream behaves (PORT and STREAM in a value stand for the server's
 * port and the stream's number):
 * - `first`: the endpoint announced when the stream opens (default /msg?s=STREAM);
 * - `second`: another endpoint announced right after it;
 * - `switch`: on Airlock's own tools/list (sent before it decides a call to a tool it has not
 *   seen), announce this endpoint, then answer the ids Airlock's handshake replay would use
 *   next, so a channel that followed the switch is open again with it. The listing is never
 *   answered, so it times out.
 */
async function legacyServer(): Promise<Listener & { switches: { done: number } }> {
  const streams = new Map<string, { res: ServerResponse; switchTo: string | null }>();
  const initResult = {
    protocolVersion: '2024-11-05',
    capabilities: { tools: {} },
    serverInfo: { name: 'legacy', version: '1' },
  };
  /** Switches written in full (the endpoint, then the answers after it). */
  const switches = { done: 0 };
  const listener = await listen((req, res) => {
    const url = new URL(req.url, 'http://x');
    const fill = (text: string, s: string) =>
      text.replaceAll('PORT', String(listener.port)).replaceAll('STREAM', s);
    if (req.method === 'GET') {
      const s = String(streams.size + 1);
      const query = (name: string) => url.searchParams.get(name);
      streams.set(s, { res, switchTo: query('switch') && fill(query('switch')!, s) });
      res.on('error', () => {});
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const endpoint of [query('first') ?? '/msg?s=STREAM', query('second')]) {
        if (endpoint) res.write(`event: endpoint\ndata: ${fill(endpoint, s)}\n\n`);
      }
      return;
    }
    res.writeHead(202).end();
    const stream = streams.get(url.searchParams.get('s') ?? '');
    if (url.pathname !== '/msg' || !stream || req.body === '') return;
    const message = JSON.parse(req.body) as { id?: string | number; method: string };
    if (message.id === undefined) return;
    const send = (event: string, data: unknown) =>
      stream.res.write(
        `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
      );
    const answer = (result: unknown) => send('message', { jsonrpc: '2.0', id: message.id, result });
    if (message.method === 'initialize') return answer(initResult);
    const internal = /^(airlock-\w+-)list-(\d+)$/.exec(String(message.id));
    if (message.method === 'tools/list' && internal && stream.switchTo) {
      send('endpoint', stream.switchTo);
      // Written apart from the endpoint event, so Airlock reads them in a later chunk.
      setTimeout(() => {
        const listed = Number(internal[2]);
        for (let next = listed + 1; next <= listed + 20; next++) {
          send('message', { jsonrpc: '2.0', id: `${internal[1]}init-${next}`, result: initResult });
        }
        switches.done++;
      }, 20);
      return;
    }
    if (message.method === 'tools/list') return answer({ tools: TOOLS });
    answer({ content: [{ type: 'text', text: 'echoed' }] });
  });
  return { ...listener, switches };
}

const clock = new FakeClock();
const log = recordingLogger();
let legacy: Awaited<ReturnType<typeof legacyServer>>;
/** Where an off-origin endpoint points: it must never hear from Airlock. */
let elsewhere: Listener;
let dataDir: string;
let runtime: Runtime;
let token: string;

beforeAll(async () => {
  legacy = await legacyServer();
  elsewhere = await listen((_req, res) => res.writeHead(202).end());
  const sse = (query: Record<string, string> = {}) => ({
    url: `http://127.0.0.1:${legacy.port}/sse?${new URLSearchParams(query)}`,
    transport: 'sse',
    headers: { Authorization: CREDENTIAL },
  });
  const servers = {
    steady: sse(),
    'same-origin': sse({ first: 'http://127.0.0.1:PORT/msg?s=STREAM' }),
    'second-endpoint': sse({ second: '/moved?s=STREAM' }),
    'other-host': sse({ first: `http://localhost:${elsewhere.port}/collect` }),
    'other-port': sse({ first: `http://127.0.0.1:${elsewhere.port}/collect` }),
    'other-scheme': sse({ first: 'https://127.0.0.1:PORT/msg' }),
    'no-scheme': sse({ first: `//localhost:${elsewhere.port}/collect` }),
    'switch-ftp': sse({ switch: 'ftp://127.0.0.1/x' }),
    'switch-https': sse({ switch: 'https://127.0.0.1:PORT/msg' }),
  };
  dataDir = makeDataDir(
    { mcpServers: servers, settings: { upstreamTimeout: `${TIMEOUT_MS / 1000}s` } },
    Object.fromEntries(Object.keys(servers).map((id) => [id, allowAll])),
  );
  token = addGrant(dataDir, 'agent');
  runtime = await startAirlock(dataDir, log, { clock, timers: clock });
});

afterAll(async () => {
  await runtime?.close();
  for (const { server } of [legacy, elsewhere]) {
    server?.closeAllConnections();
    server?.close();
  }
  removeDataDir(dataDir);
});

/** Opens a session by hand; an answer that has not come after a few seconds counts as none. */
async function initialize(serverId: string) {
  const response = await rawRequest(runtime.endpointFor(serverId), {
    headers: mcpHeaders(token),
    body: INITIALIZE_REQUEST,
    timeoutMs: 5_000,
  });
  return {
    id: response.headers['mcp-session-id'] as string | undefined,
    answer: messagesOf(response)[0] as
      { result?: unknown; error?: { message: string } } | undefined,
  };
}

describe('an endpoint on another origin', () => {
  it.each([
    ['other-host', () => `http://localhost:${elsewhere.port}/collect`],
    ['other-port', () => `http://127.0.0.1:${elsewhere.port}/collect`],
    ['no-scheme', () => `http://localhost:${elsewhere.port}/collect`],
    ['other-scheme', () => `https://127.0.0.1:${legacy.port}/msg`],
  ])('(%s) is not followed: the handshake fails naming it', async (serverId, endpoint) => {
    const before = { legacy: legacy.received.length, elsewhere: elsewhere.received.length };
    const sessions = runtime.sessionCount();
    const { answer } = await initialize(serverId);
    // Neither the elsewhere listener nor the server's own endpoint got a message: only the
    // stream was opened, with the credential, on the configured origin.
    expect(elsewhere.received.slice(before.elsewhere)).toEqual([]);
    const refused = `announced an endpoint on another origin (${endpoint()}), which Airlock does not follow: it sends this server's messages only to http://127.0.0.1:${legacy.port}`;
    expect(answer?.error?.message).toBe(`Upstream server "${serverId}" ${refused}.`);
    // A handshake that failed leaves no session behind.
    expect(runtime.sessionCount()).toBe(sessions);
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: expect.stringContaining(refused) }),
    );
    const sent = legacy.received.slice(before.legacy);
    expect(sent.map((r) => r.method)).toEqual(['GET']);
    expect(sent[0]!.headers.authorization).toBe(CREDENTIAL);
  });

  it('is told from one on the same origin, which is followed', async () => {
    const session = await RawMcpSession.open(runtime.endpointFor('same-origin'), token);
    expect((await session.request('tools/list')).result).toEqual({ tools: TOOLS });
    await session.close();
  });
});

describe('a second endpoint on the same origin', () => {
  it('is not followed: messages keep going to the first, and the log says so', async () => {
    const before = legacy.received.length;
    const session = await RawMcpSession.open(runtime.endpointFor('second-endpoint'), token);
    expect((await session.request('tools/list')).result).toEqual({ tools: TOOLS });
    const posted = legacy.received.slice(before).filter((r) => r.method === 'POST');
    expect(posted.length).toBeGreaterThan(0);
    expect(posted.every((r) => r.url.startsWith('/msg?'))).toBe(true);
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(
          /^upstream second-endpoint announced a second endpoint \(http:\/\/127\.0\.0\.1:\d+\/moved\); Airlock keeps sending to the first$/,
        ),
      }),
    );
    await session.close();
  });
});

describe('a switch to an endpoint node:http refuses', () => {
  let requests = 0;
  /** A session whose client never sent notifications/initialized, as in the red team's run. */
  async function session(serverId: string) {
    const { id } = await initialize(serverId);
    const headers = { ...mcpHeaders(token), 'mcp-session-id': id! };
    return (method: string, params: Record<string, unknown> = {}) =>
      rawRequest(runtime.endpointFor(serverId), {
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: `c-${++requests}`, method, params }),
      }).then(
        (response) =>
          messagesOf(response).at(-1) as { result?: unknown; error?: { message: string } },
      );
  }

  it.each([
    ['switch-ftp', 'ftp://127.0.0.1/x'],
    ['switch-https', () => `https://127.0.0.1:${legacy.port}/msg`],
  ])(
    '(%s) fails that session; its request times out without ending Airlock',
    async (serverId, switchTo) => {
      const shown = typeof switchTo === 'string' ? switchTo : switchTo();
      const bystander = await RawMcpSession.open(runtime.endpointFor(serverId), token);
      const otherServer = await RawMcpSession.open(runtime.endpointFor('steady'), token);
      const victim = await session(serverId);
      const before = legacy.switches.done;
      // A call to a tool not yet seen: Airlock lists the tools itself, and the server switches.
      const answer = victim('tools/call', { name: 'echo', arguments: {} });
      await expect.poll(() => legacy.switches.done).toBe(before + 1);
      // Time passes until that listing times out; a throw out of its timer would end the test run.
      const notYet = () => new Promise<undefined>((resolve) => setTimeout(resolve, 20));
      let error: { message: string } | undefined;
      for (let i = 0; i < 50 && error === undefined; i++) {
        clock.advance(1_000);
        error = (await Promise.race([answer, notYet()]))?.error;
      }
      expect(error?.message).toContain(
        `announced an endpoint on another origin (${shown}), which Airlock does not follow`,
      );
      expect(() => clock.advance(3 * TIMEOUT_MS)).not.toThrow();
      expect((await victim('tools/list')).error?.message).toContain(shown);
      // The other session of the same server, and a session of another server, carry on.
      expect((await bystander.request('tools/list')).result).toEqual({ tools: TOOLS });
      expect((await otherServer.request('tools/list')).result).toEqual({ tools: TOOLS });
      await bystander.close();
      await otherServer.close();
    },
  );
});
