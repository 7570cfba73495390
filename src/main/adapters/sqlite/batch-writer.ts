// Writes what the stores of history.sqlite hold in memory (calls, their updates, rate-limit
// counter events) in shared batches: one transaction shortly after the first change, retried
// while the database cannot be written, with the failure reported so callers refuse new work.
//
// Why batches: a commit per call sat on the proxy's path; a batch commits once and touches each
// index page once for all its rows (figures in the README's Performance section). The trade-off,
// on purpose: a row is in memory for up to `delayMs` before it is on disk, so a crash of Airlock
// (not a quit, which flushes) can lose that much. A write that fails (disk full, locked database)
// keeps every row and is tried again, and until one works `writeProblem()` says why.
import type { Clock, Logger, Timers } from '../../core/ports';
import type { Database } from './database';
import type { WriteTurn } from './write-turn';
import { errorMessage } from '../../../shared/error-message';

/** Rows one store holds in memory and writes with every batch. */
export interface BatchPart {
  /** How many rows wait to be written; 0 when there is nothing to write. */
  waiting(): number;
  /** Writes them, inside the batch's transaction: a throw rolls the whole batch back. */
  write(): void;
  /** The batch committed: what write() wrote is on disk. */
  written(): void;
  /** The database closed with rows waiting: nothing can write them any more. */
  discard(): void;
}

export interface BatchWriterOptions {
  logger: Logger;
  clock: Clock;
  timers: Timers;
  /** How long changes wait to be written together. */
  delayMs?: number;
  /** A batch this large is written at once (at the next timer turn) instead. */
  maxRows?: number;
  /** How soon a failed write is tried again when nothing else triggers it. */
  retryMs?: number;
  /** Shared with the history's worker: its prune lets a batch go first, timed batches step aside. */
  turn?: WriteTurn;
}

/**
 * A call and its result reach the disk up to this much after they happen (the call guard writes a
 * held call at once, before it waits and again before it runs, so the row on disk never says a
 * call that ran did not).
 */
const BATCH_DELAY_MS = 100;
const BATCH_MAX_ROWS = 200;
const RETRY_MS = 1_000;
/** How soon a timed batch that stepped aside for a prune chunk tries again. */
const STEP_ASIDE_MS = 2;
/** A batch steps aside for this long at most, then waits for the lock like any write. */
const MAX_STEP_ASIDE_MS = 1_000;

export class BatchWriter {
  private readonly db: Database;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly delayMs: number;
  private readonly maxRows: number;
  private readonly retryMs: number;
  private readonly parts: BatchPart[] = [];
  /** Writes the batch, waiting for the write lock. */
  private readonly writeAll: () => void;
  /** Writes the batch unless a prune chunk holds the lock: false when it stepped aside. */
  private readonly writeUnlessPruning: () => boolean;
  /** Since when timed batches have stepped aside for the prune, while they do. */
  private steppingAsideSince: number | undefined;
  /** Cancels the pending batch timer, if one is set. */
  private cancelFlush: (() => void) | undefined;
  private cancelRetry: (() => void) | undefined;
  /** Why the last write failed, until one works again. */
  private error: (Error & { code?: string }) | undefined;
  private lastAttempt = -Infinity;
  /** Set while writes fail, so the failure is logged once and its end once. */
  private failingSince: number | undefined;

  constructor(db: Database, options: BatchWriterOptions) {
    this.db = db;
    this.logger = options.logger;
    this.clock = options.clock;
    this.timers = options.timers;
    this.delayMs = options.delayMs ?? BATCH_DELAY_MS;
    this.maxRows = options.maxRows ?? BATCH_MAX_ROWS;
    this.retryMs = options.retryMs ?? RETRY_MS;
    // IMMEDIATE: the write lock is taken first, waiting out the reader's prune on the busy
    // timeout. A deferred transaction would read first, and a prune committed in between would
    // fail its first write at once (SQLITE_BUSY_SNAPSHOT), without waiting.
    const write = db.transaction(() => {
      for (const part of this.parts) if (part.waiting() > 0) part.write();
    });
    const turn = options.turn;
    this.writeAll = turn ? () => turn.hold(() => write.immediate()) : () => write.immediate();
    this.writeUnlessPruning = turn
      ? () => !turn.tryHold(() => write.immediate()).deferred
      : () => (write.immediate(), true);
  }

  /** Writes `part`'s rows with every batch from now on. */
  carry(part: BatchPart): void {
    this.parts.push(part);
  }

  /**
   * Why the database cannot be written right now, or undefined. While writes fail, asking at
   * least `retryMs` after the last attempt tries again, so the first call after there is room
   * finds the history writable.
   */
  writeProblem(): string | undefined {
    return this.failure()?.message;
  }

  /** The error of the last failed write (with SQLite's code), until one works again. */
  failure(): (Error & { code?: string }) | undefined {
    if (this.error !== undefined && this.clock.now() - this.lastAttempt >= this.retryMs) {
      this.flush();
    }
    return this.error;
  }

  /** Writes the waiting rows within `delayMs` (at once when there are many of them). */
  schedule(): void {
    if (this.waiting() >= this.maxRows) {
      this.cancelFlush?.();
      this.cancelFlush = this.timers.after(0, () => this.timerFlush());
      return;
    }
    if (this.cancelFlush) return;
    this.cancelFlush = this.timers.after(this.delayMs, () => this.timerFlush());
  }

  /**
   * Writes every part's waiting rows now, in one transaction. Never throws: on failure
   * everything stays in memory, the failure is logged once, writeProblem() reports it and the
   * write is tried again after `retryMs`. False if the write failed or the database is closed.
   */
  flush(): boolean {
    return this.writeBatch(this.writer(false)) === true;
  }

  /**
   * flush() for a read that must see what waits: a prune chunk holding the lock is not waited
   * for in SQLite's busy wait, which holds the proxy's event loop, but a moment at a time in real
   * time (the chunk is another thread's work, not the core's clock), for a second at most.
   */
  async flushStepping(): Promise<boolean> {
    const since = performance.now();
    for (;;) {
      const result = this.writeBatch(this.writer(performance.now() - since < MAX_STEP_ASIDE_MS));
      if (result !== 'stepped aside') return result;
      await new Promise((resolve) => setTimeout(resolve, STEP_ASIDE_MS));
    }
  }

  /** How to write the batch: stepping aside for a prune chunk, or waiting for its lock. */
  private writer(mayStepAside: boolean): () => boolean {
    return mayStepAside ? this.writeUnlessPruning : () => (this.writeAll(), true);
  }

  /** flush() with `write`; 'stepped aside' when it wrote nothing because a prune holds the lock. */
  private writeBatch(write: () => boolean): boolean | 'stepped aside' {
    if (this.waiting() === 0) return true;
    if (!this.db.open) {
      // Nothing can write these any more; say so rather than retry forever.
      for (const part of this.parts) if (part.waiting() > 0) part.discard();
      this.stopRetrying();
      return false;
    }
    const rows = this.waiting();
    this.lastAttempt = this.clock.now();
    try {
      if (!write()) return 'stepped aside';
    } catch (err) {
      this.error = err instanceof Error ? err : new Error(String(err));
      if (this.failingSince === undefined) {
        this.failingSince = this.clock.now();
        this.logger.error('history: cannot write the waiting rows; keeping them to retry', {
          rows,
          error: errorMessage(err),
        });
      }
      this.retryLater();
      return false;
    }
    this.error = undefined;
    if (this.failingSince !== undefined) {
      this.logger.info('history: rows written again', {
        rows,
        failedForMs: this.clock.now() - this.failingSince,
      });
    }
    this.stopRetrying();
    for (const part of this.parts) part.written();
    return true;
  }

  /** Writes what waits and stops the timers: Airlock is stopping and the database closes next. */
  close(): boolean {
    const written = this.flush();
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    this.stopRetrying();
    return written;
  }

  private waiting(): number {
    let rows = 0;
    for (const part of this.parts) rows += part.waiting();
    return rows;
  }

  /**
   * A timed batch steps aside while a prune chunk holds the lock and tries again a moment later,
   * instead of sleeping in SQLite's busy wait with the proxy's event loop held.
   */
  private timerFlush(): void {
    this.cancelFlush = undefined;
    const now = this.clock.now();
    this.steppingAsideSince ??= now;
    const result = this.writeBatch(this.writer(now - this.steppingAsideSince < MAX_STEP_ASIDE_MS));
    if (result === 'stepped aside') {
      this.cancelFlush = this.timers.after(STEP_ASIDE_MS, () => this.timerFlush());
      return;
    }
    this.steppingAsideSince = undefined;
  }

  private retryLater(): void {
    if (this.cancelRetry) return;
    this.cancelRetry = this.timers.after(this.retryMs, () => {
      this.cancelRetry = undefined;
      this.flush();
    });
  }

  private stopRetrying(): void {
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    this.failingSince = undefined;
  }
}
