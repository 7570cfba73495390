// No text an agent sends can become more than one upstream message, and nothing reaches an
// upstream as a tools/call that Airlock did not decide. A stdio server reads one message per line,
// and JSON allows line breaks between tokens, so forwarding a client's bytes would let a complete
// tools/call ride inside a harmless request on a line of its own. Every text here goes through the
// real endpoint to a real stdio server that records each line it reads.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall } from '../helpers/airlock-harness';
import { fuzzRuns } from '../helpers/fuzz-runs';
import {
  isAirlocksOwn,
  startHostileAirlock,
  type HostileAirlock,
} from '../helpers/hostile-upstream';
import { messagesOf, RawMcpSession } from '../helpers/raw-mcp';

const ALLOWED_TOOLS = ['echo', 'crash'];
/** `crash` is allowed only for the test that needs a restart, so the property's texts cannot stop the server. */
function policy(tools: string[]) {
  return {
    version: '1',
    default: 'deny',
    tools: Object.fromEntries(tools.map((tool) => [tool, { action: 'allow' }])),
  };
}

let airlock: HostileAirlock;

async function allowedCallsInHistory(): Promise<number> {
  let count = 0;
  for (const tool of ALLOWED_TOOLS) {
    const page = await apiCall(airlock.runtime, 'history.query', {
      server: 'hostile',
      tool,
      decision: 'allow',
      limit: 500,
    });
    count += page.calls.length;
  }
  return count;
}

beforeAll(async () => {
  airlock = await startHostileAirlock({ policy: policy(['echo']) });
});

afterAll(async () => {
  await airlock?.close();
});

const smuggledCall = fc
  .record({
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 })),
    name: fc.constantFrom('provision_api_key', 'echo', 'crash', 'deep'),
    args: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 3,
    }),
  })
  .map(({ id, name, args }) =>
    JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
  );

/** Whatever a line reader somewhere might split on. */
const lineBreak = fc.constantFrom(
  '\n',
  '\r\n',
  '\r',
  '\n\n',
  ' \n\t',
  '\u2028',
  '\u2029',
  '\u0085',
);

/** A harmless message with complete tools/calls on lines of their own inside it. */
const smuggling = fc
  .record({
    method: fc.constantFrom(
      'ping',
      'resources/list',
      'prompts/get',
      'custom/method',
      'initialize',
      'notifications/initialized',
      'notifications/message',
      'notifications/cancelled',
    ),
    notification: fc.boolean(),
    id: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant(99)),
    cargo: fc.array(fc.tuple(lineBreak, smuggledCall, lineBreak), { minLength: 1, maxLength: 3 }),
    place: fc.constantFrom('value', 'array', 'nested', 'first'),
  })
  .map(({ method, notification, id, cargo, place }) => {
    const lines = cargo.map(([before, call, after]) => `${before}${call}${after}`);
    const params =
      place === 'array'
        ? `{"items":[${lines.join(',')}]}`
        : place === 'nested'
          ? `{"a":{"b":{"c":${lines.join(',"d":')}}}}`
          : place === 'first'
            ? `{${lines.map((line, i) => `"k${i}":${line}`).join(',')}}`
            : `{"x":${lines[0]}}`;
    const head = notification ? '' : `"id":${id},`;
    return `{"jsonrpc":"2.0",${head}"method":"${method}","params":${params}}`;
  });

/** Any JSON value, pretty-printed with line breaks for indentation, as a request's params. */
const prettyPrinted = fc
  .tuple(
    fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
    fc.constantFrom('\n', '\r\n', '\r', '\u2028'),
    fc.constantFrom('ping', 'tools/list', 'tools/call', 'notifications/progress'),
  )
  .map(([params, indent, method]) =>
    JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }, null, indent),
  );

/** Text that need not even be JSON: fragments of messages, line breaks and noise. */
const noise = fc
  .array(
    fc.oneof(
      smuggledCall,
      lineBreak,
      fc.string({ maxLength: 20 }),
      fc.constantFrom(
        '{',
        '}',
        '[',
        ']',
        ',',
        ':',
        '"',
        '{"jsonrpc":"2.0",',
        '"method":"tools/call"',
      ),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

describe('a stdio upstream', () => {
  it('reads at most one message per text an agent sends, and no tools/call that was not decided', async () => {
    const session = await RawMcpSession.open(airlock.endpoint, airlock.token);
    // Once a ping is answered, the server has read the handshake's last notification too.
    await session.request('ping');
    let barrier = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(smuggling, prettyPrinted, noise), async (text) => {
        const before = airlock.upstreamLines().length;
        // The answer does not matter here (a server that read half a message never gives one).
        await session.post(text, { timeoutMs: 2000 });
        // Ordered behind the text on the same pipe: once the server answered it, it has read
        // every line the text became.
        const marker = `barrier-${++barrier}`;
        const answer = await session.request('ping', {}, marker);
        expect(answer).toMatchObject({ result: {} });
        const lines = airlock
          .upstreamLines()
          .slice(before)
          .filter((line) => line.message?.id !== marker && !isAirlocksOwn(line));
        expect(lines.length).toBeLessThanOrEqual(1);
        for (const line of lines) expect(line.text).not.toMatch(/[\r\u2028\u2029\u0085]/);
        expect(airlock.toolCallsUpstream().every((name) => ALLOWED_TOOLS.includes(name))).toBe(
          true,
        );
      }),
      { numRuns: fuzzRuns(120) },
    );
    // Every tools/call the server read is one Airlock decided and recorded as allowed.
    expect(airlock.toolCallsUpstream().length).toBe(await allowedCallsInHistory());
    await session.close();
  });

  it('replays an initialize after a restart as the one message it was', async () => {
    const smuggled = `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"provision_api_key","arguments":{"name":"x","email":"a@example.com"}}}`;
    const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":\n${smuggled}\n,"version":"1"}}}`;
    await apiCall(airlock.runtime, 'policies.save', {
      server: 'hostile',
      text: JSON.stringify(policy(ALLOWED_TOOLS)),
    });
    const session = await RawMcpSession.open(airlock.endpoint, airlock.token, initialize);
    const crash = await session.request('tools/call', { name: 'crash', arguments: {} });
    expect(crash.error?.message).toMatch(/exited with code 3/);
    // The process is started again and the handshake replayed under an id of Airlock's own.
    const replays = () =>
      airlock
        .upstreamLines()
        .filter((line) => line.message?.method === 'initialize' && isAirlocksOwn(line));
    await expect.poll(() => replays().length, { timeout: 10_000 }).toBeGreaterThan(0);
    const answer = await session.request('tools/call', { name: 'echo', arguments: { text: 'hi' } });
    expect(answer.result).toBeDefined();
    expect(airlock.toolCallsUpstream()).not.toContain('provision_api_key');
    for (const line of airlock.upstreamLines()) expect(line.message).toBeDefined();
    await session.close();
  });
});

describe('an HTTP upstream', () => {
  it('receives each message as Airlock read it, whatever duplicate keys the agent wrote', async () => {
    const bodies: string[] = [];
    const upstream = http.createServer((req, res) => {
      if (req.method !== 'POST')
        return void res.writeHead(req.method === 'DELETE' ? 200 : 405).end();
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        bodies.push(body);
        const message = JSON.parse(body) as { id?: unknown; method?: string };
        if (message.id === undefined) return void res.writeHead(202).end();
        const result =
          message.method === 'initialize'
            ? {
                protocolVersion: '2025-06-18',
                capabilities: { tools: {} },
                serverInfo: { name: 'h', version: '1' },
              }
            : message.method === 'tools/list'
              ? { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] }
              : {};
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`;
    await apiCall(airlock.runtime, 'servers.add', { id: 'plain', config: { url } });
    try {
      const session = await RawMcpSession.open(airlock.runtime.endpointFor('plain'), airlock.token);
      // JSON.parse keeps the last of two equal keys; a server that kept the first would have
      // read a tools/call that was never decided.
      const twoMethods = `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo"},"method":"ping"}`;
      const response = await session.post(twoMethods);
      expect(messagesOf(response)[0]).toMatchObject({ id: 3, result: {} });
      const forwarded = bodies.at(-1)!;
      expect(forwarded).toBe(
        JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping', params: { name: 'echo' } }),
      );
      expect(bodies.some((body) => body.includes('tools/call'))).toBe(false);
      await session.close();
    } finally {
      await apiCall(airlock.runtime, 'servers.remove', { id: 'plain' });
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });
});
