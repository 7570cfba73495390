// The HTTP pieces the MCP endpoint and the UI's API share: JSON answers, capped body reading over a
// real socket, and reading the Bearer token (anything that is not exactly one token is no token).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bearerToken, readBody, sendJson } from '../../../../src/main/adapters/http/http-io';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def-1', 'abc.def-1'],
    ['bearer abc', 'abc'],
    ['BEARER   abc  ', 'abc'],
  ])('reads the token of %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'Bearer a b',
    'Basic abc',
    'Bearerabc',
    ' Bearer abc',
  ])('finds no token in %j', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A real listener on port 0 whose handler reads each body with a 16-byte cap. */
async function echoServer(): Promise<string> {
  server = http.createServer((req: IncomingMessage, res: ServerResponse) =>
    readBody(
      req,
      res,
      16,
      () => sendJson(res, 413, { error: 'too large' }),
      (body) => sendJson(res, 200, { body }),
    ),
  );
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`;
}

describe('readBody and sendJson', () => {
  it('hands over a body within the cap, multi-byte characters intact, as JSON with its length', async () => {
    const url = await echoServer();
    const response = await fetch(url, { method: 'POST', body: 'héllo ✓' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const text = await response.text();
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(JSON.parse(text)).toEqual({ body: 'héllo ✓' });
  });

  it('refuses a body that announces more than the cap, and closes the connection', async () => {
    const url = await echoServer();
    const response = await fetch(url, { method: 'POST', body: 'x'.repeat(17) });
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ error: 'too large' });
  });

  it('refuses a streamed body once it passes the cap', async () => {
    const url = await echoServer();
    const chunks = ['x'.repeat(10), 'x'.repeat(10)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const response = await fetch(url, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(response.status).toBe(413);
  });
});
