// BatchWriter against a real SQLite file, on a clock the test moves: what it writes and when (on
// its timer, at once when large, on close), and what it does while the database cannot be written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchWriter, type BatchPart } from '../../../../src/main/adapters/sqlite/batch-writer';
import { openDatabase, type Database } from '../../../../src/main/adapters/sqlite/database';
import { WriteTurn } from '../../../../src/main/adapters/sqlite/write-turn';
import { recordingLogger } from '../../../helpers/recording-logger';
import { FakeClock } from '../../core/fakes';

let dir: string;
let file: string;
let db: Database;
let clock: FakeClock;
let logger: ReturnType<typeof recordingLogger>;
const others: BetterSqlite3.Database[] = [];

/** Rows of text for table `rows`, held in memory until a batch writes them. */
class TextPart implements BatchPart {
  held: string[] = [];
  private taken = 0;
  /** Throws from write() this many more times. */
  failWrites = 0;
  discarded: string[] = [];

  constructor(private readonly insert: (text: string) => void) {}
  add(...texts: string[]): void {
    this.held.push(...texts);
  }
  waiting(): number {
    return this.held.length;
  }
  write(): void {
    this.taken = this.held.length;
    for (const text of this.held) this.insert(text);
    if (this.failWrites > 0) {
      this.failWrites--;
      throw new Error('this part cannot be written');
    }
  }
  written(): void {
    this.held = this.held.slice(this.taken);
    this.taken = 0;
  }
  discard(): void {
    this.discarded.push(...this.held);
    this.held = [];
  }
}

function newWriter(options: { maxRows?: number; turn?: WriteTurn } = {}) {
  const writer = new BatchWriter(db, { logger, clock, timers: clock, ...options });
  const insert = db.prepare<[string]>('INSERT INTO rows (text) VALUES (?)');
  const part = (): TextPart => {
    const p = new TextPart((text) => insert.run(text));
    writer.carry(p);
    return p;
  };
  return { writer, part };
}

/** What another connection finds on disk. */
function onDisk(): string[] {
  const reader = new BetterSqlite3(file, { readonly: true });
  others.push(reader);
  return reader.prepare<[], string>('SELECT text FROM rows ORDER BY id').pluck().all();
}

/** Another connection holds the write lock until the returned function is called. */
function lockDatabase(): () => void {
  db.pragma('busy_timeout = 0');
  const other = new BetterSqlite3(file);
  others.push(other);
  other.exec('BEGIN EXCLUSIVE');
  return () => other.exec('COMMIT');
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-batches-'));
  file = path.join(dir, 'history.sqlite');
  db = openDatabase(file, ['CREATE TABLE rows (id INTEGER PRIMARY KEY, text TEXT NOT NULL)']);
  clock = new FakeClock();
  logger = recordingLogger();
});

afterEach(() => {
  for (const other of others.splice(0)) if (other.open) other.close();
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('BatchWriter', () => {
  it('writes every part 100 ms after the first change, in one transaction', () => {
    const { writer, part } = newWriter();
    const calls = part();
    const events = part();
    calls.add('call 1');
    writer.schedule();
    clock.advance(60);
    events.add('event 1');
    writer.schedule(); // the batch is already due: no later timer
    clock.advance(39);
    expect(onDisk()).toEqual([]);
    clock.advance(1);
    expect(onDisk()).toEqual(['call 1', 'event 1']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('writes at the next timer turn once a batch is large', () => {
    const { writer, part } = newWriter({ maxRows: 3 });
    const calls = part();
    calls.add('a', 'b');
    writer.schedule();
    calls.add('c');
    writer.schedule();
    clock.advance(0);
    expect(onDisk()).toEqual(['a', 'b', 'c']);
  });

  it('keeps everything while the database is locked, reports why, retries, and writes it once', () => {
    const { writer, part } = newWriter();
    const calls = part();
    const unlock = lockDatabase();
    calls.add('kept');
    expect(writer.flush()).toBe(false);
    expect(writer.writeProblem()).toMatch(/locked/);
    expect(writer.failure()).toMatchObject({ code: 'SQLITE_BUSY' });
    clock.advance(1_000); // retried, still locked
    expect(writer.writeProblem()).toMatch(/locked/);
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: 'error', message: expect.stringMatching(/keeping them/) }),
    ]);

    unlock();
    clock.advance(1_000); // the retry timer writes it, with no new change to trigger a write
    expect(onDisk()).toEqual(['kept']);
    expect(writer.writeProblem()).toBeUndefined();
    expect(logger.lines.at(-1)).toMatchObject({
      level: 'info',
      fields: { rows: 1, failedForMs: 2_000 },
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('tries again when asked for the problem a retry interval after the last attempt', () => {
    const { writer, part } = newWriter();
    part().add('kept');
    const unlock = lockDatabase();
    expect(writer.flush()).toBe(false);
    unlock();
    clock.time += 999;
    expect(writer.writeProblem()).toMatch(/locked/);
    clock.time += 1;
    expect(writer.writeProblem()).toBeUndefined();
    expect(onDisk()).toEqual(['kept']);
  });

  it('rolls back every part when one fails, and writes each row exactly once after', () => {
    const { writer, part } = newWriter();
    const calls = part();
    const events = part();
    calls.add('call');
    events.add('event');
    events.failWrites = 1;
    expect(writer.flush()).toBe(false);
    // The call's row was inserted before the event part threw: it must not be on disk alone.
    expect(onDisk()).toEqual([]);
    expect(calls.waiting()).toBe(1);
    calls.add('call 2');
    expect(writer.flush()).toBe(true);
    expect(onDisk()).toEqual(['call', 'call 2', 'event']);
    expect(writer.flush()).toBe(true); // nothing waits: no write
    expect(onDisk()).toHaveLength(3);
  });

  it('raises its turn while it writes, so the history worker lets it go first', () => {
    const turn = new WriteTurn();
    const writer = new BatchWriter(db, { logger, clock, timers: clock, turn });
    const seen: boolean[] = [];
    writer.carry({
      waiting: () => (seen.length === 0 ? 1 : 0),
      write: () => void seen.push(turn.wanted),
      written: () => {},
      discard: () => {},
    });
    expect(writer.flush()).toBe(true);
    expect(seen).toEqual([true]);
    expect(turn.wanted).toBe(false);
  });

  it('steps a timed batch aside while a prune chunk holds the lock, and writes it a moment after', async () => {
    const turn = new WriteTurn();
    const { writer, part: newPart } = newWriter({ turn });
    const part = newPart();
    part.add('a');
    writer.schedule();
    await turn.pruneTurn(() => {
      // The batch falls due while the worker's chunk holds SQLite's lock: waiting for it would
      // sleep in SQLite's busy wait with the proxy's event loop held.
      clock.advance(100);
      expect(onDisk()).toEqual([]);
      // Nothing is wrong with the history: calls go on being recorded.
      expect(writer.writeProblem()).toBeUndefined();
    });
    clock.advance(2);
    expect(onDisk()).toEqual(['a']);
  });

  it('steps aside for a second at most, then waits for the lock like any write', async () => {
    const turn = new WriteTurn();
    const { writer, part: newPart } = newWriter({ turn });
    const part = newPart();
    part.add('a');
    writer.schedule();
    await turn.pruneTurn(() => {
      clock.advance(100 + 998);
      expect(onDisk()).toEqual([]);
      clock.advance(4);
      expect(onDisk()).toEqual(['a']);
    });
  });

  it('has a read wait for a prune chunk a moment at a time, then write what it must see', async () => {
    const turn = new WriteTurn();
    const { writer, part: newPart } = newWriter({ turn });
    const part = newPart();
    part.add('a');
    let flushed: Promise<boolean> | undefined;
    await turn.pruneTurn(() => {
      flushed = writer.flushStepping();
      expect(onDisk()).toEqual([]);
    });
    expect(await flushed).toBe(true);
    expect(onDisk()).toEqual(['a']);
  });

  it('writes what waits on close and leaves no timer behind', () => {
    const { writer, part } = newWriter();
    const calls = part();
    calls.add('last');
    writer.schedule();
    expect(writer.close()).toBe(true);
    expect(onDisk()).toEqual(['last']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('hands back what a closed database can no longer write', () => {
    const { writer, part } = newWriter();
    const calls = part();
    calls.add('late');
    db.close();
    expect(writer.flush()).toBe(false);
    expect(calls.discarded).toEqual(['late']);
    expect(calls.waiting()).toBe(0);
  });
});
