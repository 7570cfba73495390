// In-memory ports for core tests: a clock the test moves by hand and a counter store that can be
// told to fail.
import type { Clock, CounterEvent, CounterStore } from '../../../src/main/core/ports';

/** 2026-11-26T05:11:00Z, a fixed start so texts with absolute times are stable. */
export const T0 = Date.UTC(2026, 10, 26, 5, 11, 0);

export class FakeClock implements Clock {
  constructor(public time = T0) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

export class MemoryCounterStore implements CounterStore {
  events: CounterEvent[] = [];
  failAppends = false;

  loadSince(since: number): CounterEvent[] {
    return this.events.filter((e) => e.at > since).map((e) => ({ ...e }));
  }
  append(events: readonly CounterEvent[]): void {
    if (this.failAppends) throw new Error('SQLITE_FULL: database or disk is full');
    this.events.push(...events.map((e) => ({ ...e })));
  }
  pruneBefore(before: number): void {
    this.events = this.events.filter((e) => e.at >= before);
  }
}
