// The Streamable HTTP channel keeps the channel contract, "send never throws", even when Node
// refuses to make the request at all: its callers include timers and promise callbacks, where a
// throw would end Airlock. And it holds its server stream only while the client holds its own.
import { afterEach, describe, expect, it, vi } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonRpcMessage } from '../../../../src/main/adapters/mcp/json-rpc';
import { HttpChannel } from '../../../../src/main/adapters/mcp/upstream/http-channel';
import { silentLogger } from '../../../../src/main/core/ports';

describe('HttpChannel', () => {
  it('answers a request Node refuses to send with an error instead of throwing', () => {
    const received: JsonRpcMessage[] = [];
    const channel = new HttpChannel(
      {
        // A header value Node will not put on the wire: http.request throws at once.
        server: {
          id: 'odd',
          transport: 'http',
          url: 'http://127.0.0.1:9/mcp',
          headers: { 'x-odd': 'caf\u0100' },
        },
        logger: silentLogger,
        agent: new http.Agent(),
      },
      {
        message: (message) => received.push(message),
        refused: () => {},
        lost: () => {},
      },
    );
    expect(() =>
      channel.send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }, {}),
    ).not.toThrow();
    expect(received).toEqual([
      {
        jsonrpc: '2.0',
        id: 1,
        error: {
          code: -32002,
          message: expect.stringMatching(/^Upstream server "odd" could not be sent a message/),
        },
      },
    ]);
  });

  it('closes its GET stream when the client closes its own, so the shared pool gets the socket back', async () => {
    const streams: http.IncomingMessage[] = [];
    const server = http.createServer((req, res) => {
      if (req.method === 'GET') {
        streams.push(req);
        res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': open\n\n');
        return;
      }
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's-1' });
        res.end('{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18"}}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const answered: JsonRpcMessage[] = [];
    const channel = new HttpChannel(
      {
        server: { id: 'up', transport: 'http', url: `http://127.0.0.1:${port}/mcp`, headers: {} },
        logger: silentLogger,
        agent: new http.Agent({ keepAlive: true }),
      },
      { message: (message) => answered.push(message), refused: () => {}, lost: () => {} },
    );
    cleanups.push(() => channel.close());
    channel.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, {});
    await vi.waitFor(() => expect(answered).toHaveLength(1));
    channel.openServerStream();
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    const closed = new Promise<void>((resolve) =>
      streams[0]!.socket.once('close', () => resolve()),
    );
    channel.closeServerStream();
    await closed;
    expect(streams).toHaveLength(1);
  });
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
