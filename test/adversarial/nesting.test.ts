// No single message ends Airlock, however deep it nests: an agent's is refused with a clear
// JSON-RPC error, an upstream's fails the request it answered, and everything else carries on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  depthExceeds,
  MAX_JSON_DEPTH,
  parseBoundedJson,
  TooDeepError,
} from '../../src/main/core/bounded-json';
import { canonicalJson } from '../../src/main/core/calls/canonical-json';
import { parseConfig } from '../../src/main/core/config/parse-config';
import { parsePolicy } from '../../src/main/core/policy';
import { apiCall } from '../helpers/airlock-harness';
import { startHostileAirlock, type HostileAirlock } from '../helpers/hostile-upstream';
import { messagesOf, RawMcpSession } from '../helpers/raw-mcp';

const allowAll = { version: '1', default: 'allow' };

function nested(depth: number, leaf = '0'): string {
  return '['.repeat(depth) + leaf + ']'.repeat(depth);
}

describe('bounded JSON', () => {
  it('parses up to the limit and refuses one level more', () => {
    expect(parseBoundedJson(nested(MAX_JSON_DEPTH))).toMatchObject({ ok: true });
    expect(parseBoundedJson(nested(MAX_JSON_DEPTH + 1))).toMatchObject({
      ok: false,
      problem: 'depth',
    });
  });

  it('measures a value a million levels deep without overflowing', () => {
    const deep = JSON.parse(nested(1_000_000)) as unknown;
    expect(depthExceeds(deep, MAX_JSON_DEPTH)).toBe(true);
  });

  it('refuses to hash arguments deeper than the limit instead of overflowing the stack', () => {
    const deep = JSON.parse(`{"a":${nested(5000)}}`) as unknown;
    expect(() => canonicalJson(deep)).toThrow(TooDeepError);
  });

  it('locates a policy or config.json nested 100,000 deep as a problem instead of overflowing', () => {
    const deep = nested(100_000);
    const policy = parsePolicy(`{"version":"1","default":"deny","tools":{"x":{"args":\n${deep}}}}`);
    expect(policy).toEqual({
      ok: false,
      errors: [{ path: '', message: 'nested deeper than 128 levels', line: 2, column: 126 }],
    });
    expect(parseConfig(`{"mcpServers":{"a":{"command":"x","env":${deep}}}}`)).toMatchObject({
      ok: false,
      errors: [{ message: 'nested deeper than 128 levels' }],
    });
  });

  it('hashes a "__proto__" key as data, so it cannot make two arguments look alike', () => {
    const withProto = JSON.parse('{"__proto__":{"admin":true},"x":1}') as unknown;
    expect(canonicalJson(withProto)).not.toBe(canonicalJson({ x: 1 }));
  });
});

describe('through Airlock', () => {
  let airlock: HostileAirlock;
  let deepList: HostileAirlock;

  beforeAll(async () => {
    [airlock, deepList] = await Promise.all([
      startHostileAirlock({ policy: allowAll }),
      startHostileAirlock({ policy: allowAll, env: { HOSTILE_DEEP_LIST: '100000' } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([airlock?.close(), deepList?.close()]);
  });

  it('refuses an argument 10 KB long and 5,000 levels deep with a clear error, and stays up', async () => {
    const session = await RawMcpSession.open(airlock.endpoint, airlock.token);
    const text = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":${nested(5000)}}}}`;
    expect(text.length).toBeGreaterThan(10_000);
    const response = await session.post(text);
    expect(response.status).toBe(400);
    expect(messagesOf(response)[0]).toMatchObject({
      id: null,
      error: { code: -32600, message: expect.stringContaining('nested deeper than 128 levels') },
    });
    // Nothing reached the server, and the same session still works.
    expect(airlock.toolCallsUpstream()).toEqual([]);
    const echo = await session.request('tools/call', { name: 'echo', arguments: { text: 'hi' } });
    expect(echo.result).toBeDefined();
    await session.close();
  });

  it('refuses a deep notification the same way', async () => {
    const session = await RawMcpSession.open(airlock.endpoint, airlock.token);
    const response = await session.post(
      `{"jsonrpc":"2.0","method":"notifications/progress","params":{"x":${nested(100_000)}}}`,
    );
    expect(response.status).toBe(400);
    expect((await session.request('ping')).result).toEqual({});
    await session.close();
  });

  it('fails only the call whose result is nested 100,000 deep', async () => {
    const session = await RawMcpSession.open(airlock.endpoint, airlock.token);
    const deep = await session.request('tools/call', {
      name: 'deep',
      arguments: { depth: 100_000 },
    });
    expect(deep.error?.message).toMatch(
      /Upstream server "hostile" sent a message nested deeper than 128 levels/,
    );
    const echo = await session.request('tools/call', { name: 'echo', arguments: { text: 'hi' } });
    expect(echo.result).toBeDefined();
    await session.close();
  });

  it('answers a server’s request too deep to relay with an error, so the server does not wait', async () => {
    const session = await RawMcpSession.open(airlock.endpoint, airlock.token);
    const asked = await session.request('tools/call', { name: 'deep_request', arguments: {} });
    expect(asked.result).toBeDefined();
    const answer = () =>
      airlock.upstreamLines().find((line) => line.message?.id === 'srv-1')?.message;
    await expect.poll(answer).toMatchObject({
      error: { code: -32600, message: expect.stringContaining('nested deeper than 128 levels') },
    });
    await session.close();
  });

  it('answers a policy draft nested 100,000 deep with its problem', async () => {
    const checked = await apiCall(airlock.runtime, 'policies.validate', {
      text: `{"version":"1","default":${nested(100_000)}}`,
    });
    expect(checked).toMatchObject({
      ok: false,
      errors: [{ message: 'nested deeper than 128 levels' }],
    });
    expect((await apiCall(airlock.runtime, 'servers.list', {})).servers).toHaveLength(1);
  });

  it('survives a tools/list nested 100,000 deep: that listing fails, other servers go on', async () => {
    const session = await RawMcpSession.open(deepList.endpoint, deepList.token);
    const listed = await session.request('tools/list');
    expect(listed.error?.message).toMatch(/nested deeper than 128 levels/);
    // A call needs the tool list to check the tool exists; it is refused, not run.
    const call = await session.request('tools/call', { name: 'echo', arguments: {} });
    expect(call.error?.message).toMatch(/could not list the tools/);
    expect(deepList.toolCallsUpstream()).toEqual([]);
    await session.close();
    const other = await RawMcpSession.open(airlock.endpoint, airlock.token);
    expect((await other.request('tools/list')).result).toBeDefined();
    await other.close();
  });
});
