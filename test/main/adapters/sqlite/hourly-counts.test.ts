// The calls_hourly summary on a real SQLite file: a batch's tally applied, the recount after a
// prune, and reads that take whole hours from the summary and the partial ends from the calls.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../../src/main/adapters/sqlite/database';
import { HourlyCounts, HourlyTally } from '../../../../src/main/adapters/sqlite/hourly-counts';
import type { CallDecision } from '../../../../src/main/core/history/types';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 1);

let dir: string;
let db: Database;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-hourly-'));
  db = openDatabase(path.join(dir, 'history.sqlite'));
});

afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Inserts bare calls, as the history store's batches would, but without the summary. */
function addCalls(...calls: [receivedAt: number, decision: CallDecision][]): void {
  const insert = db.prepare(
    `INSERT INTO calls (received_at, grant_name, session, server, tool, args, args_hash, action,
       decision, decided_by, rule, reason, status)
     VALUES (?, 'g', 's', 'srv', 't', '{}', '', 'allow', ?, 'policy', '', '', 'ok')`,
  );
  for (const [at, decision] of calls) insert.run(at, decision);
}

const summary = () =>
  db.prepare('SELECT hour, decision, count FROM calls_hourly ORDER BY hour, decision').all() as {
    hour: number;
    decision: string;
    count: number;
  }[];

describe('HourlyTally', () => {
  it('sums changes per UTC hour and decision and leaves out those that cancel', () => {
    const tally = new HourlyTally();
    tally.add(T0 + 5, 'allow', 1);
    tally.add(T0 + HOUR - 1, 'allow', 1);
    tally.add(T0 + HOUR, 'allow', 1);
    tally.add(T0 + 10, 'pending', 1);
    tally.add(T0 + 10, 'pending', -1);
    tally.add(T0 + 10, 'deny', 1);
    expect([...tally.changes()]).toEqual([
      [T0, 'allow', 2],
      [T0 + HOUR, 'allow', 1],
      [T0, 'deny', 1],
    ]);
  });
});

describe('HourlyCounts', () => {
  it('applies a tally, dropping a row its count leaves empty', () => {
    const hourly = new HourlyCounts(db);
    const first = new HourlyTally();
    first.add(T0, 'pending', 1);
    first.add(T0, 'allow', 2);
    hourly.apply(first);
    const answered = new HourlyTally();
    answered.add(T0, 'pending', -1);
    answered.add(T0, 'allow', 1);
    hourly.apply(answered);
    expect(summary()).toEqual([{ hour: T0, decision: 'allow', count: 3 }]);
  });

  it('after a prune, forgets the hours before the cutoff and recounts the one it cuts', () => {
    const hourly = new HourlyCounts(db);
    addCalls([T0 + 1, 'allow'], [T0 + HOUR + 10, 'allow'], [T0 + HOUR + 20, 'deny']);
    addCalls([T0 + 2 * HOUR, 'allow']);
    db.exec(`INSERT INTO calls_hourly VALUES (${T0}, 'allow', 1), (${T0 + HOUR}, 'allow', 1),
      (${T0 + HOUR}, 'deny', 1), (${T0 + 2 * HOUR}, 'allow', 1)`);
    // What a prune at T0 + HOUR + 15 leaves: the first two calls are gone.
    db.prepare('DELETE FROM calls WHERE received_at < ?').run(T0 + HOUR + 15);
    hourly.recountBefore(T0 + HOUR + 15);
    expect(summary()).toEqual([
      { hour: T0 + HOUR, decision: 'deny', count: 1 },
      { hour: T0 + 2 * HOUR, decision: 'allow', count: 1 },
    ]);
  });

  it('reads whole hours from the summary and the partial hours at either end from the calls', () => {
    const hourly = new HourlyCounts(db);
    addCalls([T0 + 10, 'allow'], [T0 + 20, 'deny'], [T0 + HOUR + 5, 'allow']);
    addCalls([T0 + 2 * HOUR + 5, 'allow'], [T0 + 2 * HOUR + 50, 'allow']);
    // A summary that disagrees with the calls shows which answer came from where.
    db.exec(`INSERT INTO calls_hourly VALUES (${T0 + HOUR}, 'allow', 7)`);
    expect(hourly.read({ from: T0 + 15, to: T0 + 2 * HOUR + 10 })).toEqual([
      { hour: T0, decision: 'deny', count: 1 },
      { hour: T0 + HOUR, decision: 'allow', count: 7 },
      { hour: T0 + 2 * HOUR, decision: 'allow', count: 1 },
    ]);
    expect(hourly.read({ decision: 'deny' })).toEqual([{ hour: T0, decision: 'deny', count: 1 }]);
    expect(hourly.read({ from: T0 + 3 * HOUR })).toEqual([]);
  });
});
