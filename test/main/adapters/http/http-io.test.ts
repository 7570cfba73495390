// The HTTP pieces the MCP endpoint and the UI's API share: JSON answers, capped body reading over a
// real socket, and reading the Bearer token (anything that is not exactly one token is no token).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  bearerToken,
  JSON_SLICE_CHARS,
  readBody,
  sendJson,
  sendJsonInSlices,
} from '../../../../src/main/adapters/http/http-io';
import { JsonStringBytes } from '../../../../src/main/core/history/json-string-bytes';

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

describe('sendJsonInSlices', () => {
  /** Listeners on each answer's response once it was sent, beyond those it started with. */
  const leftListeners: number[] = [];
  const listeners = (res: ServerResponse) =>
    res.listenerCount('drain') + res.listenerCount('close') + res.listenerCount('error');

  /** A listener on port 0 that answers every request with `body`. */
  async function answering(body: unknown): Promise<string> {
    server = http.createServer((_req, res) => {
      const before = listeners(res);
      void sendJsonInSlices(res, 200, body).then(() => leftListeners.push(listeners(res) - before));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`;
  }

  /** The longest text JSON.stringify was handed at once while `run` ran, in characters. */
  async function longestEncoded(run: () => Promise<void>): Promise<number> {
    const stringify = JSON.stringify;
    let longest = 0;
    const size = (value: unknown): number =>
      typeof value === 'string'
        ? value.length
        : value !== null && typeof value === 'object'
          ? Object.values(value).reduce<number>((sum, v) => sum + size(v), 0)
          : 0;
    const spy = vi.spyOn(JSON, 'stringify').mockImplementation((value, ...rest) => {
      longest = Math.max(longest, size(value));
      return stringify(value, ...(rest as [undefined]));
    });
    try {
      await run();
    } finally {
      spy.mockRestore();
    }
    return longest;
  }

  it('sends a long text whole, every character as it was, never encoding more than a slice at once', async () => {
    // Quotes, a backslash, a line end and U+2028, then an emoji whose two halves fall on either
    // side of a slice boundary.
    const unit = 'a"b\\c\nd\u2028e\u{1F600}';
    let text = '';
    while (text.length < 3 * JSON_SLICE_CHARS) {
      text += 'x'.repeat(JSON_SLICE_CHARS - 10 - (text.length % JSON_SLICE_CHARS)) + unit;
    }
    expect(text.charCodeAt(JSON_SLICE_CHARS - 1)).toBe(0xd83d);
    const body = { filename: 'calls.jsonl', text, rows: 3, truncated: false };
    const url = await answering(body);
    let received: unknown;
    let contentType: string | null = null;
    const longest = await longestEncoded(async () => {
      const response = await fetch(url);
      contentType = response.headers.get('content-type');
      received = JSON.parse(await response.text());
    });
    expect(contentType).toBe('application/json');
    expect(received).toEqual(body);
    // The whole answer encoded in one go holds the proxy's thread for as long as that takes.
    expect(longest).toBeLessThanOrEqual(JSON_SLICE_CHARS);
    // Waiting for the socket to drain, slice after slice, leaves no listener behind.
    await vi.waitFor(() => expect(leftListeners).toEqual([0]));
  });

  it('sends a text given as JsonStringBytes from its bytes, a slice at a time, every character kept', async () => {
    // Multi-byte characters all through, so byte slices cut characters in two.
    const text = 'é"\\\n\u2028😀'.repeat(120_000);
    const body = { filename: 'calls.jsonl', content: JsonStringBytes.encode(text), rows: 9 };
    expect(body.content.bytes.length).toBeGreaterThan(3 * 256 * 1024);
    const answered = leftListeners.length;
    const url = await answering(body);
    const longest = await longestEncoded(async () => {
      const response = await fetch(url);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(JSON.parse(await response.text())).toEqual({ ...body, content: text });
    });
    // Nothing the size of the text was encoded on this thread: the bytes went out as they were.
    expect(longest).toBeLessThan(1000);
    await vi.waitFor(() => expect(leftListeners.slice(answered)).toEqual([0]));
  });

  it('sends a short answer in one piece with its length', async () => {
    const response = await fetch(await answering({ ok: true, text: 'short' }));
    const text = await response.text();
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(JSON.parse(text)).toEqual({ ok: true, text: 'short' });
  });
});
