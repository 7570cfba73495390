// SqliteCounterStore against a real history.sqlite: order, bounds, pruning, atomic appends,
// writes with the shared batches (on disk within 100 ms, all of them by a flush), failure and
// recovery, restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CounterEvent } from '../../../../src/main/core/ports';
import { openDatabase, type Database } from '../../../../src/main/adapters/sqlite/database';
import { recordingLogger } from '../../../helpers/recording-logger';
import { FakeClock } from '../../core/fakes';
import { closeStores, openStores } from './open-stores';

let dir: string;
let file: string;
let db: Database;
let clock: FakeClock;
const others: BetterSqlite3.Database[] = [];

const ev = (at: number, counter = 'rate', grant = 'cli', session = 's1'): CounterEvent => ({
  counter,
  grant,
  session,
  at,
});

/** A counter store riding the batches it shares with the history, as Airlock runs them. */
const newStore = (logger = recordingLogger()) => openStores(db, logger, clock).counters;

/** What another connection, or the next run, finds on disk. */
function onDisk(): CounterEvent[] {
  const reader = new BetterSqlite3(file, { readonly: true });
  others.push(reader);
  return reader
    .prepare<[], { counter: string; grant_name: string; session: string; at: number }>(
      'SELECT counter, grant_name, session, at FROM counter_events ORDER BY at, id',
    )
    .all()
    .map((r) => ({ counter: r.counter, grant: r.grant_name, session: r.session, at: r.at }));
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-counters-'));
  file = path.join(dir, 'history.sqlite');
  db = openDatabase(file);
  clock = new FakeClock();
});

afterEach(async () => {
  await closeStores();
  for (const other of others.splice(0)) if (other.open) other.close();
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('SqliteCounterStore', () => {
  it('returns events after `since`, oldest first, ties in append order', () => {
    const store = newStore();
    store.append([ev(300, 'b'), ev(100), ev(200, 'a', 'g2', 's2')]);
    store.append([ev(200, 'c')]);
    expect(store.loadSince(100)).toEqual([ev(200, 'a', 'g2', 's2'), ev(200, 'c'), ev(300, 'b')]);
    expect(store.loadSince(0)).toHaveLength(4);
    expect(store.loadSince(300)).toEqual([]);
  });

  it('prunes events strictly older than the cutoff', () => {
    const store = newStore();
    store.append([ev(1), ev(2), ev(3)]);
    store.flush();
    store.pruneBefore(2);
    expect(store.loadSince(0).map((e) => e.at)).toEqual([2, 3]);
  });

  it('takes all events of one call or none', () => {
    const store = newStore();
    const broken = { counter: null, grant: 'g', session: 's', at: 5 } as unknown as CounterEvent;
    expect(() => store.append([ev(4), broken])).toThrow(/not a counter event/);
    store.append([]);
    expect(store.loadSince(0)).toEqual([]);
    // A refused event does not hold back the ones after it.
    store.append([ev(6)]);
    expect(store.flush()).toBe(true);
    expect(onDisk()).toEqual([ev(6)]);
  });

  it('writes appended events within 100 ms, together, without being asked', () => {
    const store = newStore();
    store.append([ev(10)]);
    clock.advance(50);
    store.append([ev(20, 'other', 'g', 'sx')]);
    expect(onDisk()).toEqual([]);
    clock.advance(50);
    expect(onDisk()).toEqual([ev(10), ev(20, 'other', 'g', 'sx')]);
  });

  it('keeps events across a reopen once flushed, as Airlock does when it stops', () => {
    const store = newStore();
    store.append([ev(10), ev(20, 'other', 'g', 'sx')]);
    store.flush();
    db.close();
    db = openDatabase(file);
    expect(newStore().loadSince(0)).toEqual([ev(10), ev(20, 'other', 'g', 'sx')]);
  });

  it('renames the events of a grant, written or not', () => {
    const store = newStore();
    store.append([ev(1, 'rate', 'old')]);
    store.flush();
    store.append([ev(2, 'rate', 'old'), ev(3, 'rate', 'other')]);
    store.renameGrant('old', 'new');
    expect(store.loadSince(0).map((e) => e.grant)).toEqual(['new', 'new', 'other']);
  });
});

describe('SqliteCounterStore: failure and recovery', () => {
  it('refuses appends while the database is locked, keeps what it had, and writes it once it can', () => {
    const logger = recordingLogger();
    const store = newStore(logger);
    db.pragma('busy_timeout = 0');
    const other = new BetterSqlite3(file);
    others.push(other);

    other.exec('BEGIN EXCLUSIVE');
    store.append([ev(1)]);
    expect(store.flush()).toBe(false);
    expect(() => store.append([ev(2)])).toThrow(/counters cannot be written.*locked/);
    expect(() => store.renameGrant('cli', 'x')).toThrow(/cannot be written/);
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: 'error', message: expect.stringMatching(/keeping them/) }),
    ]);

    other.exec('COMMIT');
    clock.time += 1_000; // the next append tries a write again
    store.append([ev(3)]);
    expect(store.flush()).toBe(true);
    // The event counted before the failure showed was kept; the refused one was never taken.
    expect(onDisk()).toEqual([ev(1), ev(3)]);
    expect(logger.lines.at(-1)).toMatchObject({ level: 'info', message: /written again/ });
  });

  it('says so when events are left behind by a closed database', () => {
    const logger = recordingLogger();
    const store = newStore(logger);
    store.append([ev(1)]);
    db.close();
    expect(store.flush()).toBe(false);
    expect(logger.lines.at(-1)).toMatchObject({ level: 'error', fields: { events: 1 } });
  });
});
