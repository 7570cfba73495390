// Opens history.sqlite: connection settings and the ordered list of schema migrations. Every
// table the app stores lives in MIGRATIONS; nothing else creates or alters tables.
import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import {
  checkElectronBinding,
  chooseSqliteBinding,
  currentRuntime,
  type ElectronAppPaths,
  type SqliteRuntime,
} from './native-binding';

export type Database = BetterSqlite3.Database;

/**
 * Schema migrations, oldest first. Entry i brings the schema from version i to i + 1 (the
 * version is kept in PRAGMA user_version). Append new entries; never edit or reorder shipped
 * ones, because databases in the field have already applied them.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: rate-limit counter events, so sliding windows survive a restart.
  `CREATE TABLE counter_events (
     id INTEGER PRIMARY KEY,
     counter TEXT NOT NULL,
     grant_name TEXT NOT NULL,
     session TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX counter_events_at ON counter_events (at);`,
  // 2: the call history (one row per tools/call) and its full-text index.
  //
  // AUTOINCREMENT: ids are the paging cursor and the UI's handle on a call, so one must never be
  // handed out twice, even after retention has pruned every row.
  //
  // Each (column, id, ...) index serves "newest N with this value" in index order, without a
  // sort. The tool, server and grant indexes also carry received_at and decision, so a time
  // window and the hourly counts for one of them are checked in the index, without reading
  // each call (several times faster at a million calls: README, Performance), and
  // calls_received carries decision for the same reason. calls_running is partial: it holds
  // only calls still waiting for their server, which closeUnfinished must find at startup
  // without scanning every call.
  //
  // calls_fts is contentless (the text already sits in calls) with contentless_delete, so a row
  // can be removed by rowid alone; its rowid is calls.id. The store indexes new calls in its
  // batched writes, off the proxy's path; calls_search_progress records the newest id indexed,
  // so calls a crash left unindexed are indexed on the next start. The trigger keeps pruning
  // and every other delete in step.
  `CREATE TABLE calls (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     received_at INTEGER NOT NULL,
     decided_at INTEGER,
     finished_at INTEGER,
     grant_name TEXT NOT NULL,
     session TEXT NOT NULL,
     server TEXT NOT NULL,
     tool TEXT NOT NULL,
     args TEXT NOT NULL,
     args_hash TEXT NOT NULL,
     action TEXT NOT NULL,
     decision TEXT NOT NULL,
     decided_by TEXT NOT NULL,
     rule TEXT NOT NULL,
     reason TEXT NOT NULL,
     policy_hash TEXT,
     status TEXT NOT NULL,
     result TEXT,
     result_truncated INTEGER NOT NULL DEFAULT 0,
     error TEXT
   );
   CREATE INDEX calls_tool ON calls (tool, id, received_at, decision);
   CREATE INDEX calls_server ON calls (server, id, received_at, decision);
   CREATE INDEX calls_grant ON calls (grant_name, id, received_at, decision);
   CREATE INDEX calls_decision ON calls (decision, id);
   CREATE INDEX calls_received ON calls (received_at, decision);
   CREATE INDEX calls_running ON calls (status) WHERE status = 'running';

   CREATE VIRTUAL TABLE calls_fts USING fts5 (
     body,
     content = '',
     contentless_delete = 1,
     tokenize = 'unicode61 remove_diacritics 2'
   );
   CREATE TABLE calls_search_progress (indexed_through INTEGER NOT NULL);
   INSERT INTO calls_search_progress (indexed_through) VALUES (0);
   CREATE TRIGGER calls_fts_delete AFTER DELETE ON calls BEGIN
     DELETE FROM calls_fts WHERE rowid = old.id;
   END;`,
  // 3: calls per UTC hour and decision, for Activity's chart. Counting them from calls_received
  // read every call in the range: over a million calls that held the proxy's event loop for
  // a large part of a second each time Activity opened unfiltered. The history store keeps the
  // counts in step in its batched writes and its prune (one upsert per hour and decision a
  // batch touched; triggers, one statement per call, made each batch markedly slower).
  `CREATE TABLE calls_hourly (
     hour INTEGER NOT NULL,
     decision TEXT NOT NULL,
     count INTEGER NOT NULL,
     PRIMARY KEY (hour, decision)
   ) WITHOUT ROWID;
   INSERT INTO calls_hourly (hour, decision, count)
     SELECT (received_at / 3600000) * 3600000, decision, count(*) FROM calls GROUP BY 1, 2;`,
  // 4: pinned tool definitions (core/tools/tool-pins.ts), one row per server and tool: the
  // definition in force and the newest other one seen, each as canonical JSON with its SHA-256,
  // so a changed tool's held calls can show what changed. Written only when a pin changes. A
  // rowid table, not WITHOUT ROWID: a definition can be far larger than SQLite's page.
  `CREATE TABLE tool_pins (
     server TEXT NOT NULL,
     tool TEXT NOT NULL,
     accepted_hash TEXT NOT NULL,
     accepted_definition TEXT NOT NULL,
     accepted_at INTEGER NOT NULL,
     changed_hash TEXT,
     changed_definition TEXT,
     changed_at INTEGER,
     PRIMARY KEY (server, tool)
   );`,
];

/**
 * How long a writer waits for another connection's lock before SQLITE_BUSY. Short, because the
 * wait blocks the proxy's event loop: with the file locked by someone else, calls are refused
 * (nothing runs uncounted or unrecorded) rather than every call stalling for seconds.
 */
const BUSY_TIMEOUT_MS = 250;

export interface OpenDatabaseOptions {
  /** Under Electron, where the app runs from, to find SQLite's Electron build (see native-binding). */
  electronApp?: ElectronAppPaths;
  /** The process to load SQLite for; this one by default (tests pass others). */
  runtime?: SqliteRuntime;
}

/**
 * Opens (creating if needed) the database at `file` and brings its schema up to date.
 * Throws if the file was written by a newer Airlock, whose schema this code does not know, and
 * (a SqliteBindingError) if this is Electron and SQLite's build for it is missing or for
 * another ABI.
 */
export function openDatabase(
  file: string,
  migrations: readonly string[] = MIGRATIONS,
  options: OpenDatabaseOptions = {},
): Database {
  const runtime = options.runtime ?? currentRuntime();
  const binding = chooseSqliteBinding(runtime, options.electronApp);
  // Checked before the file is created: a build that cannot load must not leave an empty history.
  if (binding.kind === 'electron') checkElectronBinding(binding, runtime);
  createPrivateFile(file);
  const db =
    binding.kind === 'electron'
      ? new BetterSqlite3(file, { nativeBinding: binding.path })
      : new BetterSqlite3(file);
  if (binding.kind === 'electron') electronBindings.set(db, binding.path);
  try {
    // WAL lets the UI read history while the proxy writes. synchronous=NORMAL in WAL mode is
    // still durable against an app crash (committed pages are in the OS's hands); only a power
    // loss or OS crash may lose the last few commits. FULL would add an fsync to every commit,
    // many times the cost of the writes themselves.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    // The database is mostly appended to; a 2 MB page cache (not the build's 16 MB) keeps
    // Airlock's memory flat as it grows.
    db.pragma('cache_size = -2000');
    applyMigrations(db, migrations);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The Electron build of SQLite each database opened with, for the connections opened beside it. */
const electronBindings = new WeakMap<Database, string>();

/** Where a second connection to `db`'s file (see openSecondConnection) finds what it needs. */
export interface SecondConnection {
  file: string;
  /** The Electron build of SQLite `db` loaded; absent under Node. */
  nativeBinding?: string;
}

export function secondConnectionTo(db: Database): SecondConnection {
  const nativeBinding = electronBindings.get(db);
  return nativeBinding === undefined ? { file: db.name } : { file: db.name, nativeBinding };
}

/**
 * How long the reader's connection (history-reader.ts, on its own thread) waits for the write
 * lock: it blocks no one but itself, so it can wait far longer than the proxy's writer.
 */
const SECOND_BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens another connection to a database openDatabase already opened and migrated (WAL lets it
 * read beside the writer), for another thread: it never creates the file or changes the schema.
 */
export function openSecondConnection(to: SecondConnection): Database {
  const db = new BetterSqlite3(to.file, {
    fileMustExist: true,
    ...(to.nativeBinding === undefined ? {} : { nativeBinding: to.nativeBinding }),
  });
  try {
    db.pragma(`busy_timeout = ${SECOND_BUSY_TIMEOUT_MS}`);
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -2000');
    const version = userVersion(db);
    if (version !== MIGRATIONS.length) {
      throw new Error(
        `${to.file} has schema version ${version}; this Airlock reads version ${MIGRATIONS.length}.`,
      );
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Applies the migrations `db` has not seen yet, each in its own transaction. */
function applyMigrations(db: Database, migrations: readonly string[]): void {
  const target = migrations.length;
  const current = userVersion(db);
  if (current > target) throw newerDatabaseError(db, current, target);
  for (let version = current; version < target; version++) {
    const sql = migrations[version] as string;
    // IMMEDIATE takes the write lock before re-reading the version, so two processes opening
    // the same file at once cannot both apply a migration.
    db.transaction(() => {
      const now = userVersion(db);
      if (now > version) return;
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
  const final = userVersion(db);
  if (final > target) throw newerDatabaseError(db, final, target);
}

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function newerDatabaseError(db: Database, found: number, known: number): Error {
  return new Error(
    `${db.name} has schema version ${found}, but this version of Airlock only knows up to ` +
      `${known}. It was written by a newer Airlock; update Airlock or point it at another data directory.`,
  );
}

/** History holds tool arguments and results, so only the user may read it. */
function createPrivateFile(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/**
 * Prepares each SQL text once on `db` and hands back the same statement after: queries built from
 * filters have as many texts as filter shapes, not as many as calls.
 */
export function statementCache(
  db: Database,
): <Row>(sql: string) => BetterSqlite3.Statement<(string | number | null)[], Row> {
  const statements = new Map<
    string,
    BetterSqlite3.Statement<(string | number | null)[], unknown>
  >();
  return <Row>(sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare<(string | number | null)[], unknown>(sql);
      statements.set(sql, statement);
    }
    return statement as BetterSqlite3.Statement<(string | number | null)[], Row>;
  };
}
