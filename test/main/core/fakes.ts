// In-memory ports for core tests: a clock (and timers) the test moves by hand, and counter and
// history stores that can be told to fail; and the core wired to them.
import type {
  CallRecord,
  CallUpdate,
  HistoryFilter,
  HistoryPage,
  HistoryQuery,
  HistoryStore,
  HourlyCount,
  NewCall,
} from '../../../src/main/core/history/types';
import {
  exportText,
  type EncodedExport,
  type ExportFormat,
} from '../../../src/main/core/history/export-format';
import { JsonStringBytes } from '../../../src/main/core/history/json-string-bytes';
import type { Clock, CounterEvent, CounterStore, Timers } from '../../../src/main/core/ports';
import { toolNameContains } from '../../../src/shared/tool-name-match';
import { DEFAULT_SETTINGS } from '../../../src/main/core/config/types';
import { createCore, type CorePorts } from '../../../src/main/core/create-core';
import { RateLimiter } from '../../../src/main/core/limits/rate-limiter';
import { silentLogger } from '../../../src/main/core/ports';
import { createRedactor } from '../../../src/main/core/redaction/redactor';

/** 2026-11-26T05:11:00Z, a fixed start so texts with absolute times are stable. */
export const T0 = Date.UTC(2026, 10, 26, 5, 11, 0);

/** A clock and timers the test moves by hand; `advance` fires every timer that falls due, in order. */
export class FakeClock implements Clock, Timers {
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(public time = T0) {}
  now(): number {
    return this.time;
  }
  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }
  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers
        .filter((t) => t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = end;
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
  renameGrant(from: string, to: string): void {
    for (const e of this.events) if (e.grant === from) e.grant = to;
  }
}

/** History in memory, with the SQLite store's contract; `failWrites` makes inserts throw like a full disk. */
export class MemoryHistoryStore implements HistoryStore {
  records: CallRecord[] = [];
  failWrites = false;
  private nextId = 1;

  writeProblem(): string | undefined {
    return this.failWrites ? 'SQLITE_FULL: database or disk is full' : undefined;
  }
  insert(call: NewCall): number {
    if (this.failWrites) throw new Error('SQLITE_FULL: database or disk is full');
    const id = this.nextId++;
    this.records.push({ ...call, id });
    return id;
  }
  update(id: number, change: CallUpdate): void {
    const row = this.records.find((r) => r.id === id);
    if (row) Object.assign(row, change);
  }
  flush(): boolean {
    return !this.failWrites;
  }
  /** The call with `id` as it stands, read at once (the port's reads are asynchronous). */
  record(id: number): CallRecord | undefined {
    return this.records.find((r) => r.id === id);
  }
  async get(id: number): Promise<CallRecord | undefined> {
    return this.record(id);
  }
  async query(query: HistoryQuery): Promise<HistoryPage> {
    return { calls: this.matching(query, query.limit ?? 100) };
  }
  async countsByHour(): Promise<HourlyCount[]> {
    return [];
  }
  async rows(filter: HistoryFilter, limit: number): Promise<CallRecord[]> {
    return this.matching(filter, limit);
  }
  private matching(filter: HistoryFilter, limit: number): CallRecord[] {
    const found: CallRecord[] = [];
    for (const row of [...this.records].reverse()) {
      if (found.length >= limit) break;
      if (filter.tool !== undefined && row.tool !== filter.tool) continue;
      if (filter.toolContains !== undefined && !toolNameContains(row.tool, filter.toolContains))
        continue;
      if (filter.server !== undefined && row.server !== filter.server) continue;
      if (filter.grant !== undefined && row.grant !== filter.grant) continue;
      found.push(row);
    }
    return found;
  }
  async exportText(
    format: ExportFormat,
    filter: HistoryFilter,
    limit: number,
  ): Promise<EncodedExport> {
    const made = exportText(format, this.matching(filter, limit + 1), limit);
    return { ...made, content: JsonStringBytes.encode(made.content) };
  }
  async prune(): Promise<number> {
    return 0;
  }
  closeUnfinished(): number {
    return 0;
  }
}

/**
 * The core wired to the ports above (a hand-moved clock, in-memory history and counters, the
 * default redaction and settings), as most core tests want it; `ports` replaces any of them.
 */
export function memoryCore(ports: Partial<CorePorts> = {}) {
  const clock = new FakeClock();
  const history = new MemoryHistoryStore();
  const core = createCore({
    clock,
    timers: clock,
    logger: silentLogger,
    history,
    limiter: new RateLimiter(new MemoryCounterStore(), clock),
    redactor: createRedactor(),
    argsHashKey: new Uint8Array(32),
    settings: () => DEFAULT_SETTINGS,
    ...ports,
  });
  return { core, clock, history };
}
