// The durable side of rate limits: counter events in history.sqlite's counter_events table,
// behind the core's CounterStore port.
//
// Events ride the shared batches (batch-writer.ts): append() keeps them in memory and the next
// batch writes them, in the same transaction as the calls they counted, because a commit of their
// own sat on every limited call's path (figures in the README). The limiter enforces every limit
// from memory either way; what batching trades is that a crash of Airlock (not a quit, which
// writes everything) can forget the last batch's counted calls, with their history rows. While
// the batches' writes fail (disk full, database locked), the events wait and append() throws, so
// limited calls are refused rather than run with a count that may be lost.
import type BetterSqlite3 from 'better-sqlite3';
import type { CounterEvent, CounterStore, Logger } from '../../core/ports';
import type { Database } from './database';
import type { BatchWriter } from './batch-writer';

export interface SqliteCounterStoreOptions {
  /** Writes the events, in the same transactions as the history's calls. */
  batches: BatchWriter;
  logger: Logger;
}

interface CounterRow {
  counter: string;
  grant_name: string;
  session: string;
  at: number;
}

/** Events held in memory at most while writes fail; past this, append() throws. */
const MAX_UNWRITTEN_EVENTS = 100_000;

export class SqliteCounterStore implements CounterStore {
  private readonly batches: BatchWriter;
  private readonly selectSince: BetterSqlite3.Statement<[number], CounterRow>;
  private readonly deleteBefore: BetterSqlite3.Statement<[number]>;
  private readonly renameOne: BetterSqlite3.Statement<[string, string]>;
  /** Counted, not yet on disk, oldest first. */
  private unwritten: CounterEvent[] = [];
  /** How many of `unwritten` the batch being written holds. */
  private writing = 0;

  constructor(db: Database, options: SqliteCounterStoreOptions) {
    this.batches = options.batches;
    // id breaks ties so events with the same millisecond come back in the order they were counted.
    this.selectSince = db.prepare<[number], CounterRow>(
      'SELECT counter, grant_name, session, at FROM counter_events WHERE at > ? ORDER BY at, id',
    );
    const insertOne = db.prepare<[string, string, string, number]>(
      'INSERT INTO counter_events (counter, grant_name, session, at) VALUES (?, ?, ?, ?)',
    );
    this.deleteBefore = db.prepare('DELETE FROM counter_events WHERE at < ?');
    this.renameOne = db.prepare('UPDATE counter_events SET grant_name = ? WHERE grant_name = ?');
    options.batches.carry({
      waiting: () => this.unwritten.length,
      write: () => {
        this.writing = this.unwritten.length;
        for (const e of this.unwritten) insertOne.run(e.counter, e.grant, e.session, e.at);
      },
      written: () => {
        this.unwritten = this.unwritten.slice(this.writing);
        this.writing = 0;
      },
      discard: () => {
        options.logger.error('rate-limit counters: database closed with events not yet written', {
          events: this.unwritten.length,
        });
        this.unwritten = [];
      },
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
    const problem = this.batches.writeProblem();
    if (problem !== undefined) throw new Error(`rate-limit counters cannot be written: ${problem}`);
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
    this.batches.schedule();
  }

  pruneBefore(before: number): void {
    // Unwritten events are recent ones, never older than a prune's cutoff.
    this.deleteBefore.run(before);
  }

  renameGrant(from: string, to: string): void {
    this.flushOrThrow();
    this.renameOne.run(to, from);
  }

  /** Writes the waiting events now, with the history's waiting rows; false if that write failed. */
  flush(): boolean {
    return this.batches.flush();
  }

  private flushOrThrow(): void {
    if (!this.flush()) {
      throw new Error(
        `rate-limit counters cannot be written: ${this.batches.writeProblem() ?? 'the database is closed'}`,
      );
    }
  }
}
