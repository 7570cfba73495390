// The request lifecycle over a channel that throws from send, as a legacy-SSE channel once did
// when its server announced an endpoint node:http refuses: the request is answered at once and
// leaves nothing open, and a timeout's cancellation never throws out of its timer (a throw there
// ended the whole process).
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, type JsonRpcMessage } from '../../../../src/main/adapters/mcp/json-rpc';
import { RequestLifecycle } from '../../../../src/main/adapters/mcp/request-lifecycle';
import type { RequestId } from '../../../../src/main/adapters/mcp/json-rpc';
import { FakeClock } from '../../core/fakes';
import { FakeCalls, RecordingSink } from './session-fakes';

const TIMEOUT_MS = 30_000;
const REFUSED = 'Protocol "ftp:" not supported. Expected "http:"';

/** An upstream that throws from send for the messages `throwsFor` picks, and records the rest. */
class ThrowingUpstream {
  readonly sent: JsonRpcMessage[] = [];
  readonly abandoned: RequestId[] = [];
  timedOut = 0;

  constructor(private readonly throwsFor: (message: JsonRpcMessage) => boolean) {}

  send(message: JsonRpcMessage): void {
    if (this.throwsFor(message)) throw new Error(REFUSED);
    this.sent.push(message);
  }
  abandon(id: RequestId): void {
    this.abandoned.push(id);
  }
  requestTimedOut(): void {
    this.timedOut++;
  }
}

let clock: FakeClock;
let calls: FakeCalls;

beforeEach(() => {
  clock = new FakeClock();
  calls = new FakeCalls();
});

function lifecycle(upstream: ThrowingUpstream): RequestLifecycle {
  return new RequestLifecycle({
    serverId: 'files',
    timeoutMs: TIMEOUT_MS,
    timers: clock,
    upstream,
    calls,
  });
}

const call = { jsonrpc: '2.0' as const, id: 7, method: 'tools/call', params: { name: 'echo' } };

describe('RequestLifecycle over a channel whose send throws', () => {
  it('answers the request at once, keeps nothing open and leaves no timer to fire', () => {
    const requests = lifecycle(new ThrowingUpstream(() => true));
    const sink = new RecordingSink();
    requests.forward(call, sink, {}, undefined, 41);
    expect(sink.response?.error).toMatchObject({
      code: ErrorCode.UpstreamUnavailable,
      message: `Airlock could not send tools/call to upstream server "files" (${REFUSED}).`,
    });
    expect(requests.size).toBe(0);
    expect(calls.ended).toEqual([{ callId: 41, end: { failure: sink.response!.error!.message } }]);
    expect(clock.pendingTimers).toBe(0);
    expect(() => clock.advance(2 * TIMEOUT_MS)).not.toThrow();
  });

  it('rejects a request of Airlock’s own with the reason', async () => {
    const requests = lifecycle(new ThrowingUpstream(() => true));
    await expect(requests.request('tools/list', {}, {})).rejects.toThrow(
      `Airlock could not send tools/list to upstream server "files" (${REFUSED}).`,
    );
    expect(requests.size).toBe(0);
    expect(() => clock.advance(2 * TIMEOUT_MS)).not.toThrow();
  });

  it('times a request out though the cancellation throws, and still tells the channel', () => {
    const upstream = new ThrowingUpstream((message) => !('id' in message));
    const requests = lifecycle(upstream);
    const sink = new RecordingSink();
    requests.forward(call, sink, {}, undefined, 42);
    expect(upstream.sent).toEqual([call]);
    // The timer fires here: a throw out of it would be uncaught in Airlock.
    expect(() => clock.advance(TIMEOUT_MS)).not.toThrow();
    expect(sink.response?.error).toMatchObject({
      code: ErrorCode.RequestTimeout,
      message: 'Upstream server "files" did not answer tools/call within 30 s.',
    });
    expect(requests.size).toBe(0);
    expect(upstream.abandoned).toEqual([7]);
    expect(upstream.timedOut).toBe(1);
    expect(calls.ended.map((e) => e.callId)).toEqual([42]);
  });
});
