// Who writes history.sqlite next, between the batch writer on the proxy's thread and the prune on
// the history's worker thread. SQLite's busy wait is synchronous: a writer that finds the lock
// taken sleeps with the proxy's event loop held. So each side raises its flag in shared memory
// before it writes and looks at the other's: the prune waits between its chunks while a batch
// wants the lock, and the batch writer's timed batches step aside (and come back a moment later)
// while a prune chunk holds it, so neither blocks on the other. Both flags are raised before
// either is read (sequentially consistent Atomics), so the two never write at once.

const WRITER = 0;
const PRUNE = 1;

export class WriteTurn {
  /** [writes on the proxy's thread that want the lock now, 1 while a prune chunk holds it]. */
  readonly flag: Int32Array;

  constructor(flag: Int32Array = new Int32Array(new SharedArrayBuffer(8))) {
    this.flag = flag;
  }

  /** Runs `write` with the writer's flag raised, waiting for a prune chunk that holds the lock. */
  hold<T>(write: () => T): T {
    Atomics.add(this.flag, WRITER, 1);
    try {
      return write();
    } finally {
      Atomics.sub(this.flag, WRITER, 1);
    }
  }

  /** Runs `write` unless a prune chunk holds the lock; `{ deferred: true }` when one does. */
  tryHold<T>(write: () => T): { deferred: false; value: T } | { deferred: true } {
    Atomics.add(this.flag, WRITER, 1);
    try {
      if (Atomics.load(this.flag, PRUNE) !== 0) return { deferred: true };
      return { deferred: false, value: write() };
    } finally {
      Atomics.sub(this.flag, WRITER, 1);
    }
  }

  /** True while a write on the proxy's thread wants the lock. */
  get wanted(): boolean {
    return Atomics.load(this.flag, WRITER) > 0;
  }

  /**
   * Runs one prune chunk when no write on the proxy's thread wants the lock, with the prune's
   * flag raised so that timed batches step aside meanwhile. Waits `pauseMs` at a time otherwise.
   */
  async pruneTurn<T>(chunk: () => T, pauseMs = 1): Promise<T> {
    for (;;) {
      Atomics.store(this.flag, PRUNE, 1);
      if (Atomics.load(this.flag, WRITER) === 0) break;
      Atomics.store(this.flag, PRUNE, 0);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    try {
      return chunk();
    } finally {
      Atomics.store(this.flag, PRUNE, 0);
    }
  }
}
