// The downstream endpoint's guard rails: grants, DNS-rebinding checks, body caps, malformed
// JSON-RPC and session ownership. Raw HTTP, so each check is seen exactly as a client sees it.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import {
  addGrant,
  makeDataDir,
  INITIALIZE_REQUEST,
  removeDataDir,
  SEED_POLICY_FILE,
  startAirlock,
} from '../helpers/airlock-harness';
import { readFileSync } from 'node:fs';
import type { Runtime } from '../../src/main/runtime';

let upstream: MeatspaceHttp;
let dataDir: string;
let runtime: Runtime;
let alice: string;
let bob: string;
let upstreamRequests = 0;

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(options: {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: runtime.port,
        method: options.method ?? 'POST',
        path: options.path ?? '/mcp/meatspace',
        headers: options.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

const initialize = INITIALIZE_REQUEST;

function mcpHeaders(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...extra,
  };
}

beforeAll(async () => {
  upstream = await startMeatspaceHttp({ onRequest: () => upstreamRequests++ });
  dataDir = makeDataDir(
    { mcpServers: { meatspace: { url: upstream.url } }, settings: { maxBodyBytes: 64 * 1024 } },
    { meatspace: readFileSync(SEED_POLICY_FILE, 'utf8') },
  );
  alice = addGrant(dataDir, 'alice');
  bob = addGrant(dataDir, 'bob');
  runtime = await startAirlock(dataDir);
});

afterAll(async () => {
  await runtime?.close();
  await upstream?.close();
  removeDataDir(dataDir);
});

describe('grants', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer alk_not-a-real-token' }],
    ['a non-Bearer scheme', { authorization: 'Basic YWxpY2U6c2VjcmV0' }],
  ])('answer 401 to %s, revealing nothing and contacting no upstream', async (_label, headers) => {
    const before = upstreamRequests;
    for (const path of ['/mcp/meatspace', '/mcp/no-such-server']) {
      const response = await send({
        path,
        headers: { ...headers, 'content-type': 'application/json' },
        body: initialize,
      });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.body).not.toMatch(/meatspace|no-such-server|provision/);
    }
    expect(upstreamRequests).toBe(before);
  });

  it('answer 404 for a server that is not configured, once authenticated', async () => {
    const response = await send({
      path: '/mcp/no-such-server',
      headers: mcpHeaders(alice),
      body: initialize,
    });
    expect(response.status).toBe(404);
  });
});

describe('DNS rebinding protection', () => {
  it('refuses a foreign Host header with 403', async () => {
    const response = await send({
      headers: mcpHeaders(alice, { host: 'evil.example:80' }),
      body: initialize,
    });
    expect(response.status).toBe(403);
  });

  it('refuses a foreign Origin with 403', async () => {
    const response = await send({
      headers: mcpHeaders(alice, { origin: 'https://evil.example' }),
      body: initialize,
    });
    expect(response.status).toBe(403);
  });

  it('accepts its own origin', async () => {
    const response = await send({
      headers: mcpHeaders(alice, { origin: `http://127.0.0.1:${runtime.port}` }),
      body: initialize,
    });
    expect(response.status).toBe(200);
  });
});

describe('bad input', () => {
  it('answers 413 for a body over the cap, declared up front', async () => {
    const body = Buffer.alloc(65 * 1024, 'a');
    const response = await send({ headers: mcpHeaders(alice), body });
    expect(response.status).toBe(413);
  });

  it('answers 413 for a chunked body that grows over the cap, without reading it all', async () => {
    const response = await new Promise<number>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: runtime.port,
          method: 'POST',
          path: '/mcp/meatspace',
          headers: mcpHeaders(alice),
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error),
      );
      const chunk = Buffer.alloc(16 * 1024, 'b');
      // Far more than the cap; Airlock answers long before this is all sent.
      let sent = 0;
      const pump = () => {
        while (sent < 1024 && request.write(chunk)) sent++;
        if (sent < 1024) request.once('drain', pump);
        else request.end();
      };
      pump();
    });
    expect(response).toBe(413);
  });

  it('answers malformed JSON with a JSON-RPC parse error', async () => {
    const response = await send({
      headers: mcpHeaders(alice),
      body: '{"jsonrpc": "2.0", "id": 1, "method": ',
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe(-32700);
  });

  it('answers something that is not JSON-RPC 2.0 with -32600', async () => {
    const response = await send({ headers: mcpHeaders(alice), body: '{"hello": "world"}' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe(-32600);
  });

  it('refuses batches clearly', async () => {
    const response = await send({ headers: mcpHeaders(alice), body: `[${initialize}]` });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.message).toMatch(/batch/i);
  });

  it('asks for a session on anything but initialize', async () => {
    const response = await send({
      headers: mcpHeaders(alice),
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatch(/Mcp-Session-Id/);
  });
});

describe('sessions', () => {
  it('belong to the grant that opened them', async () => {
    const opened = await send({ headers: mcpHeaders(alice), body: initialize });
    const sessionId = opened.headers['mcp-session-id'] as string;
    expect(sessionId).toBeTruthy();
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });

    const mine = await send({
      headers: mcpHeaders(alice, { 'mcp-session-id': sessionId }),
      body: list,
    });
    expect(mine.status).toBe(200);
    const theirs = await send({
      headers: mcpHeaders(bob, { 'mcp-session-id': sessionId }),
      body: list,
    });
    expect(theirs.status).toBe(404);

    const closed = await send({
      method: 'DELETE',
      headers: mcpHeaders(alice, { 'mcp-session-id': sessionId }),
    });
    expect(closed.status).toBe(200);
    const gone = await send({
      headers: mcpHeaders(alice, { 'mcp-session-id': sessionId }),
      body: list,
    });
    expect(gone.status).toBe(404);
  });

  it('refuse a tools/call whose arguments are not an object', async () => {
    const opened = await send({ headers: mcpHeaders(alice), body: initialize });
    const sessionId = opened.headers['mcp-session-id'] as string;
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'provision_api_key', arguments: ['not', 'an', 'object'] },
    });
    const response = await send({
      headers: mcpHeaders(alice, { 'mcp-session-id': sessionId }),
      body: call,
    });
    expect(JSON.parse(response.body).error.code).toBe(-32602);
  });
});
