// HTTP-based upstreams with state: the everything server over stateful Streamable HTTP (SSE
// responses, its own session, a standalone stream) and over the legacy HTTP+SSE transport.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ListRootsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  addGrant,
  connectClient,
  EVERYTHING_SERVER_ENTRY as everythingEntry,
  makeDataDir,
  removeDataDir,
  startAirlock,
  textOf,
} from '../helpers/airlock-harness';
import type { Runtime } from '../../src/main/runtime';

const children: ChildProcess[] = [];
const running = new Map<string, ChildProcess>();
const ports = new Map<string, number>();
let dataDir: string;
let runtime: Runtime;
let token: string;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts the everything server on a transport and waits until its port accepts connections. */
async function startEverything(
  transport: 'sse' | 'streamableHttp',
  port?: number,
): Promise<number> {
  port ??= await freePort();
  const child = spawn(process.execPath, [everythingEntry, transport], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  children.push(child);
  running.set(transport, child);
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return port;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`everything server (${transport}) did not start`);
}

async function connectWithHandlers(serverId: string): Promise<Client> {
  const client = await connectClient(runtime, serverId, token, {
    capabilities: { sampling: {}, roots: {} },
  });
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    model: 'test-model',
    role: 'assistant',
    content: { type: 'text', text: 'sampled over http' },
  }));
  client.setRequestHandler(ListRootsRequestSchema, async () => ({
    roots: [{ uri: 'file:///r', name: 'http-root' }],
  }));
  return client;
}

beforeAll(async () => {
  const [streamablePort, ssePort] = await Promise.all([
    startEverything('streamableHttp'),
    startEverything('sse'),
  ]);
  ports.set('streamableHttp', streamablePort);
  ports.set('sse', ssePort);
  const allowAll = { version: '1', default: 'allow' };
  dataDir = makeDataDir(
    {
      mcpServers: {
        streamable: { url: `http://127.0.0.1:${streamablePort}/mcp` },
        legacy: { url: `http://127.0.0.1:${ssePort}/sse`, transport: 'sse' },
      },
    },
    { streamable: allowAll, legacy: allowAll },
  );
  token = addGrant(dataDir, 'agent');
  runtime = await startAirlock(dataDir);
}, 30_000);

afterAll(async () => {
  await runtime?.close();
  for (const child of children) child.kill('SIGKILL');
  removeDataDir(dataDir);
});

describe.each(['streamable', 'legacy'])('the everything server over %s HTTP', (serverId) => {
  let client: Client;

  beforeAll(async () => {
    client = await connectWithHandlers(serverId);
  });

  afterAll(async () => {
    await client?.close();
  });

  it('initializes and lists tools, resources and prompts', async () => {
    expect(client.getServerVersion()?.name).toBe('mcp-servers/everything');
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('echo');
    expect((await client.listResources()).resources.length).toBeGreaterThan(0);
    expect((await client.listPrompts()).prompts.length).toBeGreaterThan(0);
  });

  it('calls a tool', async () => {
    expect(
      textOf(await client.callTool({ name: 'echo', arguments: { message: 'over http' } })),
    ).toContain('over http');
  });

  it('relays progress', async () => {
    const progress: number[] = [];
    await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.2, steps: 2 } },
      undefined,
      { onprogress: (event) => progress.push(event.progress) },
    );
    expect(progress).toEqual([1, 2]);
  });

  it('routes a sampling request to this client and the answer back', async () => {
    const result = await client.callTool({
      name: 'trigger-sampling-request',
      arguments: { prompt: 'hi', maxTokens: 5 },
    });
    expect(JSON.stringify(result)).toContain('sampled over http');
  });

  it('routes a roots request to this client', async () => {
    const result = await client.callTool({ name: 'get-roots-list', arguments: {} });
    expect(JSON.stringify(result)).toContain('http-root');
  });
});

describe.each([
  ['streamable', 'streamableHttp'],
  ['legacy', 'sse'],
] as const)('when the %s server restarts', (serverId, transport) => {
  it('Airlock opens a new upstream session and the client carries on in its own', async () => {
    const client = await connectWithHandlers(serverId);
    expect(
      textOf(await client.callTool({ name: 'echo', arguments: { message: 'before' } })),
    ).toContain('before');

    const old = running.get(transport)!;
    const exited = new Promise((resolve) => old.once('exit', resolve));
    old.kill('SIGKILL');
    await exited;
    await startEverything(transport, ports.get(transport));

    await expect
      .poll(
        async () =>
          textOf(
            await client
              .callTool({ name: 'echo', arguments: { message: 'after' } })
              .catch(() => ({})),
          ),
        { timeout: 10_000, interval: 250 },
      )
      .toContain('after');
    await client.close();
  });
});
