// The endpoint's idle sweep, with time moved by hand: a session nobody has used for the idle
// limit is closed (its upstream channel with it), while one the client keeps busy stays open.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McpEndpoint } from '../../../../src/main/adapters/mcp/mcp-endpoint';
import type { ChannelListener } from '../../../../src/main/adapters/mcp/upstream/channel';
import { silentLogger } from '../../../../src/main/core/ports';
import { FakeClock } from '../../core/fakes';
import { FakeCalls, FakeChannel } from './session-fakes';

const IDLE_MS = 10 * 60_000;

/** A channel whose server answers initialize at once and every other request never. */
class HandshakeChannel extends FakeChannel {
  override send(message: Parameters<FakeChannel['send']>[0], context: object): void {
    super.send(message, context);
    if ('method' in message && message.method === 'initialize' && 'id' in message) {
      const id = message.id;
      queueMicrotask(() => this.answer(id, { protocolVersion: '2025-06-18', capabilities: {} }));
    }
  }
}

let clock: FakeClock;
let channels: HandshakeChannel[];
let endpoint: McpEndpoint;
let server: http.Server;
let url: string;

beforeEach(async () => {
  clock = new FakeClock();
  channels = [];
  endpoint = new McpEndpoint({
    channelFactory: () => (listener: ChannelListener) => {
      const channel = new HandshakeChannel();
      channel.listener = listener;
      channels.push(channel);
      return channel;
    },
    gatekeeper: { isToolVisible: () => true },
    calls: new FakeCalls(),
    maxBodyBytes: 1 << 20,
    timeoutMs: 60 * 60_000,
    logger: silentLogger,
    idleSessionMs: IDLE_MS,
    clock,
    timers: clock,
  });
  server = http.createServer((req, res) => endpoint.handle(req, res, 'files', 'cursor'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp/files`;
});

afterEach(async () => {
  await endpoint.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function post(body: object, sessionId?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function openSession(): Promise<string> {
  const response = await post({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 't', version: '1' },
    },
  });
  expect(response.status).toBe(200);
  await response.text();
  return response.headers.get('mcp-session-id')!;
}

describe('McpEndpoint idle sweep', () => {
  it('closes a session left idle past the limit, and its upstream channel', async () => {
    const id = await openSession();
    expect(endpoint.sessionCount).toBe(1);
    clock.advance(IDLE_MS - 60_000);
    expect(endpoint.sessionCount).toBe(1);
    clock.advance(2 * 60_000);
    expect(endpoint.sessionCount).toBe(0);
    expect(channels[0]!.closed).toBe(true);
    const after = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, id);
    expect(after.status).toBe(404);
  });

  it('keeps a session whose client is waiting on an answer', async () => {
    const id = await openSession();
    const waiting = post({ jsonrpc: '2.0', id: 1, method: 'resources/read' }, id);
    // The request is open once the channel has it.
    while (channels[0]!.sent.length < 2) await new Promise((resolve) => setImmediate(resolve));
    clock.advance(3 * IDLE_MS);
    expect(endpoint.sessionCount).toBe(1);
    channels[0]!.answer(1, { contents: [] });
    expect((await (await waiting).json()) as unknown).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { contents: [] },
    });
  });
});
