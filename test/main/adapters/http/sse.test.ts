// Server-Sent Events as Airlock writes them: the frames a reader splits on, and the stream's head.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sseComment, sseEvent, startEventStream } from '../../../../src/main/adapters/http/sse';

describe('sse framing', () => {
  it('frames an event with its name and data, and its id when given', () => {
    expect(sseEvent('message', '{"a":1}')).toBe('event: message\ndata: {"a":1}\n\n');
    expect(sseEvent('calls.changed', '{}', 7)).toBe('id: 7\nevent: calls.changed\ndata: {}\n\n');
  });

  it('writes comments that readers skip', () => {
    expect(sseComment('ping')).toBe(': ping\n\n');
  });

  it('opens a stream that is not cached, with the caller headers added or replacing the defaults', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/plain') startEventStream(res, { 'mcp-session-id': 's1' });
      else startEventStream(res, { 'cache-control': 'no-cache, no-store' });
      res.end(sseEvent('message', '1'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const plain = await fetch(`${base}/plain`);
      expect(plain.status).toBe(200);
      expect(plain.headers.get('content-type')).toBe('text/event-stream');
      expect(plain.headers.get('cache-control')).toBe('no-cache');
      expect(plain.headers.get('mcp-session-id')).toBe('s1');
      expect(await plain.text()).toBe('event: message\ndata: 1\n\n');
      const stored = await fetch(`${base}/ui`);
      expect(stored.headers.get('cache-control')).toBe('no-cache, no-store');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
