import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/renderer/src/api/api-client';
import { createPendingStore } from '../../../../src/renderer/src/features/pending/pending-store';
import type { Approval } from '../../../../src/shared/contract';
import { heldApproval as approval } from '../../../helpers/held-approval';
import { FakeApi } from '../../helpers/fake-api';

/** A core holding `queue`; answers succeed unless `decideError` is set. */
function fakeCore() {
  const core = {
    queue: [] as Approval[],
    decideError: undefined as ApiError | undefined,
    api: new FakeApi(),
  };
  core.api
    .handle('approvals.list', () => ({ approvals: core.queue }))
    .handle('approvals.decide', ({ id }) => {
      if (core.decideError) throw core.decideError;
      return {
        approval: core.queue.find((a) => a.id === id)!,
        outcome: { outcome: 'allowed', by: 'person' },
      };
    });
  return core;
}

describe('the pending store', () => {
  it('loads the queue and follows added and resolved events, newest first', async () => {
    const core = fakeCore();
    const { api } = core;
    core.queue = [approval('a1')];
    const store = createPendingStore(api);
    await store.getState().load();
    api.push({ name: 'approval.added', data: { approval: approval('a2') } });
    expect(store.getState().approvals.map((a) => a.id)).toEqual(['a2', 'a1']);
    api.push({
      name: 'approval.resolved',
      data: { approval: approval('a1'), outcome: { outcome: 'expired', by: 'timeout' } },
    });
    expect(store.getState().approvals.map((a) => a.id)).toEqual(['a2']);
    store.stop();
    expect(api.listenerCount).toBe(0);
  });

  it('sends one answer per call even when asked twice at once', async () => {
    const core = fakeCore();
    const { api } = core;
    core.queue = [approval('a1')];
    const store = createPendingStore(api);
    await store.getState().load();
    await Promise.all([
      store.getState().answer('a1', { decision: 'deny', message: 'no' }),
      store.getState().answer('a1', { decision: 'allow' }),
    ]);
    expect(api.calls.filter((c) => c.command === 'approvals.decide')).toEqual([
      { command: 'approvals.decide', input: { id: 'a1', decision: 'deny', message: 'no' } },
    ]);
    expect(store.getState().approvals).toEqual([]);
    expect(store.getState().answering.size).toBe(0);
  });

  it('drops a call someone else already answered and says so', async () => {
    const core = fakeCore();
    const { api } = core;
    core.queue = [approval('a1')];
    core.decideError = new ApiError(
      'conflict',
      'That call is no longer waiting: it was already allowed.',
    );
    const store = createPendingStore(api);
    await store.getState().load();
    await store.getState().answer('a1', { decision: 'allow' });
    expect(store.getState().approvals).toEqual([]);
    expect(store.getState().error).toBe('That call is no longer waiting: it was already allowed.');
  });

  it('keeps a call whose answer failed for another reason, to try again', async () => {
    const core = fakeCore();
    const { api } = core;
    core.queue = [approval('a1')];
    core.decideError = new ApiError('unavailable', 'Airlock cannot be reached.');
    const store = createPendingStore(api);
    await store.getState().load();
    await store.getState().answer('a1', { decision: 'allow' });
    expect(store.getState().approvals.map((a) => a.id)).toEqual(['a1']);
    expect(store.getState().error).toBe('Airlock cannot be reached.');
  });

  it('keeps what events said while the list was on its way, even when the list is older', async () => {
    let answerList!: () => void;
    const api = new FakeApi().handle('approvals.list', async () => {
      // Answered from the queue as it was when asked: before a2 was held, with a1 still held.
      const asked = [approval('a1')];
      await new Promise<void>((resolve) => (answerList = resolve));
      return { approvals: asked };
    });
    const store = createPendingStore(api);
    const loading = store.getState().load();
    api.push({ name: 'approval.added', data: { approval: approval('a2', { receivedAt: 5 }) } });
    api.push({
      name: 'approval.resolved',
      data: { approval: approval('a1'), outcome: { outcome: 'expired', by: 'timeout' } },
    });
    answerList();
    await loading;
    expect(store.getState().approvals.map((a) => a.id)).toEqual(['a2']);
  });

  it('does not bring back a call answered here while an older list was on its way', async () => {
    const core = fakeCore();
    const { api } = core;
    core.queue = [approval('a1')];
    const store = createPendingStore(api);
    await store.getState().load();
    const list = api.hold('approvals.list');
    const loading = store.getState().load();
    await store.getState().answer('a1', { decision: 'allow' });
    list.release();
    await loading;
    expect(store.getState().approvals).toEqual([]);
  });
});
