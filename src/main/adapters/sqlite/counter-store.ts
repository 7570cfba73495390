// The durable side of rate limits: counter events in history.sqlite's counter_events table,
// behind the core's CounterStore port.
//
// Events are written in batches, like the history's calls: append() keeps them in memory and
// they are committed together within BATCH_DELAY_MS. A commit of its own before every limited
// call cost that call ~0.05 ms of latency and ~10 % of Airlock's CPU per call (a write to the
// WAL each time). The limiter enforces every limit from memory either way; what batching trades
// is that a crash of Airlock (not a quit, which writes everything) can forget the last 100 ms
// of counted calls, the same window the history's rows have. A write that fails (disk full,
// database locked) keeps the events and retries, and until a write works again append() throws,
// so limited calls are refused rather than run with a count that may be lost.
import type BetterSqlite3 from 'better-sqlite3';
import type { CounterEvent, CounterStore, Logger } from '../../core/ports';
import { errorMessage } from '../../../shared/error-message';
import type { Database } from './database';

export interface SqliteCounterStoreOptions {
  logger: Logger;
}

interface CounterRow {
  counter: string;
  grant_name: string;
  session: string;
  at: number;
}

/** How long events wait to be written together; the same window as the history's batches. */
const BATCH_DELAY_MS = 100;
/** How soon a failed write is tried again when no append comes to trigger it. */
const RETRY_MS = 1_000;
/** Events held in memory at most while writes fail; past this, append() throws. */
const MAX_UNWRITTEN_EVENTS = 100_000;

export class SqliteCounterStore implements CounterStore {
  private readonly db: Database;
  private readonly logger: Logger;
  private readonly selectSince: BetterSqlite3.Statement<[number], CounterRow>;
  private readonly deleteBefore: BetterSqlite3.Statement<[number]>;
  private readonly renameOne: BetterSqlite3.Statement<[string, string]>;
  private readonly insertAll: (events: readonly CounterEvent[]) => void;
  /** Counted, not yet on disk, oldest first. */
  private unwritten: CounterEvent[] = [];
  /** Why the last write failed, until one works again; append() refuses meanwhile. */
  private writeError: Error | undefined;
  private lastAttempt = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(db: Database, options: SqliteCounterStoreOptions) {
    this.db = db;
    this.logger = options.logger;
    // id breaks ties so events with the same millisecond come back in the order they were counted.
    this.selectSince = db.prepare<[number], CounterRow>(
      'SELECT counter, grant_name, session, at FROM counter_events WHERE at > ? ORDER BY at, id',
    );
    const insertOne = db.prepare<[string, string, string, number]>(
      'INSERT INTO counter_events (counter, grant_name, session, at) VALUES (?, ?, ?, ?)',
    );
    this.deleteBefore = db.prepare('DELETE FROM counter_events WHERE at < ?');
    this.renameOne = db.prepare('UPDATE counter_events SET grant_name = ? WHERE grant_name = ?');
    this.insertAll = db.transaction((events: readonly CounterEvent[]) => {
      for (const e of events) insertOne.run(e.counter, e.grant, e.session, e.at);
    });
  }

  loadSince(since: number): CounterEvent[] {
    this.flushOrThrow();
    return this.selectSince
      .all(since)
      .map((r) => ({ counter: r.counter, grant: r.grant_name, session: r.session, at: r.at }));
  }

  /** Takes all of one call's events or, by throwing, none of them. */
  append(events: readonly CounterEvent[]): void {
    if (this.writeError !== undefined && Date.now() - this.lastAttempt >= RETRY_MS) this.flush();
    if (this.writeError !== undefined) {
      throw new Error(`rate-limit counters cannot be written: ${this.writeError.message}`);
    }
    if (this.unwritten.length + events.length > MAX_UNWRITTEN_EVENTS) {
      throw new Error(`${this.unwritten.length} counter events are waiting to be written`);
    }
    // Checked here, not at the write: one bad event would otherwise fail every batch after it.
    for (const e of events) {
      if (
        typeof e.counter !== 'string' ||
        typeof e.grant !== 'string' ||
        typeof e.session !== 'string' ||
        !Number.isFinite(e.at)
      ) {
        throw new Error(`not a counter event: ${JSON.stringify(e)}`);
      }
    }
    this.unwritten.push(...events);
    this.schedule();
  }

  pruneBefore(before: number): void {
    // Unwritten events are recent ones, never older than a prune's cutoff.
    this.deleteBefore.run(before);
  }

  renameGrant(from: string, to: string): void {
    this.flushOrThrow();
    this.renameOne.run(to, from);
  }

  /**
   * Writes the waiting events now, in one transaction. Never throws: on failure they stay
   * waiting, append() refuses until a write works, and the write is tried again after RETRY_MS.
   */
  flush(): boolean {
    if (this.unwritten.length === 0) return true;
    if (!this.db.open) {
      this.logger.error('rate-limit counters: database closed with events not yet written', {
        events: this.unwritten.length,
      });
      this.unwritten = [];
      return false;
    }
    const events = this.unwritten;
    this.lastAttempt = Date.now();
    try {
      this.insertAll(events);
    } catch (error) {
      if (this.writeError === undefined) {
        this.logger.error('rate-limit counters: cannot write events; keeping them to retry', {
          events: events.length,
          error: errorMessage(error),
        });
      }
      this.writeError = error instanceof Error ? error : new Error(String(error));
      this.schedule(RETRY_MS);
      return false;
    }
    if (this.writeError !== undefined) {
      this.logger.info('rate-limit counters: events written again', { events: events.length });
      this.writeError = undefined;
    }
    this.unwritten = [];
    return true;
  }

  private flushOrThrow(): void {
    if (!this.flush()) {
      throw new Error(
        `rate-limit counters cannot be written: ${this.writeError?.message ?? 'the database is closed'}`,
      );
    }
  }

  private schedule(delayMs = BATCH_DELAY_MS): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, delayMs);
    // Shutdown calls flush() itself; a waiting batch must not keep a finished process alive.
    this.timer.unref();
  }
}
