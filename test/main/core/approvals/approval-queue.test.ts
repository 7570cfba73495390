import { describe, expect, it } from 'vitest';
import type { ApprovalOutcome } from '../../../../src/shared/contract';
import {
  ApprovalQueue,
  type HoldRequest,
} from '../../../../src/main/core/approvals/approval-queue';
import { FakeClock, T0 } from '../fakes';

function setup(limits = { maxPending: 50, maxPendingPerGrant: 10 }) {
  const clock = new FakeClock();
  const events: string[] = [];
  let next = 0;
  const queue = new ApprovalQueue({
    clock,
    timers: clock,
    limits: () => limits,
    newId: () => `a${++next}`,
    onAdded: (approval) => events.push(`added ${approval.id}`),
    onResolved: (approval, outcome) => events.push(`resolved ${approval.id} ${outcome.outcome}`),
  });
  const settled: Record<string, ApprovalOutcome[]> = {};
  const hold = (overrides: Partial<HoldRequest> = {}) => {
    const request: HoldRequest = {
      callId: 1,
      grant: 'alice',
      session: 's1',
      server: 'meatspace',
      tool: 'provision_api_key',
      args: { email: 'a@example.com' },
      secrets: [],
      argsHash: 'h',
      rule: '/tools/provision_api_key',
      reason: 'mints keys',
      timeoutMs: 60_000,
      ...overrides,
    };
    const result = queue.hold(request, (outcome) => {
      (settled[id] ??= []).push(outcome);
    });
    const id = result.ok ? result.approval.id : '';
    return { result, id };
  };
  return { clock, queue, events, settled, hold };
}

describe('ApprovalQueue', () => {
  it('lists a held call with its expiry until someone answers', () => {
    const { queue, hold } = setup();
    const { result } = hold();
    expect(result.ok && result.approval).toMatchObject({
      id: 'a1',
      grant: 'alice',
      tool: 'provision_api_key',
      receivedAt: T0,
      expiresAt: T0 + 60_000,
    });
    expect(queue.list().map((a) => a.id)).toEqual(['a1']);
  });

  it('lists the newest held call first', () => {
    const { queue, hold, clock } = setup();
    hold();
    clock.advance(1000);
    hold();
    expect(queue.list().map((a) => a.id)).toEqual(['a2', 'a1']);
  });

  it('lets the first answer win and turns every later one away', () => {
    const { queue, hold, settled, events, clock } = setup();
    const { id } = hold();
    expect(queue.answer(id, { decision: 'allow' })).toMatchObject({
      ok: true,
      outcome: { outcome: 'allowed', by: 'person' },
    });
    expect(queue.answer(id, { decision: 'deny' })).toEqual({
      ok: false,
      code: 'conflict',
      message: 'That call is no longer waiting: it was already allowed.',
    });
    expect(queue.answer(id, { decision: 'allow' }).ok).toBe(false);
    clock.advance(120_000);
    expect(settled[id]).toEqual([{ outcome: 'allowed', by: 'person' }]);
    expect(events).toEqual(['added a1', 'resolved a1 allowed']);
    expect(queue.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('carries a denial message and an allow-for-minutes to the outcome', () => {
    const { queue, hold, settled } = setup();
    const first = hold().id;
    const second = hold().id;
    queue.answer(first, { decision: 'deny', message: 'use the staging key' });
    queue.answer(second, { decision: 'allow', forMinutes: 15 });
    expect(settled[first]).toEqual([
      { outcome: 'denied', by: 'person', message: 'use the staging key' },
    ]);
    expect(settled[second]).toEqual([{ outcome: 'allowed', by: 'person', forMinutes: 15 }]);
  });

  it('expires a call no one answers, and an answer after that changes nothing', () => {
    const { queue, hold, settled, clock } = setup();
    const { id } = hold();
    clock.advance(59_999);
    expect(settled[id]).toBeUndefined();
    clock.advance(1);
    expect(settled[id]).toEqual([{ outcome: 'expired', by: 'timeout' }]);
    expect(queue.answer(id, { decision: 'allow' })).toMatchObject({
      ok: false,
      code: 'conflict',
      message: expect.stringContaining('no one answered in time'),
    });
    expect(settled[id]).toHaveLength(1);
  });

  it('takes an answer given in the last millisecond and cancels the timeout', () => {
    const { queue, hold, settled, clock } = setup();
    const { id } = hold();
    clock.advance(59_999);
    queue.answer(id, { decision: 'deny' });
    clock.advance(10_000);
    expect(settled[id]).toEqual([{ outcome: 'denied', by: 'person' }]);
  });

  it('refuses an answer once the clock is past the expiry, even before the timer has fired', () => {
    // Timers run late on a busy process and stand still while the computer sleeps; the clock
    // does not. Here the time moves without the timer firing, as after a laptop's lid was closed.
    const { queue, hold, settled, clock, events } = setup();
    const { id } = hold();
    const { id: other } = hold();
    clock.time = T0 + 60_000;
    expect(queue.answer(id, { decision: 'allow' })).toMatchObject({
      ok: false,
      code: 'conflict',
      message: 'That call is no longer waiting: no one answered in time and it was refused.',
    });
    expect(settled[id]).toEqual([{ outcome: 'expired', by: 'timeout' }]);
    // The list shows no call whose time is up, and the late timer changes nothing.
    expect(queue.list()).toEqual([]);
    expect(settled[other]).toEqual([{ outcome: 'expired', by: 'timeout' }]);
    clock.advance(0);
    clock.advance(1);
    expect(events.filter((e) => e.startsWith('resolved'))).toEqual([
      `resolved ${id} expired`,
      `resolved ${other} expired`,
    ]);
  });

  it('withdraws a call its client cancelled or left, and refuses answers after', () => {
    const { queue, hold, settled } = setup();
    const cancelled = hold().id;
    const left = hold().id;
    expect(queue.withdraw(cancelled, 'cancel')).toBe(true);
    expect(queue.withdraw(left, 'disconnect')).toBe(true);
    expect(queue.withdraw(left, 'disconnect')).toBe(false);
    expect(settled[cancelled]).toEqual([{ outcome: 'withdrawn', by: 'cancel' }]);
    expect(queue.answer(cancelled, { decision: 'allow' })).toMatchObject({
      message: expect.stringContaining('the client cancelled it'),
    });
    expect(queue.answer(left, { decision: 'allow' })).toMatchObject({
      message: expect.stringContaining('the client disconnected'),
    });
  });

  it("refuses every call a revoked grant has held, leaves other grants' alone, and turns answers away", () => {
    const { queue, hold, settled } = setup();
    const mine = [hold().id, hold({ server: 'other' }).id];
    const theirs = hold({ grant: 'bob' }).id;
    expect(queue.withdrawGrant('alice')).toBe(2);
    for (const id of mine) expect(settled[id]).toEqual([{ outcome: 'withdrawn', by: 'revoke' }]);
    expect(queue.answer(mine[0]!, { decision: 'allow' })).toEqual({
      ok: false,
      code: 'conflict',
      message: 'That call is no longer waiting: its grant was revoked, so it will not run.',
    });
    expect(queue.list().map((a) => a.id)).toEqual([theirs]);
    expect(settled[theirs]).toBeUndefined();
    expect(queue.withdrawGrant('alice')).toBe(0);
  });

  it('withdraws everything when Airlock stops', () => {
    const { queue, hold, settled } = setup();
    const ids = [hold().id, hold().id];
    queue.withdrawAll();
    for (const id of ids) expect(settled[id]).toEqual([{ outcome: 'withdrawn', by: 'restart' }]);
    expect(queue.size).toBe(0);
  });

  it('says an unknown id is not found', () => {
    const { queue } = setup();
    expect(queue.answer('nope', { decision: 'allow' })).toEqual({
      ok: false,
      code: 'not_found',
      message: 'No held call has id "nope".',
    });
  });

  it('refuses to hold more calls than the per-grant cap, while other grants still get through', () => {
    const { queue, hold } = setup({ maxPending: 50, maxPendingPerGrant: 2 });
    hold();
    hold();
    const third = hold().result;
    expect(third.ok).toBe(false);
    expect(!third.ok && third.reason).toMatch(/grant "alice" already has 2 calls waiting/);
    expect(hold({ grant: 'bob' }).result.ok).toBe(true);
    expect(queue.size).toBe(3);
  });

  it('refuses to hold more calls than the overall cap', () => {
    const { hold } = setup({ maxPending: 2, maxPendingPerGrant: 10 });
    hold({ grant: 'a' });
    hold({ grant: 'b' });
    const third = hold({ grant: 'c' }).result;
    expect(!third.ok && third.reason).toMatch(/2 calls are already waiting/);
  });

  it('makes room again once a held call is answered', () => {
    const { queue, hold } = setup({ maxPending: 1, maxPendingPerGrant: 1 });
    const { id } = hold();
    expect(hold().result.ok).toBe(false);
    queue.answer(id, { decision: 'deny' });
    expect(hold().result.ok).toBe(true);
  });
});
