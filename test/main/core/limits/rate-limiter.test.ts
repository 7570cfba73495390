import { describe, expect, it } from 'vitest';
import { RateLimiter, type RateLimit } from '../../../../src/main/core/limits/rate-limiter';
import { FakeClock, MemoryCounterStore, T0 } from '../fakes';

const MINUTE = 60_000;
const DAY = 86_400_000;
const alice = { grant: 'alice', session: 's1' };
const aliceOther = { grant: 'alice', session: 's2' };
const bob = { grant: 'bob', session: 's3' };

function limit(overrides: Partial<RateLimit> = {}): RateLimit {
  return { counter: 'c', windowMs: MINUTE, max: 3, scope: 'grant', onExceed: 'deny', ...overrides };
}

function setup() {
  const clock = new FakeClock();
  const store = new MemoryCounterStore();
  const limiter = new RateLimiter(store, clock);
  return { clock, store, limiter };
}

/** Admits calls until one is refused; returns how many were admitted. */
function fill(limiter: RateLimiter, limits: RateLimit[], who = alice, atMost = 1000): number {
  let admitted = 0;
  while (admitted < atMost && limiter.tryConsume(limits, who).ok) admitted++;
  return admitted;
}

describe('RateLimiter', () => {
  it('admits max calls in a window and refuses the next with a retry time', () => {
    const { clock, limiter } = setup();
    const limits = [limit()];
    expect(limiter.tryConsume(limits, alice)).toEqual({ ok: true });
    clock.advance(10_000);
    expect(limiter.tryConsume(limits, alice).ok).toBe(true);
    clock.advance(10_000);
    expect(limiter.tryConsume(limits, alice).ok).toBe(true);
    clock.advance(5_000);
    // The oldest of the three was 25 s ago; it leaves the window in 35 s.
    expect(limiter.tryConsume(limits, alice)).toEqual({
      ok: false,
      limit: limits[0],
      retryAfterMs: 35_000,
    });
  });

  it('slides exactly: a slot frees the moment the oldest event is a full window old', () => {
    const { clock, limiter } = setup();
    const limits = [limit({ max: 2 })];
    expect(limiter.tryConsume(limits, alice).ok).toBe(true);
    clock.advance(1_000);
    expect(limiter.tryConsume(limits, alice).ok).toBe(true);
    clock.advance(MINUTE - 1_001);
    expect(limiter.tryConsume(limits, alice)).toMatchObject({ ok: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(limiter.tryConsume(limits, alice).ok).toBe(true);
    // Only one slot freed: the second event is still inside the window for 1 s.
    expect(limiter.tryConsume(limits, alice)).toMatchObject({ ok: false, retryAfterMs: 1_000 });
  });

  it('never lets more than max calls fall within any span of one window', () => {
    const { clock, limiter } = setup();
    const limits = [limit({ max: 5, windowMs: 10_000 })];
    const admitted: number[] = [];
    // Knock every 700 ms for a while, including at window edges.
    for (let i = 0; i < 200; i++) {
      if (limiter.tryConsume(limits, alice).ok) admitted.push(clock.now());
      clock.advance(700);
    }
    for (let i = 0; i + 5 < admitted.length; i++) {
      // Any six admitted calls span at least a full window.
      expect((admitted[i + 5] as number) - (admitted[i] as number)).toBeGreaterThanOrEqual(10_000);
    }
    expect(admitted.length).toBeGreaterThan(50);
  });

  it('counts per grant, per session, or globally', () => {
    const { limiter } = setup();
    const perGrant = [limit({ counter: 'g', scope: 'grant', max: 2 })];
    const perSession = [limit({ counter: 's', scope: 'session', max: 2 })];
    const global = [limit({ counter: 'x', scope: 'global', max: 2 })];

    expect(fill(limiter, perGrant, alice)).toBe(2);
    expect(fill(limiter, perGrant, aliceOther)).toBe(0); // same grant, other session
    expect(fill(limiter, perGrant, bob)).toBe(2);

    expect(fill(limiter, perSession, alice)).toBe(2);
    expect(fill(limiter, perSession, aliceOther)).toBe(2); // same grant, own session
    expect(fill(limiter, perSession, bob)).toBe(2);

    expect(fill(limiter, global, alice)).toBe(2);
    expect(fill(limiter, global, bob)).toBe(0);
  });

  it('shares one budget between limits (and tools) that name the same counter', () => {
    const { limiter } = setup();
    const toolA = [limit({ counter: 'writes', max: 3 })];
    const toolB = [limit({ counter: 'writes', max: 3 })];
    expect(limiter.tryConsume(toolA, alice).ok).toBe(true);
    expect(limiter.tryConsume(toolB, alice).ok).toBe(true);
    expect(limiter.tryConsume(toolA, alice).ok).toBe(true);
    expect(limiter.tryConsume(toolB, alice).ok).toBe(false);
  });

  it('records one event per distinct counter, even if several limits name it', () => {
    const { store, limiter } = setup();
    const limits = [
      limit({ counter: 'writes', scope: 'grant', max: 5 }),
      limit({ counter: 'writes', scope: 'global', max: 100, windowMs: DAY }),
      limit({ counter: 'other', max: 5 }),
    ];
    const who = { ...alice, server: 'meatspace' };
    expect(limiter.tryConsume(limits, who).ok).toBe(true);
    expect(store.events).toEqual([
      { counter: 'meatspace/writes', grant: 'alice', session: 's1', at: T0 },
      { counter: 'meatspace/other', grant: 'alice', session: 's1', at: T0 },
    ]);
    expect(limiter.count(limits[0] as RateLimit, who)).toBe(1);
  });

  it("keeps each server's counters apart, even with the same name and scope global", () => {
    const { store, clock, limiter } = setup();
    const limits = [limit({ counter: 'writes', scope: 'global', max: 1 })];
    const onA = { ...alice, server: 'a' };
    const onB = { ...bob, server: 'b' };
    expect(limiter.tryConsume(limits, onA).ok).toBe(true);
    expect(limiter.tryConsume(limits, onA).ok).toBe(false);
    expect(limiter.tryConsume(limits, onB).ok).toBe(true);
    const restarted = new RateLimiter(store, clock);
    restarted.load();
    expect(restarted.tryConsume(limits, onA).ok).toBe(false);
    expect(restarted.tryConsume(limits, { ...alice, server: 'c' }).ok).toBe(true);
  });

  it('keeps slashes in counter names when reloading', () => {
    const { store, clock, limiter } = setup();
    const limits = [limit({ counter: 'a/b', max: 1 })];
    limiter.tryConsume(limits, { ...alice, server: 's' });
    limiter.tryConsume(limits, alice);
    const restarted = new RateLimiter(store, clock);
    restarted.load();
    expect(restarted.count(limits[0] as RateLimit, { ...alice, server: 's' })).toBe(1);
    expect(restarted.count(limits[0] as RateLimit, alice)).toBe(1);
  });

  it('checks every limit before counting any: a refused call counts nothing', () => {
    const { store, limiter } = setup();
    const tight = limit({ counter: 'tight', max: 1 });
    const loose = limit({ counter: 'loose', max: 10 });
    expect(limiter.tryConsume([tight], alice).ok).toBe(true);
    const before = store.events.length;
    expect(limiter.tryConsume([loose, tight], alice)).toMatchObject({ ok: false, limit: tight });
    expect(store.events.length).toBe(before);
    expect(limiter.count(loose, alice)).toBe(0);
  });

  it('check() never counts', () => {
    const { limiter } = setup();
    const limits = [limit({ max: 1 })];
    for (let i = 0; i < 5; i++) expect(limiter.check(limits, alice).ok).toBe(true);
    expect(limiter.count(limits[0] as RateLimit, alice)).toBe(0);
  });

  it('consume() counts unconditionally (a call a person approved past its limit)', () => {
    const { limiter } = setup();
    const limits = [limit({ max: 1 })];
    limiter.consume(limits, alice);
    limiter.consume(limits, alice);
    expect(limiter.count(limits[0] as RateLimit, alice)).toBe(2);
  });

  it('reports the limit that clears last, and a refusing one over one that escalates', () => {
    const { clock, limiter } = setup();
    const short = limit({ counter: 'short', windowMs: 10_000, max: 1 });
    const long = limit({ counter: 'long', windowMs: MINUTE, max: 1 });
    const ask = limit({
      counter: 'ask',
      windowMs: 5 * MINUTE,
      max: 1,
      onExceed: 'require_approval',
    });
    limiter.tryConsume([short, long, ask], alice);
    clock.advance(1_000);
    expect(limiter.check([short, long], alice)).toEqual({
      ok: false,
      limit: long,
      retryAfterMs: 59_000,
    });
    expect(limiter.check([ask, short], alice)).toEqual({
      ok: false,
      limit: short,
      retryAfterMs: 9_000,
    });
    expect(limiter.check([ask], alice)).toMatchObject({ ok: false, limit: ask });
  });

  it('leaves memory unchanged and propagates the error when the store cannot append', () => {
    const { store, limiter } = setup();
    const limits = [limit({ max: 1 })];
    store.failAppends = true;
    expect(() => limiter.tryConsume(limits, alice)).toThrow(/SQLITE_FULL/);
    expect(limiter.count(limits[0] as RateLimit, alice)).toBe(0);
    store.failAppends = false;
    expect(limiter.tryConsume(limits, alice).ok).toBe(true);
  });

  it('keeps the count across a restart by loading from the store', () => {
    const { clock, store, limiter } = setup();
    const limits = [limit({ max: 3 })];
    expect(fill(limiter, limits)).toBe(3);
    clock.advance(20_000);
    const restarted = new RateLimiter(store, clock);
    restarted.load();
    expect(restarted.tryConsume(limits, alice)).toMatchObject({ ok: false, retryAfterMs: 40_000 });
    expect(restarted.tryConsume(limits, bob).ok).toBe(true);
    clock.advance(40_000);
    expect(restarted.tryConsume(limits, alice).ok).toBe(true);
  });

  it('ignores stored events older than the longest window when loading', () => {
    const clock = new FakeClock(T0 + 40 * DAY);
    const store = new MemoryCounterStore();
    store.events.push({ counter: 'c', grant: 'alice', session: 's1', at: T0 });
    const limiter = new RateLimiter(store, clock);
    limiter.load();
    expect(limiter.count(limit({ windowMs: 31 * DAY }), alice)).toBe(0);
  });

  it('prunes events older than 31 days from memory and the store', () => {
    const { clock, store, limiter } = setup();
    const monthly = limit({ windowMs: 31 * DAY, max: 100 });
    limiter.tryConsume([monthly], alice);
    clock.advance(10 * DAY);
    limiter.tryConsume([monthly], alice);
    clock.advance(21 * DAY + 1);
    limiter.prune();
    expect(store.events.map((e) => e.at)).toEqual([T0 + 10 * DAY]);
    expect(limiter.count(monthly, alice)).toBe(1);
  });

  it('stays correct if the wall clock steps back', () => {
    const { clock, limiter } = setup();
    const limits = [limit({ max: 2 })];
    expect(limiter.tryConsume(limits, alice).ok).toBe(true);
    clock.advance(-30_000);
    expect(limiter.tryConsume(limits, alice).ok).toBe(true);
    expect(limiter.tryConsume(limits, alice).ok).toBe(false);
  });

  it('counts the last window from now when the wall clock steps back a day, neither resetting nor locking for a day', () => {
    const { clock, limiter } = setup();
    const limits = [limit({ max: 2 })];
    expect(fill(limiter, limits)).toBe(2);
    clock.advance(-DAY);
    // Still full: the two calls happened just now, whatever the clock says.
    expect(limiter.tryConsume(limits, alice)).toEqual({
      ok: false,
      limit: limits[0],
      retryAfterMs: MINUTE,
    });
    expect(limiter.count(limits[0]!, alice)).toBe(2);
    clock.advance(MINUTE - 1);
    expect(limiter.tryConsume(limits, alice).ok).toBe(false);
    clock.advance(1);
    expect(fill(limiter, limits)).toBe(2);
  });

  it('counts events stored later than the clock from now after a restart', () => {
    const { clock, store, limiter } = setup();
    const limits = [limit({ max: 2 })];
    expect(fill(limiter, limits)).toBe(2);
    clock.advance(-DAY);
    const restarted = new RateLimiter(store, clock);
    restarted.load();
    expect(restarted.tryConsume(limits, alice)).toMatchObject({ ok: false, retryAfterMs: MINUTE });
    clock.advance(MINUTE);
    expect(fill(restarted, limits)).toBe(2);
  });
});
