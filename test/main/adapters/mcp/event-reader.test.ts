// Reading an upstream's event stream from a real node:http response: an event whose handling
// throws is logged, and the events after it are read as if it had not happened (eventsource-parser
// used to keep its type, so a JSON-RPC message after a failed `endpoint` became an endpoint).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { EventSourceMessage } from 'eventsource-parser';
import { readEvents } from '../../../../src/main/adapters/mcp/upstream/event-reader';
import { recordingLogger } from '../../../helpers/recording-logger';

const MESSAGE = '{"jsonrpc":"2.0","id":1,"result":{}}';

let server: http.Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** An event stream the test writes to by hand, read on the client side. */
async function eventStream(): Promise<{ write(text: string): void; response: IncomingMessage }> {
  let stream!: ServerResponse;
  server = http.createServer((_req, res) => {
    stream = res;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const response = await new Promise<IncomingMessage>((resolve) =>
    http.get(`http://127.0.0.1:${port}/`, resolve),
  );
  return { write: (text) => stream.write(text), response };
}

/** Reads the stream; handling any `endpoint` event throws, as a refused endpoint once did. */
function read(response: IncomingMessage) {
  const log = recordingLogger();
  const events: EventSourceMessage[] = [];
  readEvents(response, {
    maxEventBytes: 1024 * 1024,
    logger: log,
    serverId: 'legacy',
    onEvent: (event) => {
      events.push(event);
      if (event.event === 'endpoint') throw new Error('Protocol "ftp:" not supported');
    },
    onTooLarge: () => {},
  });
  return { events, log };
}

const failing = {
  'one data line': 'event: endpoint\ndata: ftp://127.0.0.1/x\n\n',
  'two data lines': 'event: endpoint\ndata: ftp://127.0.0.1/x\ndata: more\n\n',
};

it.each(Object.entries(failing))(
  'reads a message after an event that threw (%s) as a message, with only its own data',
  async (_kind, thrown) => {
    const { write, response } = await eventStream();
    const { events, log } = read(response);
    write(thrown);
    await expect.poll(() => events.length).toBe(1);
    write(`data: ${MESSAGE}\n\n`);
    await expect.poll(() => events.length).toBe(2);
    expect(events[1]).toMatchObject({ event: undefined, data: MESSAGE });
    expect(log.lines).toEqual([
      {
        level: 'error',
        message: 'upstream legacy: an event could not be handled',
        fields: { error: 'Protocol "ftp:" not supported' },
      },
    ]);
  },
);

it('reads the rest of a chunk after an event in it threw', async () => {
  const { write, response } = await eventStream();
  const { events } = read(response);
  write(`${failing['one data line']}data: ${MESSAGE}\n\nevent: message\ndata: second\n\n`);
  await expect.poll(() => events.length).toBe(3);
  expect(events.slice(1)).toMatchObject([
    { event: undefined, data: MESSAGE },
    { event: 'message', data: 'second' },
  ]);
});
