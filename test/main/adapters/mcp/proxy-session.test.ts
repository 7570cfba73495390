// A proxy session driven through an in-memory upstream channel and recording client sinks, with
// time moved by hand: requests answered, tools/list filtered for the grant, tools/call admitted
// before it reaches the server, server messages routed to the right client reply or stream, and
// a session that closes (or times out) mid-call answering every open request.
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, type JsonRpcRequest } from '../../../../src/main/adapters/mcp/json-rpc';
import { ProxySession } from '../../../../src/main/adapters/mcp/proxy-session';
import { silentLogger } from '../../../../src/main/core/ports';
import { FakeClock } from '../../core/fakes';
import {
  FakeCalls,
  fakeChannelFactory,
  RecordingSink,
  RecordingStream,
  type FakeChannel,
} from './session-fakes';

const TIMEOUT_MS = 30_000;
const TOOLS = [
  { name: 'echo', description: 'Echoes', inputSchema: { type: 'object' } },
  { name: 'wipe_disk', description: 'Denied outright', inputSchema: { type: 'object' } },
];

let clock: FakeClock;
let channel: FakeChannel;
let calls: FakeCalls;
let session: ProxySession;

beforeEach(() => {
  clock = new FakeClock();
  calls = new FakeCalls();
  const upstream = fakeChannelFactory();
  channel = upstream.channel;
  session = new ProxySession({
    id: 'session-1',
    serverId: 'files',
    grant: 'cursor',
    gatekeeper: { isToolVisible: (_server, _grant, tool) => tool !== 'wipe_disk' },
    calls,
    openChannel: upstream.open,
    timeoutMs: TIMEOUT_MS,
    heldProgressMs: 5_000,
    logger: silentLogger,
    clock,
    timers: clock,
  });
});

function request(id: number | string, method: string, params?: Record<string, unknown>) {
  return { jsonrpc: '2.0', id, method, ...(params ? { params } : {}) } as JsonRpcRequest;
}

function ask(id: number | string, method: string, params?: Record<string, unknown>): RecordingSink {
  const sink = new RecordingSink();
  session.handleRequest(request(id, method, params), sink, {});
  return sink;
}

/** Lets the session's promise chains (its own tool listing) run; no time passes. */
function promisesSettled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The client lists tools once, so the session knows them. */
function listTools(): RecordingSink {
  const sink = ask('list', 'tools/list');
  channel.answer('list', { tools: TOOLS });
  return sink;
}

describe('ProxySession', () => {
  it('forwards a request as parsed and hands the server answer to the client reply', () => {
    const sink = ask(1, 'resources/read', { uri: 'file:///a' });
    expect(channel.sent).toEqual([request(1, 'resources/read', { uri: 'file:///a' })]);
    expect(session.busy).toBe(true);
    channel.answer(1, { contents: [] });
    expect(sink.response).toEqual({ jsonrpc: '2.0', id: 1, result: { contents: [] } });
    expect(JSON.parse(sink.finalText!)).toEqual(sink.response);
    expect(session.busy).toBe(false);
  });

  it('leaves the tools the policy denies this grant out of tools/list', () => {
    const sink = listTools();
    const tools = (sink.response!.result as { tools: { name: string }[] }).tools;
    expect(tools.map((tool) => tool.name)).toEqual(['echo']);
  });

  it('admits a tools/call of a listed tool with its listed definition, then forwards it', () => {
    listTools();
    const sink = ask(2, 'tools/call', { name: 'echo', arguments: { text: 'hi' } });
    expect(calls.admitted).toHaveLength(1);
    expect(calls.admitted[0]!.call).toMatchObject({ tool: 'echo', args: { text: 'hi' } });
    expect(calls.admitted[0]!.seen.map((seen) => seen.definition.description)).toEqual(['Echoes']);
    expect(channel.lastRequest('tools/call').id).toBe(2);
    channel.answer(2, { content: [{ type: 'text', text: 'hi' }] });
    expect(sink.response?.result).toEqual({ content: [{ type: 'text', text: 'hi' }] });
    expect(calls.ended).toEqual([
      { callId: 1, end: { response: { jsonrpc: '2.0', id: 2, result: sink.response!.result } } },
    ]);
  });

  it('lists the tools itself before deciding a call to a tool it has not seen', async () => {
    const sink = ask(3, 'tools/call', { name: 'echo', arguments: {} });
    const listing = channel.lastRequest('tools/list');
    expect(String(listing.id)).toMatch(/^airlock-/);
    expect(calls.admitted).toHaveLength(0);
    channel.answer(listing.id, { tools: TOOLS });
    await promisesSettled();
    expect(calls.admitted.map((a) => a.call.tool)).toEqual(['echo']);
    expect(channel.lastRequest('tools/call').id).toBe(3);
    expect(sink.response).toBeUndefined();
  });

  it('keeps a timed-out id taken until its late answer comes, so that answer reaches no new request', () => {
    const first = ask(7, 'resources/read', { uri: 'file:///old' });
    clock.advance(TIMEOUT_MS);
    expect(first.response?.error?.code).toBe(ErrorCode.RequestTimeout);
    const reused = ask(7, 'resources/read', { uri: 'file:///new' });
    expect(reused.response?.error).toMatchObject({
      code: ErrorCode.InvalidRequest,
      message: 'Request id already in use.',
    });
    // The server was still working on the old request: its answer is dropped, and frees the id.
    channel.answer(7, { contents: ['old'] });
    const again = ask(7, 'resources/read', { uri: 'file:///new' });
    expect(again.response).toBeUndefined();
    channel.answer(7, { contents: ['new'] });
    expect(again.response?.result).toEqual({ contents: ['new'] });
  });

  it('frees a timed-out id after one more timeout when no late answer comes', () => {
    ask(8, 'resources/read', { uri: 'file:///slow' });
    clock.advance(TIMEOUT_MS);
    expect(ask(8, 'ping').response?.error?.message).toBe('Request id already in use.');
    clock.advance(TIMEOUT_MS);
    expect(ask(8, 'ping').response).toBeUndefined();
  });

  it('refuses a request that reuses the id of a call still waiting for the tool list', async () => {
    const first = ask(5, 'tools/call', { name: 'echo', arguments: {} });
    const second = ask(5, 'tools/list');
    expect(second.response?.error).toMatchObject({
      code: ErrorCode.InvalidRequest,
      message: 'Request id already in use.',
    });
    channel.answer(channel.lastRequest('tools/list').id, { tools: TOOLS });
    await promisesSettled();
    expect(calls.admitted).toHaveLength(1);
    channel.answer(5, { content: [] });
    expect(first.response?.result).toEqual({ content: [] });
    // Once the call is settled, the id is free again.
    expect(ask(5, 'tools/list').response).toBeUndefined();
  });

  it('refuses a call to a tool the server does not list, without asking the guard', async () => {
    const sink = ask(4, 'tools/call', { name: 'nope', arguments: {} });
    channel.answer(channel.lastRequest('tools/list').id, { tools: TOOLS });
    await promisesSettled();
    expect(sink.response?.error).toMatchObject({
      code: ErrorCode.InvalidParams,
      message: 'Unknown tool: nope',
    });
    expect(calls.admitted).toHaveLength(0);
    expect(channel.sent.some((m) => 'method' in m && m.method === 'tools/call')).toBe(false);
  });

  it('answers a refused call with the refusal and never sends it upstream', () => {
    listTools();
    const refusal = { isError: true, content: [{ type: 'text', text: 'Refused by policy' }] };
    calls.next.push({ kind: 'refuse', result: refusal as never });
    const sink = ask(5, 'tools/call', { name: 'echo', arguments: {} });
    expect(sink.response).toEqual({ jsonrpc: '2.0', id: 5, result: refusal });
    expect(channel.sent.some((m) => 'method' in m && m.method === 'tools/call')).toBe(false);
  });

  it('keeps a held call alive with progress while time passes, and runs it once approved', () => {
    listTools();
    calls.next.push({ kind: 'hold', callId: 9, approvalId: 'a1' });
    const sink = ask(6, 'tools/call', {
      name: 'echo',
      arguments: {},
      _meta: { progressToken: 't' },
    });
    expect(sink.relatedMessages()).toHaveLength(1);
    clock.advance(5_000);
    clock.advance(5_000);
    expect(
      sink.relatedMessages().map((m) => (m as { params: { progress: number } }).params.progress),
    ).toEqual([1, 2, 3]);
    calls.onHeld.at(-1)!({ kind: 'run', callId: 9 });
    clock.advance(5_000);
    expect(sink.relatedMessages()).toHaveLength(3);
    expect(channel.lastRequest('tools/call').id).toBe(6);
  });

  it('withdraws a held call whose client cancels it, without telling the server', () => {
    listTools();
    calls.next.push({ kind: 'hold', callId: 9, approvalId: 'a1' });
    ask(7, 'tools/call', { name: 'echo', arguments: {} });
    const before = channel.sent.length;
    session.handleMessage(
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } },
      {},
    );
    expect(calls.withdrawn).toEqual([{ approvalId: 'a1', by: 'cancel' }]);
    expect(channel.sent).toHaveLength(before);
  });

  it('routes progress to the request that asked for it, and other messages to its reply', () => {
    const first = ask(10, 'tools/list', { _meta: { progressToken: 'p10' } });
    const second = ask(11, 'resources/list');
    channel.listener.message({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 'p10', progress: 1 },
    });
    channel.listener.message({ jsonrpc: '2.0', method: 'notifications/message', params: {} }, 11);
    expect(first.relatedMessages()).toEqual([
      {
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 'p10', progress: 1 },
      },
    ]);
    expect(second.relatedMessages()).toEqual([
      { jsonrpc: '2.0', method: 'notifications/message', params: {} },
    ]);
  });

  it('sends a server request mid-call to that call, and the client answer back upstream', () => {
    listTools();
    const sink = ask(12, 'tools/call', { name: 'echo', arguments: {} });
    const sampling = { jsonrpc: '2.0', id: 'srv-1', method: 'sampling/createMessage', params: {} };
    channel.listener.message(sampling as JsonRpcRequest);
    expect(sink.relatedMessages()).toEqual([sampling]);
    const answer = { jsonrpc: '2.0' as const, id: 'srv-1', result: { content: [] } };
    session.handleMessage(answer, {});
    expect(channel.sent.at(-1)).toEqual(answer);
  });

  it('keeps server messages for the client stream, sends them when it opens, then streams live', () => {
    const early = { jsonrpc: '2.0', method: 'notifications/resources/list_changed' };
    channel.listener.message(early as never);
    const stream = new RecordingStream();
    expect(session.attachServerStream(stream)).toBe(true);
    expect(stream.opened).toBe(true);
    expect(channel.serverStreams).toBe(1);
    expect(stream.texts.map((t) => JSON.parse(t) as unknown)).toEqual([early]);
    expect(session.attachServerStream(new RecordingStream())).toBe(false);
    const late = { jsonrpc: '2.0', method: 'notifications/tools/list_changed' };
    channel.listener.message(late as never);
    expect(stream.texts).toHaveLength(2);
    stream.drop();
    expect(session.busy).toBe(false);
    // The upstream's stream closes with the client's (it holds a socket of a shared pool).
    expect(channel.serverStreams).toBe(0);
    expect(session.attachServerStream(new RecordingStream())).toBe(true);
    expect(channel.serverStreams).toBe(1);
  });

  it('lists the tools again after the server says its list changed', () => {
    listTools();
    channel.listener.message({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    ask(13, 'tools/call', { name: 'echo', arguments: {} });
    expect(calls.admitted).toHaveLength(0);
    expect(String(channel.lastRequest('tools/list').id)).toMatch(/^airlock-/);
  });

  it('fails a request the server leaves unanswered once its timeout passes, and cancels it upstream', () => {
    const sink = ask(14, 'resources/read');
    clock.advance(TIMEOUT_MS - 1);
    expect(sink.response).toBeUndefined();
    clock.advance(1);
    expect(sink.response?.error?.code).toBe(ErrorCode.RequestTimeout);
    expect(channel.sent.at(-1)).toMatchObject({
      method: 'notifications/cancelled',
      params: { requestId: 14 },
    });
    expect(channel.abandoned).toEqual([14]);
    channel.answer(14, {});
    expect(sink.response?.error?.code).toBe(ErrorCode.RequestTimeout);
  });

  it('answers every open request and withdraws held calls when closed mid-call', async () => {
    listTools();
    const running = ask(15, 'tools/call', { name: 'echo', arguments: {} });
    calls.next.push({ kind: 'hold', callId: 8, approvalId: 'a2' });
    ask(16, 'tools/call', { name: 'echo', arguments: {} });
    const stream = new RecordingStream();
    session.attachServerStream(stream);
    await session.close();
    expect(running.response?.error).toMatchObject({
      code: ErrorCode.UpstreamUnavailable,
      message: 'The session with upstream server "files" was closed.',
    });
    expect(calls.ended).toEqual([
      { callId: 1, end: { failure: 'The session with upstream server "files" was closed.' } },
    ]);
    expect(calls.withdrawn).toEqual([{ approvalId: 'a2', by: 'disconnect' }]);
    expect(stream.ended).toBe(true);
    expect(channel.closed).toBe(true);
    // An approval that lands after the close runs nothing.
    calls.onHeld.at(-1)!({ kind: 'run', callId: 8 });
    expect(calls.ended.at(-1)).toEqual({
      callId: 8,
      end: { failure: 'the client session closed before the call could run' },
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('fails every open request with the reason when the server is lost', () => {
    const sink = ask(17, 'resources/read');
    channel.listener.lost('the server exited (code 1)');
    expect(sink.response?.error).toMatchObject({
      code: ErrorCode.UpstreamUnavailable,
      message: 'the server exited (code 1)',
    });
  });
});
