// WriteTurn: the batch writer on the proxy's thread and the prune on the history's worker never
// write history.sqlite at once, and neither waits in SQLite's busy wait for the other.
import { describe, expect, it } from 'vitest';
import { WriteTurn } from '../../../../src/main/adapters/sqlite/write-turn';

describe('WriteTurn', () => {
  it('lets a write run while no prune chunk holds the lock', () => {
    const turn = new WriteTurn();
    expect(turn.tryHold(() => 'written')).toEqual({ deferred: false, value: 'written' });
    expect(turn.hold(() => 'written')).toBe('written');
    expect(turn.wanted).toBe(false);
  });

  it('has a timed write step aside while a prune chunk runs', async () => {
    const turn = new WriteTurn();
    const during = await turn.pruneTurn(() => turn.tryHold(() => 'written'));
    expect(during).toEqual({ deferred: true });
    expect(turn.tryHold(() => 'written')).toEqual({ deferred: false, value: 'written' });
  });

  it('holds a prune chunk back while a write wants the lock, then runs it', async () => {
    const turn = new WriteTurn();
    const order: string[] = [];
    let pruned: Promise<void> | undefined;
    turn.hold(() => {
      pruned = turn.pruneTurn(() => void order.push('prune chunk'));
      order.push('write');
    });
    // The chunk waits for the write's flag to drop, a timer turn at a time.
    expect(order).toEqual(['write']);
    await pruned;
    expect(order).toEqual(['write', 'prune chunk']);
  });

  it('shares its flags with another thread through the same memory', async () => {
    const worker = new WriteTurn();
    const proxy = new WriteTurn(worker.flag);
    expect(await worker.pruneTurn(() => proxy.tryHold(() => 'written'))).toEqual({
      deferred: true,
    });
  });
});
