// The SQLite stores wired as Airlock wires them (history and counters on one batch writer), on a
// clock and timers the test moves by hand.
import { BatchWriter } from '../../../../src/main/adapters/sqlite/batch-writer';
import { SqliteCounterStore } from '../../../../src/main/adapters/sqlite/counter-store';
import type { Database } from '../../../../src/main/adapters/sqlite/database';
import { SqliteHistoryStore } from '../../../../src/main/adapters/sqlite/history-store';
import type { Logger } from '../../../../src/main/core/ports';
import { FakeClock } from '../../core/fakes';
import { recordingLogger } from '../../../helpers/recording-logger';

export interface Stores {
  history: SqliteHistoryStore;
  counters: SqliteCounterStore;
  batches: BatchWriter;
  clock: FakeClock;
}

export function openStores(
  db: Database,
  logger: Logger = recordingLogger(),
  clock = new FakeClock(),
): Stores {
  const batches = new BatchWriter(db, { logger, clock, timers: clock });
  const history = new SqliteHistoryStore(db, { logger, batches });
  const counters = new SqliteCounterStore(db, { batches, logger });
  return { history, counters, batches, clock };
}
