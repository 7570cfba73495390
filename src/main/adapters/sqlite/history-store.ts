// The call history in history.sqlite's calls table and its calls_fts index, behind the core's
// HistoryStore port: calls and their updates are kept in memory and written with the shared
// batches (batch-writer.ts), off the proxy's path; the reads and pruning run on
// a worker thread (history-reads.ts).
// Until a failed write works again insert() throws, so the proxy refuses new calls rather than
// run them unrecorded.
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
import type { EncodedExport, ExportFormat } from '../../core/history/export-format';
import type { Logger } from '../../core/ports';
import type { BatchPart, BatchWriter } from './batch-writer';
import { statementCache, type Database } from './database';
import type { HistoryReads } from './history-reads';
import { SEARCH_TEXT, updateSql, type Param } from './history-sql';
import { HourlyCounts, HourlyTally } from './hourly-counts';
import { errorMessage } from '../../../shared/error-message';

export interface SqliteHistoryStoreOptions {
  logger: Logger;
  /** Writes the calls, in the same transactions as the counter events they counted. */
  batches: BatchWriter;
  /** Answers the reads and runs the pruning, off the proxy's thread. */
  reads: HistoryReads;
}

/**
 * Calls with updates waiting for a write that keeps failing. Beyond this many, new ones are
 * dropped (and logged) so a long outage cannot grow memory without bound.
 */
const MAX_QUEUED_UPDATES = 10_000;
/** Calls held in memory at most while writes fail; past this, insert() throws. */
const MAX_UNWRITTEN_CALLS = 10_000;
const STOPPED_ERROR = 'Airlock stopped before the server answered';

export class SqliteHistoryStore implements HistoryStore {
  private readonly logger: Logger;
  private readonly batches: BatchWriter;
  private readonly reads: HistoryReads;
  private readonly hourly: HourlyCounts;
  private readonly prepared: ReturnType<typeof statementCache>;
  private readonly selectUnfinished: BetterSqlite3.Statement<[], { id: number; held: number }>;
  /** Writes calls and updates inside the caller's transaction; returns how many calls changed. */
  private readonly writeRows: (
    fresh: readonly (readonly [number, NewCall])[],
    batch: readonly (readonly [number, CallUpdate])[],
  ) => number;
  /** writeRows in a transaction of its own. */
  private readonly writeNow: (batch: readonly (readonly [number, CallUpdate])[]) => number;

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
    this.logger = options.logger;
    this.batches = options.batches;
    this.reads = options.reads;
    this.hourly = new HourlyCounts(db);
    this.prepared = statementCache(db);
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
    // Two index lookups (calls_decision, the partial calls_running), never a scan of the table.
    this.selectUnfinished = db.prepare<[], { id: number; held: number }>(
      `SELECT id, 1 AS held FROM calls WHERE decision = 'pending'
       UNION ALL SELECT id, 0 AS held FROM calls WHERE status = 'running'`,
    );
    const newestId = db.prepare<[], number>('SELECT max(id) FROM calls').pluck();
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
    const selectHourOf = db.prepare<[number], { received_at: number; decision: CallDecision }>(
      'SELECT received_at, decision FROM calls WHERE id = ?',
    );

    this.writeRows = (fresh, batch) => {
      const indexedThrough = readProgress.get() ?? 0;
      let changed = 0;
      const hourly = new HourlyTally();
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
          hourly.add(call.receivedAt, call.decision, 1);
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
            hourly.add(before.received_at, before.decision, -1);
            hourly.add(before.received_at, change.decision!, 1);
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
      this.hourly.apply(hourly);
      const newest = newestId.get() ?? 0;
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
    const writeNow = db.transaction((batch: readonly (readonly [number, CallUpdate])[]) =>
      this.writeRows([], batch),
    );
    // IMMEDIATE for the reason BatchWriter's transactions are.
    this.writeNow = (batch) => writeNow.immediate(batch);

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

  get(id: number): Promise<CallRecord | undefined> {
    return this.afterWrites(() => this.reads.get(id));
  }

  query(query: HistoryQuery): Promise<HistoryPage> {
    return this.afterWrites(() => this.reads.query(query));
  }

  countsByHour(filter: HistoryFilter): Promise<HourlyCount[]> {
    return this.afterWrites(() => this.reads.countsByHour(filter));
  }

  rows(filter: HistoryFilter, limit: number): Promise<CallRecord[]> {
    return this.afterWrites(() => this.reads.rows(filter, limit));
  }

  exportText(format: ExportFormat, filter: HistoryFilter, limit: number): Promise<EncodedExport> {
    return this.afterWrites(() => this.reads.exportText(format, filter, limit));
  }

  prune(before: number): Promise<number> {
    return this.afterWrites(() => this.reads.prune(before));
  }

  /**
   * Writes what waits first (a commit on this thread), so the reader's connection sees every call
   * recorded before `read` was asked; behind a prune chunk it steps aside rather than wait for
   * the lock with the proxy's event loop held.
   */
  private async afterWrites<T>(read: () => Promise<T>): Promise<T> {
    await this.batches.flushStepping();
    return read();
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
