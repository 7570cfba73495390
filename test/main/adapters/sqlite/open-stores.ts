// The SQLite stores wired as Airlock wires them (history and counters on one batch writer, the
// history's reads on a worker thread), on a clock and timers the test moves by hand.
import { BatchWriter } from '../../../../src/main/adapters/sqlite/batch-writer';
import { SqliteCounterStore } from '../../../../src/main/adapters/sqlite/counter-store';
import { secondConnectionTo, type Database } from '../../../../src/main/adapters/sqlite/database';
import { WorkerHistoryReads } from '../../../../src/main/adapters/sqlite/history-reads';
import { SqliteHistoryStore } from '../../../../src/main/adapters/sqlite/history-store';
import { WriteTurn } from '../../../../src/main/adapters/sqlite/write-turn';
import type { Logger } from '../../../../src/main/core/ports';
import { FakeClock } from '../../core/fakes';
import { recordingLogger } from '../../../helpers/recording-logger';

export interface Stores {
  history: SqliteHistoryStore;
  counters: SqliteCounterStore;
  batches: BatchWriter;
  reads: WorkerHistoryReads;
  turn: WriteTurn;
  clock: FakeClock;
}

const opened: WorkerHistoryReads[] = [];

export function openStores(
  db: Database,
  logger: Logger = recordingLogger(),
  clock = new FakeClock(),
): Stores {
  const turn = new WriteTurn();
  const batches = new BatchWriter(db, { logger, clock, timers: clock, turn });
  const reads = new WorkerHistoryReads({
    connection: secondConnectionTo(db),
    logger,
    timers: clock,
    turn,
  });
  opened.push(reads);
  const history = new SqliteHistoryStore(db, { logger, batches, reads });
  const counters = new SqliteCounterStore(db, { batches, logger });
  return { history, counters, batches, reads, turn, clock };
}

/** Ends every reader's worker thread that openStores started; call it after each test. */
export async function closeStores(): Promise<void> {
  await Promise.all(opened.splice(0).map((reads) => reads.close()));
}
