// A method that is almost a decided one ("tools/call " or "Tools/Call") is not decided like it, so
// it must not pass through either: a server that trims or folds case would run it undecided.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isAirlocksOwn,
  startHostileAirlock,
  type HostileAirlock,
} from '../helpers/hostile-upstream';
import { RawMcpSession } from '../helpers/raw-mcp';

const policy = { version: '1', default: 'deny', tools: { echo: { action: 'allow' } } };

let airlock: HostileAirlock;
let session: RawMcpSession;

beforeAll(async () => {
  airlock = await startHostileAirlock({ policy });
  session = await RawMcpSession.open(airlock.endpoint, airlock.token);
  await session.request('ping');
});

afterAll(async () => {
  await session?.close();
  await airlock?.close();
});

/** What the server read besides Airlock's own messages and the handshake. */
function clientMethodsUpstream(): string[] {
  return airlock
    .upstreamLines()
    .filter((line) => !isAirlocksOwn(line))
    .map((line) => String(line.message?.method))
    .filter((method) => !['initialize', 'notifications/initialized', 'ping'].includes(method));
}

describe('a method that imitates a decided one', () => {
  it.each([
    ['trailing space', 'tools/call '],
    ['leading tab', '\ttools/call'],
    ['case', 'Tools/Call'],
    ['upper case', 'TOOLS/CALL'],
    ['full-width letters', 'ｔｏｏｌｓ/ｃａｌｌ'],
    ['full-width slash', 'tools／call'],
    ['zero-width space', 'tools\u200b/call'],
    ['Cyrillic o', 'tооls/call'],
    ['a NUL byte', 'tools/call\u0000'],
    ['tools/list in capitals', 'TOOLS/LIST'],
    ['initialize with a space', 'initialize '],
  ])('is refused, never forwarded (%s)', async (_name, method) => {
    const answer = await session.request(method, {
      name: 'provision_api_key',
      arguments: { name: 'x', email: 'a@example.com' },
    });
    expect(answer.error?.code).toBe(-32601);
    expect(answer.error?.message).toMatch(/imitates it/);
    expect(clientMethodsUpstream()).toEqual([]);
  });

  it('is refused as a notification', async () => {
    const response = await session.post(
      JSON.stringify({ jsonrpc: '2.0', method: 'Notifications/Cancelled', params: {} }),
    );
    expect(response.status).toBe(400);
    await session.request('ping');
    expect(clientMethodsUpstream()).toEqual([]);
  });
});

// Only requests are decided: a tools/call with no id would reach the server undecided and
// unrecorded, and a server that routes on the method alone would run it.
describe('a decided request sent as a notification', () => {
  it.each(['tools/call', 'tools/list', 'initialize'])(
    'is refused with a clear error and never forwarded (%s)',
    async (method) => {
      const before = airlock.upstreamLines().length;
      const response = await session.post(
        JSON.stringify({
          jsonrpc: '2.0',
          method,
          params: { name: 'provision_api_key', arguments: { name: 'x', email: 'a@example.com' } },
        }),
      );
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({
        id: null,
        error: { code: -32600, message: expect.stringMatching(/decides only requests/) },
      });
      await session.request('ping');
      const read = airlock.upstreamLines().slice(before);
      expect(read.filter((line) => line.message?.method === method)).toEqual([]);
      expect(airlock.toolCallsUpstream()).toEqual([]);
    },
  );
});

describe('a method Airlock does not know', () => {
  it('still passes through to the server', async () => {
    const answer = await session.request('custom/tools-call', {});
    expect(answer.error?.message).toBe('Method not found');
    expect(clientMethodsUpstream()).toEqual(['custom/tools-call']);
  });
});
