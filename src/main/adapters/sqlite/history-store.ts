// The call history in history.sqlite's calls table and its calls_fts index, behind the core's
// HistoryStore port: calls and their updates are kept in memory and written with the shared
// batches (batch-writer.ts), off the proxy's path, and the UI's queries read them. Until a failed
// write works again insert() throws, so the proxy refuses new calls rather than run them
// unrecorded.
import type BetterSqlite3 from 'better-sqlite3';
import type {
  CallDecision,
  CallRecord,
  CallUpdate,
  HistoryFilter,
  HistoryPage,
  HistoryQuery,
  HistoryStore,
  HourlyCount,
  NewCall,
} from '../../core/history/types';
import type { Logger } from '../../core/ports';
import type { BatchPart, BatchWriter } from './batch-writer';
import type { Database } from './database';
import { errorMessage } from '../../../shared/error-message';
import { toolNameContains } from '../../../shared/tool-name-match';

export interface SqliteHistoryStoreOptions {
  logger: Logger;
  /** Writes the calls, in the same transactions as the counter events they counted. */
  batches: BatchWriter;
}

/** Page size when the query names none, and the most one page may hold. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;
/**
 * Calls with updates waiting for a write that keeps failing. Beyond this many, new ones are
 * dropped (and logged) so a long outage cannot grow memory without bound.
 */
const MAX_QUEUED_UPDATES = 10_000;
/** Rows deleted per transaction by prune: each commit lets other writers in and keeps the WAL small. */
const PRUNE_CHUNK = 5_000;
/**
 * Free text matches whole words; a term ending in "*" matches words starting with it, if it has
 * at least this many letters. Whole words are the default because FTS5 returns a word's calls
 * newest first and stops at the page, while a prefix first merges the full list of calls of every
 * word it matches: 0.2 ms against 40 ms for a common word at a million calls, 0.6 s for "re*".
 */
const MIN_PREFIX_CHARS = 3;
const HOUR_MS = 3_600_000;
/** Calls held in memory at most while writes fail; past this, insert() throws. */
const MAX_UNWRITTEN_CALLS = 10_000;
const STOPPED_ERROR = 'Airlock stopped before the server answered';

interface CallRow {
  id: number;
  received_at: number;
  decided_at: number | null;
  finished_at: number | null;
  grant_name: string;
  session: string;
  server: string;
  tool: string;
  args: string;
  args_hash: string;
  action: NewCall['action'];
  decision: CallDecision;
  decided_by: NewCall['decidedBy'];
  rule: string;
  reason: string;
  policy_hash: string | null;
  status: NewCall['status'];
  result: string | null;
  result_truncated: number;
  error: string | null;
}

type Param = string | number | null;

const COLUMNS = [
  'id',
  'received_at',
  'decided_at',
  'finished_at',
  'grant_name',
  'session',
  'server',
  'tool',
  'args',
  'args_hash',
  'action',
  'decision',
  'decided_by',
  'rule',
  'reason',
  'policy_hash',
  'status',
  'result',
  'result_truncated',
  'error',
]
  .map((column) => `c.${column}`)
  .join(', ');

/** What calls_fts indexes for a call: every field a person might search for. */
const SEARCH_TEXT = `c.tool || ' ' || c.server || ' ' || c.grant_name || ' ' || c.args || ' ' ||
  c.reason || ' ' || coalesce(c.result, '') || ' ' || coalesce(c.error, '')`;

export class SqliteHistoryStore implements HistoryStore {
  private readonly db: Database;
  private readonly logger: Logger;
  private readonly selectOne: BetterSqlite3.Statement<[number], CallRow>;
  private readonly pruneChunk: BetterSqlite3.Statement<[number, number]>;
  private readonly selectUnfinished: BetterSqlite3.Statement<[], { id: number; held: number }>;
  private readonly idRange: BetterSqlite3.Statement<
    [],
    { newest: number | null; oldest: number | null }
  >;
  private readonly firstIdAt: BetterSqlite3.Statement<[number], number>;
  private readonly timeRange: BetterSqlite3.Statement<
    [],
    { first: number | null; last: number | null }
  >;
  private readonly toolNames: BetterSqlite3.Statement<[], string>;
  private readonly recountHoursBefore: (before: number) => void;
  private readonly batches: BatchWriter;
  /** Writes calls and updates inside the caller's transaction; returns how many calls changed. */
  private readonly writeRows: (
    fresh: readonly (readonly [number, NewCall])[],
    batch: readonly (readonly [number, CallUpdate])[],
  ) => number;
  /** writeRows in a transaction of its own. */
  private readonly writeNow: (batch: readonly (readonly [number, CallUpdate])[]) => number;
  /** Queries prepared once per SQL text; there are only as many texts as filter combinations. */
  private readonly statements = new Map<string, BetterSqlite3.Statement<Param[], unknown>>();

  /** Calls not yet written; updates to them are merged in here. */
  private readonly fresh = new Map<number, NewCall>();
  /** The id the next call gets, assigned here so a call has its id before it is written. */
  private nextId: number;
  /** Updates to calls already in calls, merged per call, in the order the calls were first updated. */
  private readonly queued = new Map<number, CallUpdate>();
  /** Until the first write: calls a crash left out of the search index may wait for it. */
  private unindexed = true;
  /** What the batch being written took, so a commit removes exactly that from memory. */
  private writing: {
    fresh: (readonly [number, NewCall])[];
    batch: (readonly [number, CallUpdate])[];
  } = { fresh: [], batch: [] };
  /** Updates dropped while writes failed, reported once one works again. */
  private dropped = { count: 0, firstId: 0, lastId: 0 };

  constructor(db: Database, options: SqliteHistoryStoreOptions) {
    this.db = db;
    this.logger = options.logger;
    this.batches = options.batches;
    const insertCall = db.prepare<Param[]>(
      `INSERT INTO calls (id, received_at, decided_at, finished_at, grant_name, session, server,
         tool, args, args_hash, action, decision, decided_by, rule, reason, policy_hash, status,
         result, result_truncated, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // AUTOINCREMENT's high-water mark outlives pruning, so an id is never handed out twice.
    const highest = db
      .prepare<[], number>(
        `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'calls'), 0),
           coalesce((SELECT max(id) FROM calls), 0))`,
      )
      .pluck()
      .get();
    this.nextId = (highest ?? 0) + 1;
    this.selectOne = db.prepare<[number], CallRow>(`SELECT ${COLUMNS} FROM calls c WHERE c.id = ?`);
    this.pruneChunk = db.prepare(
      `DELETE FROM calls WHERE id IN
         (SELECT id FROM calls WHERE received_at < ? ORDER BY received_at LIMIT ?)`,
    );
    // Two index lookups (calls_decision, the partial calls_running), never a scan of the table.
    this.selectUnfinished = db.prepare<[], { id: number; held: number }>(
      `SELECT id, 1 AS held FROM calls WHERE decision = 'pending'
       UNION ALL SELECT id, 0 AS held FROM calls WHERE status = 'running'`,
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
    this.timeRange = db.prepare(
      `SELECT (SELECT min(received_at) FROM calls) AS first,
         (SELECT max(received_at) FROM calls) AS last`,
    );
    // The distinct tool names, one index seek each down calls_tool (0.02 ms for 20 names at a
    // million calls), where SELECT DISTINCT reads the whole index (36 ms).
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

    const readProgress = db
      .prepare<[], number>('SELECT indexed_through FROM calls_search_progress')
      .pluck();
    const saveProgress = db.prepare<[number]>(
      'UPDATE calls_search_progress SET indexed_through = ?',
    );
    const indexNew = db.prepare<[number, number]>(
      `INSERT INTO calls_fts (rowid, body)
       SELECT c.id, ${SEARCH_TEXT} FROM calls c WHERE c.id > ? AND c.id <= ?`,
    );
    const unindex = db.prepare<[number]>('DELETE FROM calls_fts WHERE rowid = ?');
    const indexOne = db.prepare<[number]>(
      `INSERT INTO calls_fts (rowid, body) SELECT c.id, ${SEARCH_TEXT} FROM calls c WHERE c.id = ?`,
    );

    const dropHoursBefore = db.prepare<[number]>('DELETE FROM calls_hourly WHERE hour < ?');
    const recountHour = db.prepare<[number, number, number]>(
      `INSERT INTO calls_hourly (hour, decision, count)
       SELECT ?, decision, count(*) FROM calls
       WHERE received_at >= ? AND received_at < ? GROUP BY decision`,
    );
    const selectHourOf = db.prepare<[number], { received_at: number; decision: CallDecision }>(
      'SELECT received_at, decision FROM calls WHERE id = ?',
    );
    const addToHour = db.prepare<[number, string, number]>(
      `INSERT INTO calls_hourly (hour, decision, count) VALUES (?, ?, ?)
       ON CONFLICT (hour, decision) DO UPDATE SET count = count + excluded.count`,
    );
    const dropEmptyHour = db.prepare<[number, string]>(
      'DELETE FROM calls_hourly WHERE hour = ? AND decision = ? AND count <= 0',
    );
    /** Applies a batch's changes to calls_hourly: one statement per hour and decision it touched. */
    const applyHourly = (deltas: Map<string, number>) => {
      for (const [key, delta] of deltas) {
        if (delta === 0) continue;
        const [hour, decision] = splitHourKey(key);
        addToHour.run(hour, decision, delta);
        if (delta < 0) dropEmptyHour.run(hour, decision);
      }
    };

    // Everything waiting, in one transaction and so one commit: the queued updates, then the
    // search index for calls new since the last batch (with their text as updated, so a call that
    // started and finished in between is indexed once), then re-indexing of older calls whose
    // text changed. The progress row commits with the index, so a crash loses neither. Returns
    // how many calls changed.
    this.writeRows = (fresh, batch) => {
      const indexedThrough = readProgress.get() ?? 0;
      let changed = 0;
      const hourly = new Map<string, number>();
      for (const [id, call] of fresh) {
        try {
          insertCall.run(
            id,
            call.receivedAt,
            call.decidedAt ?? null,
            call.finishedAt ?? null,
            call.grant,
            call.session,
            call.server,
            call.tool,
            call.args,
            call.argsHash,
            call.action,
            call.decision,
            call.decidedBy,
            call.rule,
            call.reason,
            call.policyHash ?? null,
            call.status,
            call.result ?? null,
            call.resultTruncated ? 1 : 0,
            call.error ?? null,
          );
          changed++;
          countInHour(hourly, call.receivedAt, call.decision, 1);
        } catch (err) {
          if (!isBadUpdate(err)) throw err;
          this.logger.error('history: dropped a call that cannot be written', {
            id,
            error: errorMessage(err),
          });
        }
      }
      const reindex: number[] = [];
      for (const [id, change] of batch) {
        try {
          const [sql, values] = updateSql(change);
          if (values.length === 0) continue;
          // Only a held call's answer changes a decision: rare enough to read the row first.
          const before = change.decision === undefined ? undefined : selectHourOf.get(id);
          const { changes } = this.prepared(sql).run(...values, id);
          changed += changes;
          if (changes > 0 && before && before.decision !== change.decision) {
            countInHour(hourly, before.received_at, before.decision, -1);
            countInHour(hourly, before.received_at, change.decision!, 1);
          }
          const textChanged =
            change.reason !== undefined ||
            change.result !== undefined ||
            change.error !== undefined;
          if (changes > 0 && textChanged && id <= indexedThrough) reindex.push(id);
        } catch (err) {
          // An update that can never be written must not hold back the others forever; anything
          // else (disk full, locked, IO) fails the whole batch, which is kept for the retry.
          if (!isBadUpdate(err)) throw err;
          this.logger.error('history: dropped a call update that cannot be written', {
            id,
            error: errorMessage(err),
          });
        }
      }
      applyHourly(hourly);
      const newest = this.idRange.get()?.newest ?? 0;
      if (newest > indexedThrough) {
        indexNew.run(indexedThrough, newest);
        saveProgress.run(newest);
      }
      // A contentless index takes a second entry for a rowid without complaint: always remove the
      // old one first.
      for (const id of reindex) {
        unindex.run(id);
        indexOne.run(id);
      }
      return changed;
    };
    this.writeNow = db.transaction((batch) => this.writeRows([], batch));

    // After a prune: hours wholly before the cutoff are gone, and the hour it cuts through is
    // counted again from its remaining calls (at most an hour of them, through calls_received).
    this.recountHoursBefore = db.transaction((before: number) => {
      const cutHour = Math.floor(before / HOUR_MS) * HOUR_MS;
      dropHoursBefore.run(cutHour + HOUR_MS);
      recountHour.run(cutHour, cutHour, cutHour + HOUR_MS);
    });

    this.batches.carry(this.batchPart());
    // Calls a crash left out of the search index are indexed now.
    this.flush();
  }

  writeProblem(): string | undefined {
    return this.batches.writeProblem();
  }

  insert(call: NewCall): number {
    const cause = this.batches.failure();
    if (cause !== undefined) {
      const error: Error & { code?: string } = new Error(
        `the history cannot be written: ${cause.message}`,
      );
      error.code = cause.code;
      throw error;
    }
    if (this.fresh.size >= MAX_UNWRITTEN_CALLS) {
      throw new Error(`${this.fresh.size} calls are waiting to be written to the history`);
    }
    const id = this.nextId++;
    this.fresh.set(id, { ...call });
    this.batches.schedule();
    return id;
  }

  update(id: number, change: CallUpdate): void {
    const fresh = this.fresh.get(id);
    if (fresh) {
      // Not written to calls yet: the row goes in with the change already applied.
      Object.assign(fresh, definedFields(change));
      this.batches.schedule();
      return;
    }
    const earlier = this.queued.get(id);
    if (earlier) {
      this.queued.set(id, { ...earlier, ...definedFields(change) });
    } else if (this.queued.size < MAX_QUEUED_UPDATES) {
      this.queued.set(id, { ...change });
    } else {
      this.drop(id, change);
      return;
    }
    this.batches.schedule();
  }

  /** Writes the batched calls, updates and counter events now (see BatchWriter.flush). */
  flush(): boolean {
    return this.batches.flush();
  }

  get(id: number): CallRecord | undefined {
    this.flush();
    const row = this.selectOne.get(id);
    return row && toRecord(row);
  }

  query(query: HistoryQuery): HistoryPage {
    this.flush();
    const limit = clampLimit(query.limit);
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    // One row more than asked says whether an older page exists, without an empty last page.
    const { sql, params } = this.selectSql(this.resolveTools(query), before);
    const rows = this.prepared<CallRow>(sql).all(...params, limit + 1);
    const calls = rows.slice(0, limit).map(toRecord);
    const last = calls.at(-1);
    return rows.length > limit && last ? { calls, nextCursor: encodeCursor(last.id) } : { calls };
  }

  countsByHour(query: HistoryFilter): HourlyCount[] {
    this.flush();
    const filter = this.resolveTools(query);
    const match = ftsQuery(filter.text);
    if (match === undefined && !filter.tool && !filter.tools && !filter.server && !filter.grant) {
      return this.countsByTimeAndDecision(filter);
    }
    const { from, conditions, params } = filterSql(filter, match, undefined);
    const sql = `SELECT (c.received_at / ${HOUR_MS}) * ${HOUR_MS} AS hour, c.decision AS decision,
         count(*) AS count
       FROM ${from} ${where(conditions)}
       GROUP BY hour, c.decision ORDER BY hour, c.decision`;
    return this.prepared<HourlyCount>(sql).all(...params);
  }

  /**
   * Iterates the matching calls newest first. The connection is busy until the iteration ends,
   * so consume it synchronously (no await in between), as the exporters do.
   */
  *rows(filter: HistoryFilter, limit: number): IterableIterator<CallRecord> {
    const count = Math.trunc(limit);
    if (!(count > 0)) return;
    this.flush();
    const { sql, params } = this.selectSql(this.resolveTools(filter), undefined);
    for (const row of this.prepared<CallRow>(sql).iterate(...params, count)) {
      yield toRecord(row);
    }
  }

  prune(before: number): number {
    this.flush();
    // Chunks, each its own transaction (one statement), so a long backlog never holds the write
    // lock or grows the WAL for the whole run. The delete trigger takes the FTS rows along.
    let total = 0;
    for (;;) {
      const { changes } = this.pruneChunk.run(before, PRUNE_CHUNK);
      total += changes;
      if (changes < PRUNE_CHUNK) break;
    }
    if (total > 0) this.recountHoursBefore(before);
    return total;
  }

  closeUnfinished(now: number): number {
    this.flush();
    const batch = this.selectUnfinished.all().map(({ id, held }): [number, CallUpdate] => [
      id,
      held
        ? {
            decision: 'deny',
            decidedBy: 'restart',
            decidedAt: now,
            status: 'not_run',
            finishedAt: now,
          }
        : { status: 'failed', finishedAt: now, error: STOPPED_ERROR },
    ]);
    // Written at once, not queued: the caller is starting up and must know it worked.
    return batch.length === 0 ? 0 : this.writeNow(batch);
  }

  /**
   * The filter with its part of a tool name turned into the tool names that contain it, so the
   * query reads calls_tool for each name (an index seek each) instead of testing every call's
   * name. A part that every name contains filters nothing, and is dropped: the counts can then
   * come from calls_hourly.
   */
  private resolveTools(filter: HistoryFilter): ResolvedFilter {
    const { toolContains, ...rest } = filter;
    if (toolContains === undefined) return rest;
    const all = this.toolNames.all();
    const tools = all.filter((name) => toolNameContains(name, toolContains));
    return tools.length === all.length ? rest : { ...rest, tools };
  }

  /** The newest-first select for a filter, and its parameters but the trailing LIMIT. */
  private selectSql(
    filter: ResolvedFilter,
    before: number | undefined,
  ): { sql: string; params: Param[] } {
    const match = ftsQuery(filter.text);
    if (match === undefined && filter.to !== undefined && this.isPastWindow(filter, before)) {
      // Walking ids down from the newest call would read every call after the window first.
      // Instead the window's ids come from calls_received alone (index only, sorted as bare
      // integers, never as whole rows), and only the newest of them are read.
      const window = ['received_at < ?'];
      const params: Param[] = [filter.to];
      if (filter.from !== undefined) {
        window.push('received_at >= ?');
        params.push(filter.from);
      }
      // The unary + keeps these terms from steering SQLite to another index: calls_received
      // holds decision, and every index entry holds the rowid.
      if (filter.decision !== undefined) {
        window.push('+decision = ?');
        params.push(filter.decision);
      }
      if (before !== undefined) {
        window.push('+id < ?');
        params.push(before);
      }
      const rest = filterSql(
        { tool: filter.tool, tools: filter.tools, server: filter.server, grant: filter.grant },
        undefined,
        undefined,
      );
      const conditions = [
        `c.id IN (SELECT id FROM calls WHERE ${window.join(' AND ')})`,
        ...rest.conditions,
      ];
      return {
        sql: `SELECT ${COLUMNS} FROM calls c ${where(conditions)} ORDER BY c.id DESC LIMIT ?`,
        params: [...params, ...rest.params],
      };
    }
    const { from, conditions, order, params } = filterSql(filter, match, before);
    return {
      sql: `SELECT ${COLUMNS} FROM ${from} ${where(conditions)} ORDER BY ${order} DESC LIMIT ?`,
      params,
    };
  }

  /**
   * Whether more calls arrived after the filter's time window than inside it, estimated from the
   * ids at its edges (an index lookup each). It only chooses a plan; both return the same rows.
   */
  private isPastWindow(filter: HistoryFilter, before: number | undefined): boolean {
    const { newest, oldest } = this.idRange.get() ?? {};
    if (!newest || !oldest) return false;
    const top = Math.min(before ?? Infinity, newest + 1);
    const end = (filter.to !== undefined && this.firstIdAt.get(filter.to)) || newest + 1;
    const start = (filter.from !== undefined && this.firstIdAt.get(filter.from)) || oldest;
    return top - end > Math.max(end - start, 1000);
  }

  /**
   * Hourly counts filtered by nothing but time and decision: whole hours from calls_hourly (kept
   * in step by the batched writes and by prune), and the partial hours at either end of the range
   * counted from the calls (at most two hours of them), so the cost does not grow with the calls.
   */
  private countsByTimeAndDecision(filter: ResolvedFilter): HourlyCount[] {
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

  private prepared<Row>(sql: string): BetterSqlite3.Statement<Param[], Row> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare<Param[], unknown>(sql);
      this.statements.set(sql, statement);
    }
    return statement as BetterSqlite3.Statement<Param[], Row>;
  }

  /**
   * The calls, their updates and the search index as one part of every batch: the queued
   * updates, then the search index for calls new since the last batch (with their text as
   * updated, so a call that started and finished in between is indexed once), then re-indexing
   * of older calls whose text changed. The progress row commits with the index, so a crash loses
   * neither.
   */
  private batchPart(): BatchPart {
    return {
      waiting: () => this.fresh.size + this.queued.size + (this.unindexed ? 1 : 0),
      write: () => {
        this.writing = { fresh: [...this.fresh], batch: [...this.queued] };
        this.writeRows(this.writing.fresh, this.writing.batch);
      },
      written: () => {
        const { fresh, batch } = this.writing;
        this.writing = { fresh: [], batch: [] };
        this.unindexed = false;
        for (const [id] of fresh) this.fresh.delete(id);
        // Updates merged in while the batch was written (a logger calling back, say) stay queued.
        for (const [id, change] of batch) {
          if (this.queued.get(id) === change) this.queued.delete(id);
        }
        if (this.dropped.count > 0) {
          this.logger.error(
            'history: call updates were dropped while the database could not be written',
            { ...this.dropped },
          );
          this.dropped = { count: 0, firstId: 0, lastId: 0 };
        }
      },
      discard: () => {
        if (this.queued.size > 0 || this.fresh.size > 0) {
          this.logger.error('history: database closed with call updates not yet written', {
            updates: this.queued.size + this.fresh.size,
            ids: [...this.fresh.keys(), ...this.queued.keys()].slice(0, 20),
          });
        }
        this.queued.clear();
        this.fresh.clear();
        this.unindexed = false;
      },
    };
  }

  private drop(id: number, change: CallUpdate): void {
    if (this.dropped.count === 0) {
      this.logger.error(
        'history: too many call updates waiting to be written; dropping further ones',
        { queued: this.queued.size, id, status: change.status },
      );
      this.dropped.firstId = id;
    }
    this.dropped.count++;
    this.dropped.lastId = id;
  }
}

/** Adds `delta` calls with `decision` to the UTC hour of `receivedAt`, in a batch's tally. */
function countInHour(
  tally: Map<string, number>,
  receivedAt: number,
  decision: CallDecision,
  delta: number,
): void {
  const key = `${Math.floor(receivedAt / HOUR_MS) * HOUR_MS} ${decision}`;
  tally.set(key, (tally.get(key) ?? 0) + delta);
}

function splitHourKey(key: string): [hour: number, decision: string] {
  const space = key.indexOf(' ');
  return [Number(key.slice(0, space)), key.slice(space + 1)];
}

/** CallUpdate fields and the columns they set, in a fixed order so each shape has one SQL text. */
const UPDATE_COLUMNS = [
  ['decision', 'decision'],
  ['decidedBy', 'decided_by'],
  ['decidedAt', 'decided_at'],
  ['reason', 'reason'],
  ['status', 'status'],
  ['finishedAt', 'finished_at'],
  ['result', 'result'],
  ['resultTruncated', 'result_truncated'],
  ['error', 'error'],
] as const satisfies readonly (readonly [keyof CallUpdate, string])[];

/**
 * An UPDATE that sets only the fields the change holds, but the id. Naming a column SQLite does
 * not need to change would make it rewrite every index holding that column: decision sits in
 * five, while a finishing call changes none of them.
 */
function updateSql(change: CallUpdate): [string, Param[]] {
  const sets: string[] = [];
  const values: Param[] = [];
  for (const [field, column] of UPDATE_COLUMNS) {
    const value = change[field];
    if (value === undefined) continue;
    sets.push(`${column} = ?`);
    values.push(typeof value === 'boolean' ? Number(value) : value);
  }
  return [`UPDATE calls SET ${sets.join(', ')} WHERE id = ?`, values];
}

/**
 * The FTS5 query for the user's free text: each whitespace-separated term becomes a quoted string
 * (so no character the user types is FTS syntax), matched as a word prefix, and the terms are
 * ANDed. Undefined when no term holds a character the tokenizer indexes: such a text filters
 * nothing.
 */
function ftsQuery(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const terms: string[] = [];
  for (const term of text.split(/\s+/u)) {
    const prefix = term.endsWith('*');
    const word = prefix ? term.replace(/\*+$/u, '') : term;
    // A term without a letter or digit would be an empty phrase, which matches no call at all.
    const indexed = word.match(/[\p{L}\p{N}\p{Co}]/gu)?.length ?? 0;
    if (indexed === 0) continue;
    // NUL ends the query text inside FTS5 ("unterminated string").
    const quoted = `"${word.replace(/\0/g, '').replace(/"/g, '""')}"`;
    terms.push(prefix && indexed >= MIN_PREFIX_CHARS ? `${quoted}*` : quoted);
  }
  return terms.length === 0 ? undefined : terms.join(' AND ');
}

interface FilterSql {
  from: string;
  conditions: string[];
  /** The id column that orders the rows: the FTS rowid when text drives the query. */
  order: string;
  params: Param[];
}

/** A filter whose part of a tool name was resolved to the names that contain it. */
type ResolvedFilter = Omit<HistoryFilter, 'toolContains'> & { tools?: readonly string[] };

function filterSql(
  filter: ResolvedFilter,
  match: string | undefined,
  before: number | undefined,
): FilterSql {
  const conditions: string[] = [];
  const params: Param[] = [];
  let from = 'calls c';
  let order = 'c.id';
  if (match !== undefined) {
    // CROSS JOIN keeps FTS as the outer loop: it yields matching rowids newest first (no sort)
    // and stops at LIMIT, each call fetched by primary key. The other order would run the FTS
    // query once per candidate call.
    from = 'calls_fts CROSS JOIN calls c ON c.id = calls_fts.rowid';
    order = 'calls_fts.rowid';
    conditions.push('calls_fts MATCH ?');
    params.push(match);
  }
  if (before !== undefined) {
    conditions.push(`${order} < ?`);
    params.push(before);
  }
  if (filter.tools !== undefined) {
    // One name is the common case (a part only one tool has, or a whole name) and reads like
    // the exact filter. Several come as one parameter, so the statement's text (and the cache
    // of prepared statements) does not grow with their number; SQLite still seeks calls_tool
    // once per name and stops each at the page's LIMIT.
    if (filter.tools.length === 1) {
      conditions.push('c.tool = ?');
      params.push(filter.tools[0]!);
    } else if (filter.tools.length === 0) {
      conditions.push('0');
    } else {
      conditions.push('c.tool IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(filter.tools));
    }
  }
  for (const [column, value] of [
    ['c.tool', filter.tool],
    ['c.server', filter.server],
    ['c.grant_name', filter.grant],
    ['c.decision', filter.decision],
  ] as const) {
    if (value !== undefined) {
      conditions.push(`${column} = ?`);
      params.push(value);
    }
  }
  if (filter.from !== undefined) {
    conditions.push('c.received_at >= ?');
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    conditions.push('c.received_at < ?');
    params.push(filter.to);
  }
  return { from, conditions, order, params };
}

function where(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
}

/** Opaque to callers; base 36 with a version letter, so the format can change later. */
function encodeCursor(id: number): string {
  return `c${id.toString(36)}`;
}

function decodeCursor(cursor: string): number {
  const id = /^c[0-9a-z]{1,11}$/.test(cursor) ? parseInt(cursor.slice(1), 36) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new Error(
      `Invalid history cursor ${JSON.stringify(cursor.slice(0, 40))}: pass the nextCursor of an ` +
        'earlier page, or no cursor for the newest calls.',
    );
  }
  return id;
}

function toRecord(row: CallRow): CallRecord {
  const record: CallRecord = {
    id: row.id,
    receivedAt: row.received_at,
    grant: row.grant_name,
    session: row.session,
    server: row.server,
    tool: row.tool,
    args: row.args,
    argsHash: row.args_hash,
    action: row.action,
    decision: row.decision,
    decidedBy: row.decided_by,
    rule: row.rule,
    reason: row.reason,
    status: row.status,
  };
  // Absent rather than undefined, so a record equals the NewCall it was made from.
  if (row.decided_at !== null) record.decidedAt = row.decided_at;
  if (row.finished_at !== null) record.finishedAt = row.finished_at;
  if (row.policy_hash !== null) record.policyHash = row.policy_hash;
  if (row.result !== null) record.result = row.result;
  if (row.result_truncated !== 0) record.resultTruncated = true;
  if (row.error !== null) record.error = row.error;
  return record;
}

function definedFields(change: CallUpdate): Partial<CallUpdate> {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined));
}

/** Errors that say this one update can never be written, as opposed to the database failing. */
function isBadUpdate(err: unknown): boolean {
  // A value SQLite cannot bind.
  if (err instanceof TypeError || err instanceof RangeError) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code);
}
