// Sliding-window rate limits over named counters. Owns the in-memory index of recent counter
// events; the CounterStore passed in keeps them across restarts.
import { MAX_WINDOW_MS } from '../durations';
import type { Clock, CounterEvent, CounterStore } from '../ports';

export type LimitScope = 'grant' | 'session' | 'global';
export type OnExceed = 'deny' | 'require_approval';

/** One limit as the limiter sees it: at most `max` events of `counter` within any `windowMs`. */
export interface RateLimit {
  counter: string;
  windowMs: number;
  max: number;
  scope: LimitScope;
  onExceed: OnExceed;
  /**
   * The longest window of any limit in the same policy that names this counter: how long its
   * events must be kept in memory. Without it, events are kept for the longest possible window.
   */
  retention?: Readonly<{ ms: number }>;
}

/**
 * Who a call is counted for: its grant (client identity), MCP session and upstream server. Each
 * server has its own policy, so its counters are its own: "writes" in two policies are two budgets.
 */
export interface Caller {
  grant: string;
  session: string;
  /** The upstream server whose policy names the counters; "" when there is only one. */
  server?: string;
}

export type LimitCheck<L extends RateLimit = RateLimit> =
  { ok: true } | { ok: false; limit: L; retryAfterMs: number };

const OK: LimitCheck<never> = { ok: true };

/**
 * Event times of one counter for one scope key, oldest first. A plain array with a moving head, so
 * dropping old events is O(1) amortised and counting a window is a binary search.
 */
class Series {
  private times: number[] = [];
  private head = 0;

  get size(): number {
    return this.times.length - this.head;
  }

  push(at: number): void {
    const last = this.times[this.times.length - 1];
    // The wall clock can step back; keeping times sorted (and counting such an event a little
    // later than it happened) keeps the binary search valid and only ever errs towards refusing.
    this.times.push(last !== undefined && at < last ? last : at);
  }

  /** How many events happened strictly after `since`. */
  countAfter(since: number): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] as number) > since) hi = mid;
      else lo = mid + 1;
    }
    return this.times.length - lo;
  }

  /** Time of the n-th most recent event (n = 1 is the newest). */
  nthNewest(n: number): number {
    return this.times[this.times.length - n] as number;
  }

  /** Moves every event later than `now` back to `now`; the order stays sorted. */
  clampTo(now: number): void {
    for (let i = this.times.length - 1; i >= this.head && (this.times[i] as number) > now; i--) {
      this.times[i] = now;
    }
  }

  /** Forgets events at or before `cutoff`. */
  dropThrough(cutoff: number): void {
    while (this.head < this.times.length && (this.times[this.head] as number) <= cutoff)
      this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}

/** Every event of one counter, indexed three ways so each scope counts only its own events. */
interface CounterIndex {
  all: Series;
  byGrant: Map<string, Series>;
  bySession: Map<string, Series>;
  /** How long events stay in memory, from the policy that last counted here. */
  keepMs: number;
}

/**
 * CounterEvent has no server field, so the store keeps "<server>/<counter>". Server ids cannot
 * contain "/", so the first "/" separates them; a counter name may contain more.
 */
function storedCounterName(server: string, counter: string): string {
  return `${server}/${counter}`;
}

function splitStoredCounter(stored: string): [server: string, counter: string] {
  const slash = stored.indexOf('/');
  return slash < 0 ? ['', stored] : [stored.slice(0, slash), stored.slice(slash + 1)];
}

export class RateLimiter {
  /** server → counter → events. */
  private readonly servers = new Map<string, Map<string, CounterIndex>>();
  /** The time of the latest event in memory, to notice a wall clock that stepped back. */
  private latest = -Infinity;

  constructor(
    private readonly store: CounterStore,
    private readonly clock: Clock,
  ) {}

  /** Replaces memory with the stored events that can still fall in a window (the last 31 days). */
  load(): void {
    const since = this.clock.now() - MAX_WINDOW_MS;
    const events = this.store.loadSince(since);
    this.servers.clear();
    this.latest = -Infinity;
    const sorted = isSortedByTime(events) ? events : [...events].sort((a, b) => a.at - b.at);
    for (const event of sorted) {
      if (event.at <= since) continue;
      const [server, counter] = splitStoredCounter(event.counter);
      this.index(server, counter, event.grant, event.session, event.at, MAX_WINDOW_MS);
    }
    // Events stored later than now (the clock stepped back since) count from now.
    this.now();
  }

  /**
   * Whether one more call fits every limit, without counting it. When several limits are
   * exceeded, a refusing one wins over one that escalates to a person (a person cannot lift a
   * hard limit), and among those the one that clears last, so its retry time is a real answer.
   */
  check<L extends RateLimit>(limits: readonly L[], who: Caller): LimitCheck<L> {
    if (limits.length === 0) return OK;
    const now = this.now();
    let worst: L | undefined;
    let worstRetry = 0;
    for (const limit of limits) {
      const series = this.seriesFor(limit, who);
      if (series === undefined) continue;
      if (series.countAfter(now - limit.windowMs) < limit.max) continue;
      // The window has room again once the max-th newest event has left it.
      const retryAfterMs = series.nthNewest(limit.max) + limit.windowMs - now;
      if (
        worst === undefined ||
        (limit.onExceed === 'deny' && worst.onExceed !== 'deny') ||
        (limit.onExceed === worst.onExceed && retryAfterMs > worstRetry)
      ) {
        worst = limit;
        worstRetry = retryAfterMs;
      }
    }
    return worst === undefined
      ? OK
      : { ok: false, limit: worst, retryAfterMs: Math.max(1, worstRetry) };
  }

  /**
   * Checks every limit and, only if all have room, counts the call against each distinct counter.
   * Atomic because nothing yields in between; a refused call counts nothing. Throws if the store
   * cannot record the call, leaving memory as it was, so the caller refuses the call.
   */
  tryConsume<L extends RateLimit>(limits: readonly L[], who: Caller): LimitCheck<L> {
    const result = this.check(limits, who);
    if (result.ok) this.consume(limits, who);
    return result;
  }

  /**
   * Counts a call without checking, once per distinct counter among `limits`: for a call a person
   * approved past its limit, which did run. The store is written first; if it throws, memory is
   * untouched and the error propagates.
   */
  consume(limits: readonly RateLimit[], who: Caller): void {
    if (limits.length === 0) return;
    const at = this.now();
    const server = who.server ?? '';
    const counters: { counter: string; keepMs: number }[] = [];
    const events: CounterEvent[] = [];
    for (let i = 0; i < limits.length; i++) {
      const limit = limits[i] as RateLimit;
      const counter = limit.counter;
      if (hasCounterBefore(limits, i, counter)) continue;
      counters.push({ counter, keepMs: keepFor(limits, counter) });
      events.push({
        counter: storedCounterName(server, counter),
        grant: who.grant,
        session: who.session,
        at,
      });
    }
    this.store.append(events);
    for (const { counter, keepMs } of counters) {
      this.index(server, counter, who.grant, who.session, at, keepMs);
    }
  }

  /** How many events currently count against `limit` for `who` (for showing usage). */
  count(limit: RateLimit, who: Caller): number {
    const now = this.now();
    return this.seriesFor(limit, who)?.countAfter(now - limit.windowMs) ?? 0;
  }

  /**
   * Forgets events that no window can count any more: in memory, those older than the longest
   * window naming their counter; in the store, those older than the longest possible window, so a
   * policy that lengthens a window after a restart still finds them.
   */
  prune(): void {
    const now = this.clock.now();
    const cutoff = now - MAX_WINDOW_MS;
    for (const [server, counters] of this.servers) {
      for (const [counter, index] of counters) {
        const cutoff = now - index.keepMs;
        index.all.dropThrough(cutoff);
        if (index.all.size === 0) {
          counters.delete(counter);
          continue;
        }
        pruneMap(index.byGrant, cutoff);
        pruneMap(index.bySession, cutoff);
      }
      if (counters.size === 0) this.servers.delete(server);
    }
    this.store.pruneBefore(cutoff);
  }

  /** Moves a renamed grant's counted calls to its new name, so renaming resets no limit. */
  renameGrant(from: string, to: string): void {
    this.store.renameGrant(from, to);
    this.load();
  }

  /**
   * The clock's time, after moving every event later than it back to it. A wall clock that steps
   * back (a day, after a wrong time is corrected) would otherwise leave the last window's events in
   * the future: counted until the clock catches up with them, which locks a limited tool for as long
   * as the step. Moved back, they count for one full window from now, as if they had just happened,
   * which is as long as they can have been in the window by any clock that never steps back.
   */
  private now(): number {
    const now = this.clock.now();
    if (now < this.latest) {
      for (const counters of this.servers.values()) {
        for (const index of counters.values()) {
          index.all.clampTo(now);
          for (const series of index.byGrant.values()) series.clampTo(now);
          for (const series of index.bySession.values()) series.clampTo(now);
        }
      }
      this.latest = now;
    }
    return now;
  }

  private seriesFor(limit: RateLimit, who: Caller): Series | undefined {
    const index = this.servers.get(who.server ?? '')?.get(limit.counter);
    if (index === undefined) return undefined;
    switch (limit.scope) {
      case 'grant':
        return index.byGrant.get(who.grant);
      case 'session':
        return index.bySession.get(who.session);
      case 'global':
        return index.all;
    }
  }

  private index(
    server: string,
    counter: string,
    grant: string,
    session: string,
    at: number,
    keepMs: number,
  ): void {
    let counters = this.servers.get(server);
    if (counters === undefined) {
      counters = new Map();
      this.servers.set(server, counters);
    }
    let index = counters.get(counter);
    if (index === undefined) {
      index = { all: new Series(), byGrant: new Map(), bySession: new Map(), keepMs };
      counters.set(counter, index);
    }
    index.keepMs = keepMs;
    if (at > this.latest) this.latest = at;
    // Drop what can no longer count on the way, so a busy counter stays bounded between prunes.
    const cutoff = at - keepMs;
    appendTo(index.all, at, cutoff);
    appendTo(seriesIn(index.byGrant, grant), at, cutoff);
    appendTo(seriesIn(index.bySession, session), at, cutoff);
  }
}

/** How long a counter's events must be kept: the longest window that may count them. */
function keepFor(limits: readonly RateLimit[], counter: string): number {
  let keepMs = 0;
  for (const limit of limits) {
    if (limit.counter === counter) {
      keepMs = Math.max(keepMs, limit.retention?.ms ?? MAX_WINDOW_MS, limit.windowMs);
    }
  }
  return keepMs;
}

function appendTo(series: Series, at: number, cutoff: number): void {
  series.dropThrough(cutoff);
  series.push(at);
}

function seriesIn(map: Map<string, Series>, key: string): Series {
  let series = map.get(key);
  if (series === undefined) {
    series = new Series();
    map.set(key, series);
  }
  return series;
}

function pruneMap(map: Map<string, Series>, cutoff: number): void {
  for (const [key, series] of map) {
    series.dropThrough(cutoff);
    if (series.size === 0) map.delete(key);
  }
}

function hasCounterBefore(limits: readonly RateLimit[], end: number, counter: string): boolean {
  for (let i = 0; i < end; i++) if ((limits[i] as RateLimit).counter === counter) return true;
  return false;
}

function isSortedByTime(events: readonly CounterEvent[]): boolean {
  for (let i = 1; i < events.length; i++) {
    if ((events[i] as CounterEvent).at < (events[i - 1] as CounterEvent).at) return false;
  }
  return true;
}
