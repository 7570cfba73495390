// Who writes history.sqlite next: the batch writer on the proxy's thread goes first. It raises a
// flag (shared memory, seen by the history's worker thread) while it writes, and a prune waits
// between its chunks until the flag is down, so the writer waits at most one chunk for SQLite's
// write lock instead of losing every retry of its busy timeout to the next chunk.

export class WriteTurn {
  /** How many writes on the proxy's thread want the lock now; shared with the worker. */
  readonly flag: Int32Array;

  constructor(flag: Int32Array = new Int32Array(new SharedArrayBuffer(4))) {
    this.flag = flag;
  }

  /** Runs `write` with the flag raised. */
  hold<T>(write: () => T): T {
    Atomics.add(this.flag, 0, 1);
    try {
      return write();
    } finally {
      Atomics.sub(this.flag, 0, 1);
    }
  }

  /** True while a write on the proxy's thread wants the lock. */
  get wanted(): boolean {
    return Atomics.load(this.flag, 0) > 0;
  }
}
