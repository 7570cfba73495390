// Upstream servers that crash, hang, freeze, write garbage, answer under the wrong id, flood stderr or
// send messages too large to hold: the agent gets a clear error in bounded time, the server is
// restarted when it must be, and other sessions and servers carry on.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  addGrant,
  apiCall,
  connectClient,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  startAirlock,
  textOf,
} from '../helpers/airlock-harness';
import { startHostileAirlock, type HostileAirlock } from '../helpers/hostile-upstream';
import { HOSTILE_KEY } from '../fixtures/hostile-server';
import { recordingLogger } from '../helpers/recording-logger';
import { RawMcpSession } from '../helpers/raw-mcp';
import type { Runtime } from '../../src/main/runtime';

const allowAll = { version: '1', default: 'allow' };

let dataDir: string;
let runtime: Runtime;
let token: string;
let garbageHttp: http.Server;
const markerDir = mkdtempSync(join(tmpdir(), 'airlock-faulty-'));
let silentHttp: http.Server;
const openClients: Client[] = [];

async function listen(
  handler: http.RequestListener,
): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` };
}

async function client(serverId: string): Promise<Client> {
  const connected = await connectClient(runtime, serverId, token);
  openClients.push(connected);
  return connected;
}

async function timed<T>(
  work: Promise<T>,
): Promise<{ error: { code?: number; message: string }; ms: number }> {
  const started = Date.now();
  try {
    await work;
  } catch (error) {
    return { error: error as { code?: number; message: string }, ms: Date.now() - started };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  const garbage = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>definitely not MCP</html>');
  });
  garbageHttp = garbage.server;
  // Accepts requests and never answers them.
  const silent = await listen(() => {});
  silentHttp = silent.server;
  const closedPort = await listen(() => {});
  await new Promise<void>((resolve) => closedPort.server.close(() => resolve()));

  dataDir = makeDataDir(
    {
      mcpServers: {
        faulty: fixtureCommand('faulty-server.ts'),
        'hangs-after-restart': {
          ...fixtureCommand('faulty-server.ts'),
          env: { FAULTY_HANG_EVERY_OTHER_START_FILE: join(markerDir, 'started') },
        },
        'crashes-on-start': {
          ...fixtureCommand('faulty-server.ts'),
          env: { FAULTY_CRASH_ON_START: '1' },
        },
        'garbage-http': { url: garbage.url },
        'silent-http': { url: silent.url },
        'down-http': { url: closedPort.url },
      },
      settings: { upstreamTimeout: '3s' },
    },
    {
      'hangs-after-restart': allowAll,
      faulty: allowAll,
      'crashes-on-start': allowAll,
      'garbage-http': allowAll,
      'silent-http': allowAll,
      'down-http': allowAll,
    },
  );
  token = addGrant(dataDir, 'agent');
  runtime = await startAirlock(dataDir);
});

afterAll(async () => {
  await Promise.all(openClients.map((c) => c.close().catch(() => {})));
  await runtime?.close();
  garbageHttp?.closeAllConnections();
  garbageHttp?.close();
  silentHttp?.closeAllConnections();
  silentHttp?.close();
  removeDataDir(dataDir);
  rmSync(markerDir, { recursive: true, force: true });
});

describe('a stdio server', () => {
  it('that crashes gives the agent an immediate error, then is restarted and the session goes on', async () => {
    const agent = await client('faulty');
    const { error, ms } = await timed(agent.callTool({ name: 'crash', arguments: {} }));
    expect(error.message).toMatch(/Upstream server "faulty" exited with code 3/);
    expect(ms).toBeLessThan(1000);
    await expect
      .poll(
        async () =>
          textOf(
            await agent.callTool({ name: 'echo', arguments: { text: 'back' } }).catch(() => ({})),
          ),
        {
          timeout: 10_000,
          interval: 200,
        },
      )
      .toBe('back');
  });

  it('that hangs on one call times that call out and stays up for the next', async () => {
    const agent = await client('faulty');
    const bystander = await client('faulty');
    const hung = timed(agent.callTool({ name: 'hang', arguments: {} }));
    // Another session of the same server is not held up meanwhile.
    expect(
      textOf(await bystander.callTool({ name: 'echo', arguments: { text: 'unaffected' } })),
    ).toBe('unaffected');
    const { error, ms } = await hung;
    expect(error.code).toBe(-32001);
    expect(error.message).toMatch(/did not answer tools\/call within 3 s/);
    expect(ms).toBeLessThan(5000);
    expect(textOf(await agent.callTool({ name: 'echo', arguments: { text: 'next' } }))).toBe(
      'next',
    );
  });

  it('that freezes is detected by ping, killed and restarted', async () => {
    const agent = await client('faulty');
    const { error } = await timed(agent.callTool({ name: 'freeze', arguments: {} }));
    expect(error.code).toBe(-32001);
    await expect
      .poll(
        async () =>
          textOf(
            await agent.callTool({ name: 'echo', arguments: { text: 'thawed' } }).catch(() => ({})),
          ),
        {
          timeout: 15_000,
          interval: 250,
        },
      )
      .toBe('thawed');
  });

  it('that writes garbage gives a clear timeout and the session stays usable', async () => {
    const agent = await client('faulty');
    const { error } = await timed(agent.callTool({ name: 'garbage', arguments: {} }));
    expect(error.message).toMatch(/did not answer/);
    expect(textOf(await agent.callTool({ name: 'echo', arguments: { text: 'fine' } }))).toBe(
      'fine',
    );
  });

  it('that hangs in its handshake after a restart is killed and started again', async () => {
    const agent = await client('hangs-after-restart');
    await timed(agent.callTool({ name: 'crash', arguments: {} }));
    // The restarted process never answers the replayed handshake; after a request timeout
    // Airlock kills it, and the next start serves again.
    await expect
      .poll(
        async () =>
          textOf(
            await agent
              .callTool({ name: 'echo', arguments: { text: 'unstuck' } })
              .catch(() => ({})),
          ),
        { timeout: 15_000, interval: 250 },
      )
      .toBe('unstuck');
  });

  it('that exits at start fails the handshake with the reason instead of hanging', async () => {
    const before = runtime.sessionCount();
    const { error, ms } = await timed(client('crashes-on-start'));
    expect(error.message).toMatch(/exited with code 3/);
    expect(ms).toBeLessThan(5000);
    // No session (and no process being restarted) is left behind for a failed handshake.
    expect(runtime.sessionCount()).toBe(before);
  });
});

describe('an HTTP server', () => {
  it('that answers with something other than JSON-RPC gives a clear error', async () => {
    const { error } = await timed(client('garbage-http'));
    expect(error.message).toMatch(/not JSON-RPC/);
  });

  it('that never answers times out within the configured limit', async () => {
    const { error, ms } = await timed(client('silent-http'));
    expect(error.message).toMatch(/did not answer initialize within 3 s/);
    expect(ms).toBeLessThan(5000);
  });

  it('that is down gives an immediate, clear error', async () => {
    const { error, ms } = await timed(client('down-http'));
    expect(error.message).toMatch(/could not be reached .*ECONNREFUSED/);
    expect(ms).toBeLessThan(1000);
  });

  it('that fails leaves the other servers working', async () => {
    const agent = await client('faulty');
    expect(textOf(await agent.callTool({ name: 'echo', arguments: { text: 'ok' } }))).toBe('ok');
  });
});

describe('a stdio server that misbehaves on purpose', () => {
  const log = recordingLogger();
  let hostile: HostileAirlock;
  let session: RawMcpSession;
  const call = (name: string, args: Record<string, unknown> = {}) =>
    session.request('tools/call', { name, arguments: args });

  beforeAll(async () => {
    hostile = await startHostileAirlock({ policy: allowAll, logger: log });
    session = await RawMcpSession.open(hostile.endpoint, hostile.token);
  });

  afterAll(async () => {
    await session?.close();
    await hostile?.close();
  });

  it('with a 100 MB result fails that call clearly, and the session goes on', async () => {
    const big = await call('big', { mb: 100 });
    expect(big.error?.message).toMatch(
      /sent a message of 100 MB or more, over the 16 MB limit \(settings\.maxMessageBytes\)/,
    );
    expect((await call('echo', { text: 'after' })).result).toBeDefined();
    const [row] = (await apiCallHistory(hostile, 'big')).calls;
    expect(row).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/maxMessageBytes/),
    });
  });

  it('with bytes that are not UTF-8 relays the text with replacement characters', async () => {
    const answer = await call('invalid_utf8');
    expect(JSON.stringify(answer.result)).toContain('bad \uFFFD');
  });

  it('answering under an id nobody used, or twice, gives the caller one answer, its own', async () => {
    const stray = await call('unknown_id');
    expect(JSON.stringify(stray.result)).toContain('after an answer under an unknown id');
    const twice = await call('twice');
    expect(JSON.stringify(twice.result)).toContain('first answer');
    expect((await call('echo', { text: 'still fine' })).result).toBeDefined();
  });

  it('flooding stderr fills no more than a few log lines a second', async () => {
    const before = log.lines.length;
    const answer = await call('stderr_flood', { lines: 20_000 });
    expect(answer.result).toBeDefined();
    await session.request('ping');
    const stderrLines = log.lines.slice(before).filter((line) => line.message.includes('stderr'));
    expect(stderrLines.length).toBeLessThan(200);
  });

  it('keeps no key written with a JSON escape in a result over 256 KB out of the history', async () => {
    const answer = await call('escaped_key');
    // The agent gets the real key; the history keeps it redacted.
    expect(JSON.stringify(answer.result)).toContain(HOSTILE_KEY);
    const [row] = (await apiCallHistory(hostile, 'escaped_key')).calls;
    expect(row?.result).toContain('your key: [redacted');
    expect(row?.result).not.toContain(HOSTILE_KEY.slice(5));
    expect(row?.resultTruncated).toBe(true);
  });
});

function apiCallHistory(airlock: HostileAirlock, tool: string) {
  return apiCall(airlock.runtime, 'history.query', { server: 'hostile', tool });
}

describe('an HTTP server sending a message over settings.maxMessageBytes', () => {
  const LIMIT = 1024 * 1024;
  const TOOLS = [
    { name: 'big_json', inputSchema: { type: 'object' } },
    { name: 'big_event', inputSchema: { type: 'object' } },
    { name: 'small', inputSchema: { type: 'object' } },
  ];
  let streamable: http.Server;
  let legacy: http.Server;
  let airlock: Runtime;
  let dir: string;
  let agentToken: string;

  /** A result whose text makes the message about `bytes` long. */
  const resultOf = (id: unknown, bytes: number) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      result: { content: [{ type: 'text', text: 'z'.repeat(bytes) }] },
    });

  function answer(message: { id?: unknown; method?: string; params?: { name?: string } }) {
    if (message.method === 'initialize') {
      return JSON.stringify({
        jsonrpc: '2.0',
        id: message.id,
        result: {
          protocolVersion: '2024-11-05',
          capabilities: { tools: {} },
          serverInfo: { name: 'big', version: '1' },
        },
      });
    }
    if (message.method === 'tools/list') {
      return JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { tools: TOOLS } });
    }
    return resultOf(message.id, message.params?.name === 'small' ? 10 : 3 * LIMIT);
  }

  function body(req: http.IncomingMessage): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString() || '{}')));
    });
  }

  beforeAll(async () => {
    // Streamable HTTP: big_json answers with a JSON body, big_event with one SSE event.
    streamable = (
      await listen(async (req, res) => {
        if (req.method !== 'POST') return void res.writeHead(405).end();
        const message = (await body(req)) as { id?: unknown; params?: { name?: string } };
        if (message.id === undefined) return void res.writeHead(202).end();
        if (message.params?.name === 'big_event') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          return void res.end(`event: message\ndata: ${answer(message)}\n\n`);
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(answer(message));
      })
    ).server;
    // Legacy HTTP+SSE: one event stream carries every answer.
    let stream: http.ServerResponse | undefined;
    legacy = (
      await listen(async (req, res) => {
        if (req.method === 'GET') {
          stream = res;
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          return void res.write('event: endpoint\ndata: /messages\n\n');
        }
        const message = await body(req);
        res.writeHead(202).end();
        if (message.id !== undefined) stream?.write(`event: message\ndata: ${answer(message)}\n\n`);
      })
    ).server;
    const base = (server: http.Server) =>
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = makeDataDir(
      {
        mcpServers: {
          streamable: { url: `${base(streamable)}/mcp` },
          legacy: { url: `${base(legacy)}/sse`, transport: 'sse' },
        },
        settings: { maxMessageBytes: LIMIT },
      },
      { streamable: allowAll, legacy: allowAll },
    );
    agentToken = addGrant(dir, 'agent');
    airlock = await startAirlock(dir);
  });

  afterAll(async () => {
    await airlock?.close();
    for (const server of [streamable, legacy]) {
      server?.closeAllConnections();
      server?.close();
    }
    removeDataDir(dir);
  });

  // The size is what had arrived when the limit was passed, so it depends on how the bytes came
  // in chunks: at least the limit, never less.
  const tooLarge =
    /sent a message of 1\.\d MB or more, over the 1\.0 MB limit \(settings\.maxMessageBytes\)/;

  it.each(['big_json', 'big_event'])('fails %s clearly, and the session goes on', async (tool) => {
    const session = await RawMcpSession.open(airlock.endpointFor('streamable'), agentToken);
    const big = await session.request('tools/call', { name: tool, arguments: {} });
    expect(big.error?.message).toMatch(tooLarge);
    const small = await session.request('tools/call', { name: 'small', arguments: {} });
    expect(small.result).toBeDefined();
    await session.close();
  });

  it('on the legacy transport drops the stream: the call fails clearly and the session reconnects', async () => {
    const session = await RawMcpSession.open(airlock.endpointFor('legacy'), agentToken);
    const big = await session.request('tools/call', { name: 'big_json', arguments: {} });
    expect(big.error?.message).toMatch(tooLarge);
    await expect
      .poll(
        async () => (await session.request('tools/call', { name: 'small', arguments: {} })).result,
        {
          timeout: 10_000,
        },
      )
      .toBeDefined();
    await session.close();
  });
});
