// The durable side of rate limits: counter events in history.sqlite's counter_events table,
// behind the core's CounterStore port.
import type BetterSqlite3 from 'better-sqlite3';
import type { CounterEvent, CounterStore } from '../../core/ports';
import type { Database } from './database';

interface CounterRow {
  counter: string;
  grant_name: string;
  session: string;
  at: number;
}

export class SqliteCounterStore implements CounterStore {
  private readonly selectSince: BetterSqlite3.Statement<[number], CounterRow>;
  private readonly insertOne: BetterSqlite3.Statement<[string, string, string, number]>;
  private readonly deleteBefore: BetterSqlite3.Statement<[number]>;
  private readonly renameOne: BetterSqlite3.Statement<[string, string]>;
  private readonly insertAll: (events: readonly CounterEvent[]) => void;

  constructor(db: Database) {
    // id breaks ties so events with the same millisecond come back in the order they were counted.
    this.selectSince = db.prepare<[number], CounterRow>(
      'SELECT counter, grant_name, session, at FROM counter_events WHERE at > ? ORDER BY at, id',
    );
    this.insertOne = db.prepare(
      'INSERT INTO counter_events (counter, grant_name, session, at) VALUES (?, ?, ?, ?)',
    );
    this.deleteBefore = db.prepare('DELETE FROM counter_events WHERE at < ?');
    this.renameOne = db.prepare('UPDATE counter_events SET grant_name = ? WHERE grant_name = ?');
    // One transaction: the limits a call is checked against are counted all or none.
    this.insertAll = db.transaction((events: readonly CounterEvent[]) => {
      for (const e of events) this.insertOne.run(e.counter, e.grant, e.session, e.at);
    });
  }

  loadSince(since: number): CounterEvent[] {
    return this.selectSince
      .all(since)
      .map((r) => ({ counter: r.counter, grant: r.grant_name, session: r.session, at: r.at }));
  }

  append(events: readonly CounterEvent[]): void {
    // A single INSERT is its own transaction; BEGIN and COMMIT around it only cost time.
    if (events.length === 1) {
      const e = events[0]!;
      this.insertOne.run(e.counter, e.grant, e.session, e.at);
    } else if (events.length > 1) {
      this.insertAll(events);
    }
  }

  pruneBefore(before: number): void {
    this.deleteBefore.run(before);
  }

  renameGrant(from: string, to: string): void {
    this.renameOne.run(to, from);
  }
}
