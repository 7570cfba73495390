// Upstream servers that crash, hang, freeze or write garbage: the agent gets a clear error in
// bounded time, the server is restarted, and other sessions and servers carry on.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  addGrant,
  connectClient,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  startAirlock,
  textOf,
} from '../helpers/airlock-harness';
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
