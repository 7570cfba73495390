// SqliteCounterStore against a real history.sqlite: order, bounds, pruning, atomic appends, restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CounterEvent } from '../../../../src/main/core/ports';
import { SqliteCounterStore } from '../../../../src/main/adapters/sqlite/counter-store';
import { openDatabase, type Database } from '../../../../src/main/adapters/sqlite/database';

let dir: string;
let file: string;
let db: Database;

const ev = (at: number, counter = 'rate', grant = 'cli', session = 's1'): CounterEvent => ({
  counter,
  grant,
  session,
  at,
});

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-counters-'));
  file = path.join(dir, 'history.sqlite');
  db = openDatabase(file);
});

afterEach(() => {
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('SqliteCounterStore', () => {
  it('returns events after `since`, oldest first, ties in append order', () => {
    const store = new SqliteCounterStore(db);
    store.append([ev(300, 'b'), ev(100), ev(200, 'a', 'g2', 's2')]);
    store.append([ev(200, 'c')]);
    expect(store.loadSince(100)).toEqual([ev(200, 'a', 'g2', 's2'), ev(200, 'c'), ev(300, 'b')]);
    expect(store.loadSince(0)).toHaveLength(4);
    expect(store.loadSince(300)).toEqual([]);
  });

  it('prunes events strictly older than the cutoff', () => {
    const store = new SqliteCounterStore(db);
    store.append([ev(1), ev(2), ev(3)]);
    store.pruneBefore(2);
    expect(store.loadSince(0).map((e) => e.at)).toEqual([2, 3]);
  });

  it('appends all events of one call or none', () => {
    const store = new SqliteCounterStore(db);
    const broken = { counter: null, grant: 'g', session: 's', at: 5 } as unknown as CounterEvent;
    expect(() => store.append([ev(4), broken])).toThrow();
    expect(store.loadSince(0)).toEqual([]);
    store.append([]);
    expect(store.loadSince(0)).toEqual([]);
  });

  it('keeps events across a reopen', () => {
    new SqliteCounterStore(db).append([ev(10), ev(20, 'other', 'g', 'sx')]);
    db.close();
    db = openDatabase(file);
    expect(new SqliteCounterStore(db).loadSince(0)).toEqual([ev(10), ev(20, 'other', 'g', 'sx')]);
  });
});
