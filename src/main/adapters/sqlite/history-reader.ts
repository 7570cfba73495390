// The history's reads (a call, a page of calls, hourly counts, the rows of an export) and its
// pruning, on a connection of their own to history.sqlite: what can take long at a million calls,
// kept apart from the batched writes on the proxy's side.
import type BetterSqlite3 from 'better-sqlite3';
import type {
  CallRecord,
  HistoryFilter,
  HistoryPage,
  HistoryQuery,
  HourlyCount,
} from '../../core/history/types';
import {
  exportText,
  type ExportFormat,
  type HistoryExport,
} from '../../core/history/export-format';
import { statementCache, type Database } from './database';
import {
  clampLimit,
  COLUMNS,
  countsSql,
  decodeCursor,
  encodeCursor,
  resolveTools,
  selectSql,
  toRecord,
  type CallRow,
  type ResolvedFilter,
} from './history-sql';
import { HourlyCounts } from './hourly-counts';

/**
 * Calls deleted per transaction by a prune. Small, because the proxy's batch writer waits for the
 * write lock while a chunk holds it (the bench's stall section measures the wait).
 */
const PRUNE_CHUNK = 200;

export class HistoryReader {
  private readonly selectOne: BetterSqlite3.Statement<[number], CallRow>;
  private readonly deleteChunk: BetterSqlite3.Statement<[number, number]>;
  private readonly idRange: BetterSqlite3.Statement<
    [],
    { newest: number | null; oldest: number | null }
  >;
  private readonly firstIdAt: BetterSqlite3.Statement<[number], number>;
  private readonly toolNames: BetterSqlite3.Statement<[], string>;
  private readonly hourly: HourlyCounts;
  private readonly prepared: ReturnType<typeof statementCache>;
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
    this.prepared = statementCache(db);
    this.hourly = new HourlyCounts(db);
    this.selectOne = db.prepare<[number], CallRow>(`SELECT ${COLUMNS} FROM calls c WHERE c.id = ?`);
    this.deleteChunk = db.prepare(
      `DELETE FROM calls WHERE id IN
         (SELECT id FROM calls WHERE received_at < ? ORDER BY received_at LIMIT ?)`,
    );
    // Separate subqueries: SQLite answers a lone min() or max() from the end of an index, but
    // scans the whole table for both in one SELECT.
    this.idRange = db.prepare(
      'SELECT (SELECT max(id) FROM calls) AS newest, (SELECT min(id) FROM calls) AS oldest',
    );
    this.firstIdAt = db
      .prepare<[number], number>(
        'SELECT id FROM calls WHERE received_at >= ? ORDER BY received_at LIMIT 1',
      )
      .pluck();
    // The distinct tool names, one index seek each down calls_tool, where SELECT DISTINCT reads
    // the whole index.
    this.toolNames = db
      .prepare<[], string>(
        `WITH RECURSIVE names (tool) AS (
           SELECT min(tool) FROM calls
           UNION ALL
           SELECT (SELECT min(tool) FROM calls WHERE tool > names.tool) FROM names
           WHERE names.tool IS NOT NULL
         )
         SELECT tool FROM names WHERE tool IS NOT NULL`,
      )
      .pluck();
  }

  get(id: number): CallRecord | undefined {
    const row = this.selectOne.get(id);
    return row && toRecord(row);
  }

  query(query: HistoryQuery): HistoryPage {
    const limit = clampLimit(query.limit);
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    // One row more than asked says whether an older page exists, without an empty last page.
    const rows = this.select(this.resolve(query), before, limit + 1);
    const calls = rows.slice(0, limit).map(toRecord);
    const last = calls.at(-1);
    return rows.length > limit && last ? { calls, nextCursor: encodeCursor(last.id) } : { calls };
  }

  countsByHour(query: HistoryFilter): HourlyCount[] {
    const filter = this.resolve(query);
    const counted = countsSql(filter);
    if (counted === undefined) return this.hourly.read(filter);
    return this.prepared<HourlyCount>(counted.sql).all(...counted.params);
  }

  /** The matching calls, newest first, at most `limit`. */
  rows(filter: HistoryFilter, limit: number): CallRecord[] {
    const count = Math.trunc(limit);
    if (!(count > 0)) return [];
    return this.select(this.resolve(filter), undefined, count).map(toRecord);
  }

  /** The newest `limit` matching calls as the text of an export. */
  exportText(format: ExportFormat, filter: HistoryFilter, limit: number): HistoryExport {
    return exportText(format, this.rows(filter, limit + 1), limit);
  }

  /**
   * Deletes up to a chunk of the calls received before `before`, in a transaction of its own (one
   * statement), so the batch writer waits at most one chunk for the write lock; the delete trigger
   * takes the FTS rows along. `done` once none are left. The hourly summary is brought in step
   * once all are gone (recountHoursBefore).
   */
  pruneChunk(before: number): { deleted: number; done: boolean } {
    const { changes } = this.deleteChunk.run(before, PRUNE_CHUNK);
    return { deleted: changes, done: changes < PRUNE_CHUNK };
  }

  /**
   * Copies what the write-ahead log holds into the database, without waiting for any writer.
   * Whichever connection commits past the log's limit does this otherwise, and a prune fills the
   * log fast: done here, it is not the proxy's thread that pays for it.
   */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** After a prune: see HourlyCounts.recountBefore. */
  recountHoursBefore(before: number): void {
    this.hourly.recountBefore(before);
  }

  private resolve(filter: HistoryFilter): ResolvedFilter {
    return resolveTools(filter, () => this.toolNames.all());
  }

  private select(filter: ResolvedFilter, before: number | undefined, limit: number): CallRow[] {
    const { sql, params } = selectSql(filter, before, () => this.isPastWindow(filter, before));
    return this.prepared<CallRow>(sql).all(...params, limit);
  }

  /**
   * Whether more calls arrived after the filter's time window than inside it, estimated from the
   * ids at its edges (an index lookup each).
   */
  private isPastWindow(filter: HistoryFilter, before: number | undefined): boolean {
    const { newest, oldest } = this.idRange.get() ?? {};
    if (!newest || !oldest) return false;
    const top = Math.min(before ?? Infinity, newest + 1);
    const end = (filter.to !== undefined && this.firstIdAt.get(filter.to)) || newest + 1;
    const start = (filter.from !== undefined && this.firstIdAt.get(filter.from)) || oldest;
    return top - end > Math.max(end - start, 1000);
  }
}
