// openDatabase: pragmas, the file's mode, and migrations on fresh, reopened, extended and newer files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MIGRATIONS,
  openDatabase,
  type Database,
} from '../../../../src/main/adapters/sqlite/database';

let dir: string;
let file: string;
const open: Database[] = [];

function openTracked(migrations?: readonly string[]): Database {
  const db = openDatabase(file, migrations);
  open.push(db);
  return db;
}

const version = (db: Database) => db.pragma('user_version', { simple: true });
const tables = (db: Database) =>
  (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
  ).map((r) => r.name);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-db-'));
  file = path.join(dir, 'history.sqlite');
});

afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('creates a fresh file at the latest schema with the expected pragmas', () => {
    const db = openTracked();
    expect(version(db)).toBe(MIGRATIONS.length);
    expect(tables(db)).toContain('counter_events');
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all();
    expect(indexes).toContainEqual({ name: 'counter_events_at' });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
  });

  it.skipIf(process.platform === 'win32')(
    'creates the file and its WAL readable by the user alone',
    () => {
      const db = openTracked();
      db.prepare(
        'INSERT INTO counter_events (counter, grant_name, session, at) VALUES (?, ?, ?, ?)',
      ).run('c', 'g', 's', 1);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(file + '-wal').mode & 0o777).toBe(0o600);
    },
  );

  it('reopens an existing file without re-running migrations and keeps its rows', () => {
    const first = openTracked();
    first
      .prepare('INSERT INTO counter_events (counter, grant_name, session, at) VALUES (?, ?, ?, ?)')
      .run('c', 'g', 's', 1);
    first.close();
    const second = openTracked();
    expect(version(second)).toBe(MIGRATIONS.length);
    expect(second.prepare('SELECT COUNT(*) AS n FROM counter_events').get()).toEqual({ n: 1 });
  });

  it('applies only the new migrations when the list grows', () => {
    openTracked().close();
    const db = openTracked([...MIGRATIONS, 'CREATE TABLE later (x INTEGER)']);
    expect(version(db)).toBe(MIGRATIONS.length + 1);
    expect(tables(db)).toEqual(expect.arrayContaining(['counter_events', 'later']));
  });

  it('rolls back a failing migration as a whole', () => {
    openTracked().close();
    expect(() =>
      openTracked([...MIGRATIONS, 'CREATE TABLE half (x); INSERT INTO missing VALUES (1);']),
    ).toThrow(/missing/);
    const db = openTracked();
    expect(version(db)).toBe(MIGRATIONS.length);
    expect(tables(db)).not.toContain('half');
  });

  it('refuses a database written by a newer Airlock', () => {
    const db = openTracked();
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openTracked()).toThrow(/newer Airlock/);
  });
});
