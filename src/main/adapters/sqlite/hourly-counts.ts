// The calls_hourly summary (calls per UTC hour and decision, for Activity's chart): kept in step
// with calls by the batched writes (a tally per batch) and by pruning (a recount of the hour the
// cutoff falls in), and read together with the calls at either end of a range.
import type BetterSqlite3 from 'better-sqlite3';
import type { CallDecision, HourlyCount } from '../../core/history/types';
import { statementCache, type Database } from './database';
import { HOUR_MS, type ResolvedFilter } from './history-sql';

/** A batch's changes to calls_hourly: calls added (+1) or taken away (-1) per hour and decision. */
export class HourlyTally {
  private readonly deltas = new Map<string, number>();

  /** Adds `delta` calls with `decision` to the UTC hour of `receivedAt`. */
  add(receivedAt: number, decision: CallDecision, delta: number): void {
    const key = `${Math.floor(receivedAt / HOUR_MS) * HOUR_MS} ${decision}`;
    this.deltas.set(key, (this.deltas.get(key) ?? 0) + delta);
  }

  /** Each hour and decision whose count changes, with the change. */
  *changes(): IterableIterator<[hour: number, decision: string, delta: number]> {
    for (const [key, delta] of this.deltas) {
      if (delta === 0) continue;
      const space = key.indexOf(' ');
      yield [Number(key.slice(0, space)), key.slice(space + 1), delta];
    }
  }
}

export class HourlyCounts {
  private readonly addToHour: BetterSqlite3.Statement<[number, string, number]>;
  private readonly dropEmptyHour: BetterSqlite3.Statement<[number, string]>;
  private readonly timeRange: BetterSqlite3.Statement<
    [],
    { first: number | null; last: number | null }
  >;
  private readonly prepared: ReturnType<typeof statementCache>;
  /** See recountBefore. */
  readonly recountBefore: (before: number) => void;

  constructor(db: Database) {
    this.addToHour = db.prepare(
      `INSERT INTO calls_hourly (hour, decision, count) VALUES (?, ?, ?)
       ON CONFLICT (hour, decision) DO UPDATE SET count = count + excluded.count`,
    );
    this.dropEmptyHour = db.prepare(
      'DELETE FROM calls_hourly WHERE hour = ? AND decision = ? AND count <= 0',
    );
    // Separate subqueries: SQLite answers a lone min() or max() from the end of an index, but
    // scans the whole table for both in one SELECT.
    this.timeRange = db.prepare(
      `SELECT (SELECT min(received_at) FROM calls) AS first,
         (SELECT max(received_at) FROM calls) AS last`,
    );
    this.prepared = statementCache(db);
    const dropHoursBefore = db.prepare<[number]>('DELETE FROM calls_hourly WHERE hour < ?');
    const recountHour = db.prepare<[number, number, number]>(
      `INSERT INTO calls_hourly (hour, decision, count)
       SELECT ?, decision, count(*) FROM calls
       WHERE received_at >= ? AND received_at < ? GROUP BY decision`,
    );
    // After a prune: hours wholly before the cutoff are gone, and the hour it cuts through is
    // counted again from its remaining calls (at most an hour of them, through calls_received).
    // IMMEDIATE takes the write lock before the count, so no batch lands between count and write.
    const recount = db.transaction((before: number) => {
      const cutHour = Math.floor(before / HOUR_MS) * HOUR_MS;
      dropHoursBefore.run(cutHour + HOUR_MS);
      recountHour.run(cutHour, cutHour, cutHour + HOUR_MS);
    });
    this.recountBefore = (before) => recount.immediate(before);
  }

  /** Applies a batch's tally, inside its transaction: one statement per hour and decision. */
  apply(tally: HourlyTally): void {
    for (const [hour, decision, delta] of tally.changes()) {
      this.addToHour.run(hour, decision, delta);
      if (delta < 0) this.dropEmptyHour.run(hour, decision);
    }
  }

  /**
   * Hourly counts filtered by nothing but time and decision: whole hours from calls_hourly, and
   * the partial hours at either end of the range counted from the calls (at most two hours of
   * them), so the cost does not grow with the calls.
   */
  read(filter: ResolvedFilter): HourlyCount[] {
    const { first, last } = this.timeRange.get() ?? {};
    if (first == null || last == null) return [];
    const from = Math.max(filter.from ?? -Infinity, first);
    const to = Math.min(filter.to ?? Infinity, last + 1);
    if (from >= to) return [];
    const decisions: CallDecision[] = filter.decision
      ? [filter.decision]
      : ['allow', 'deny', 'pending'];
    const wholeFrom = Math.ceil(from / HOUR_MS) * HOUR_MS;
    const wholeTo = Math.floor(to / HOUR_MS) * HOUR_MS;
    if (wholeFrom >= wholeTo) return this.countsFromTimeIndex(from, to, decisions);
    const whole = this.prepared<HourlyCount>(
      `SELECT hour, decision, count FROM calls_hourly
       WHERE hour >= ? AND hour < ? AND decision IN (${decisions.map(() => '?').join(', ')})
       ORDER BY hour, decision`,
    ).all(wholeFrom, wholeTo, ...decisions);
    return [
      ...this.countsFromTimeIndex(from, wholeFrom, decisions),
      ...whole,
      ...this.countsFromTimeIndex(wholeTo, to, decisions),
    ];
  }

  /**
   * Hourly counts in [from, to) from the covering calls_received index: each hour's slice is
   * counted in place, where a GROUP BY over the computed hour would sort every call first.
   */
  private countsFromTimeIndex(
    from: number,
    to: number,
    decisions: readonly CallDecision[],
  ): HourlyCount[] {
    if (from >= to) return [];
    // Each count is written once in the SELECT list: referenced again (in a WHERE, say), SQLite
    // would run the subquery twice.
    const sql = `WITH RECURSIVE hours (hour) AS (
         SELECT ? UNION ALL SELECT hour + ${HOUR_MS} FROM hours WHERE hour + ${HOUR_MS} < ?
       ),
       decisions (decision) AS (VALUES ${decisions.map(() => '(?)').join(', ')})
       SELECT hour, decision, (
         SELECT count(*) FROM calls
         WHERE received_at >= max(hour, ?) AND received_at < min(hour + ${HOUR_MS}, ?)
           AND +decision = decisions.decision
       ) AS count
       FROM hours CROSS JOIN decisions
       ORDER BY hour, decision`;
    const firstHour = Math.floor(from / HOUR_MS) * HOUR_MS;
    return this.prepared<HourlyCount>(sql)
      .all(firstHour, to, ...decisions, from, to)
      .filter((row) => row.count > 0);
  }
}
