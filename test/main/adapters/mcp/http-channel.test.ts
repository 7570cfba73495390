// The Streamable HTTP channel keeps the channel contract, "send never throws", even when Node
// refuses to make the request at all: its callers include timers and promise callbacks, where a
// throw would end Airlock.
import { describe, expect, it } from 'vitest';
import http from 'node:http';
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
});
