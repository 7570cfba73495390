// SqliteHistoryStore against a real history.sqlite: round trips, batched updates, every filter
// against a reference, paging, free text, counts, pruning, restarts, migrations, and recovery from
// a full disk and a locked database.
import { JsonStringBytes } from '../../../../src/main/core/history/json-string-bytes';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MIGRATIONS,
  openDatabase,
  type Database,
} from '../../../../src/main/adapters/sqlite/database';
import { HistoryReader } from '../../../../src/main/adapters/sqlite/history-reader';
import type { SqliteHistoryStore } from '../../../../src/main/adapters/sqlite/history-store';
import type {
  CallDecision,
  CallRecord,
  HistoryFilter,
  HourlyCount,
  NewCall,
} from '../../../../src/main/core/history/types';
import type { Logger } from '../../../../src/main/core/ports';
import { recordingLogger } from '../../../helpers/recording-logger';
import { FakeClock } from '../../core/fakes';
import { closeStores, openStores } from './open-stores';

let dir: string;
let file: string;
let db: Database;
let clock: FakeClock;
const others: BetterSqlite3.Database[] = [];

/** A history store on its own batch writer, whose timers run on `clock`. */
function newStore(logger: Logger = recordingLogger()): SqliteHistoryStore {
  return openStores(db, logger, clock).history;
}

const HOUR = 3_600_000;
/** 2026-03-01T00:00:00Z */
const T0 = Date.UTC(2026, 2, 1);

function call(overrides: Partial<NewCall> = {}): NewCall {
  return {
    receivedAt: T0,
    decidedAt: T0 + 1,
    grant: 'cursor',
    session: 'session-1',
    server: 'github',
    tool: 'read_file',
    args: '{"path":"/tmp/notes.md"}',
    argsHash: 'a'.repeat(64),
    action: 'allow',
    decision: 'allow',
    decidedBy: 'policy',
    rule: '/tools/read_file',
    reason: '',
    status: 'running',
    ...overrides,
  };
}

const ids = (calls: readonly CallRecord[]) => calls.map((c) => c.id);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-history-'));
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

describe('SqliteHistoryStore: writing', () => {
  it('reads back every field of a call as it was inserted', async () => {
    const store = newStore();
    const full: NewCall = {
      receivedAt: T0,
      decidedAt: T0 + 5,
      grant: 'claude-desktop',
      session: 'b1946ac9',
      server: 'meatspace',
      tool: 'provision_api_key',
      args: '{"email":"ana@example.com","api_key":"[REDACTED]"}',
      argsHash: 'f'.repeat(64),
      action: 'require_approval',
      decision: 'deny',
      decidedBy: 'person',
      rule: '/tools/provision_api_key',
      reason: 'Creates credentials that cannot be recalled',
      policyHash: 'e'.repeat(64),
      status: 'tool_error',
      finishedAt: T0 + 9,
      result: '{"content":[{"type":"text","text":"no"}],"isError":true}',
      resultTruncated: true,
      error: 'upstream said no',
    };
    const minimal = call({ decidedAt: undefined, decision: 'pending', status: 'not_run' });
    delete minimal.decidedAt;
    const fullId = store.insert(full);
    const minimalId = store.insert(minimal);
    expect(minimalId).toBeGreaterThan(fullId);
    expect(await store.get(fullId)).toStrictEqual({ id: fullId, ...full });
    expect(await store.get(minimalId)).toStrictEqual({ id: minimalId, ...minimal });
    expect(await store.get(minimalId + 1)).toBeUndefined();
  });

  it('writes new calls with their updates in one batch shortly after', async () => {
    const store = newStore();
    const written = () => db.prepare<[], number>('SELECT count(*) FROM calls').pluck().get();
    const a = store.insert(call());
    const b = store.insert(call({ decision: 'pending', status: 'not_run' }));
    store.update(a, { status: 'ok', finishedAt: T0 + 50, result: '{"content":[]}' });
    store.update(b, {
      decision: 'allow',
      decidedBy: 'person',
      decidedAt: T0 + 20,
      status: 'running',
    });
    store.update(b, { status: 'failed', finishedAt: T0 + 90, error: 'connection lost' });
    store.update(a + 1000, { status: 'ok' }); // gone (pruned, say): ignored
    expect(written()).toBe(0);

    clock.advance(99);
    expect(written()).toBe(0);
    clock.advance(1);
    expect(written()).toBe(2);
    expect(await store.get(a)).toMatchObject({
      status: 'ok',
      finishedAt: T0 + 50,
      result: '{"content":[]}',
    });
    // The two updates of b merged: the second kept the first's decision.
    expect(await store.get(b)).toMatchObject({
      decision: 'allow',
      decidedBy: 'person',
      decidedAt: T0 + 20,
      status: 'failed',
      finishedAt: T0 + 90,
      error: 'connection lost',
    });
    expect(await store.get(a + 1000)).toBeUndefined();
  });

  it('shows calls not yet written to every query', async () => {
    const store = newStore();
    const id = store.insert(call({ tool: 'just_now' }));
    expect((await store.query({ tool: 'just_now' })).calls.map((c) => c.id)).toEqual([id]);
    expect(await store.get(id)).toMatchObject({ tool: 'just_now' });
  });

  it('writes at once on flush()', async () => {
    const store = newStore();
    const id = store.insert(call());
    store.update(id, { status: 'ok', result: 'done', resultTruncated: true });
    store.flush();
    expect(await store.get(id)).toMatchObject({
      status: 'ok',
      result: 'done',
      resultTruncated: true,
    });
    store.flush(); // nothing queued: a no-op
  });

  it('drops an update that can never be written, logs it, and writes the rest', async () => {
    const logger = recordingLogger();
    const store = newStore(logger);
    const a = store.insert(call());
    const b = store.insert(call());
    store.flush();
    store.update(a, { status: null } as never); // status is NOT NULL
    store.update(b, { status: 'ok' });
    store.flush();
    expect((await store.get(a))?.status).toBe('running');
    expect((await store.get(b))?.status).toBe('ok');
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'error', fields: expect.objectContaining({ id: a }) }),
    );
  });

  it('never hands out an id twice, even after every call was pruned', async () => {
    const store = newStore();
    const first = store.insert(call());
    const second = store.insert(call());
    expect(await store.prune(T0 + 1)).toBe(2);
    expect(store.insert(call())).toBeGreaterThan(second);
    expect(second).toBeGreaterThan(first);
  });
});

/** A deterministic history spread over days, with enough calls for every query plan. */
function seed(store: SqliteHistoryStore, count: number): CallRecord[] {
  const tools = ['read_file', 'write_file', 'search_issues', 'get_status'];
  const servers = ['github', 'filesystem', 'meatspace'];
  const grants = ['cursor', 'claude-desktop'];
  const decisions: CallDecision[] = ['allow', 'allow', 'deny', 'pending', 'allow'];
  const words = ['invoice', 'ledger', 'report', 'budget', 'reporting', 'invoices'];
  const records: CallRecord[] = [];
  {
    for (let i = 0; i < count; i++) {
      const c = call({
        receivedAt: T0 + i * 97_000 + (i % 7) * 1000,
        tool: tools[i % tools.length],
        server: servers[i % servers.length],
        grant: grants[Math.floor(i / 3) % grants.length],
        decision: decisions[i % decisions.length],
        args: JSON.stringify({ note: `${words[i % words.length]} number${i}` }),
        result: i % 11 === 0 ? `{"text":"${words[(i + 1) % words.length]} result"}` : undefined,
        reason: i % 13 === 0 ? `Refused: ${words[(i + 2) % words.length]} reason` : '',
        error: i % 17 === 0 ? `upstream ${words[(i + 3) % words.length]} error` : undefined,
      });
      records.push({ id: store.insert(c), ...c });
    }
  }
  store.flush();
  return records;
}

/** What the store should answer, computed the slow way. */
function reference(records: readonly CallRecord[], filter: HistoryFilter): CallRecord[] {
  const tokens = (text: string) =>
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
  const text = filter.text ?? '';
  const prefix = text.endsWith('*');
  const terms = tokens(text);
  return records
    .filter((r) => {
      if (filter.tool !== undefined && r.tool !== filter.tool) return false;
      if (
        filter.toolContains !== undefined &&
        !r.tool.toLowerCase().includes(filter.toolContains.toLowerCase())
      )
        return false;
      if (filter.server !== undefined && r.server !== filter.server) return false;
      if (filter.grant !== undefined && r.grant !== filter.grant) return false;
      if (filter.decision !== undefined && r.decision !== filter.decision) return false;
      if (filter.from !== undefined && r.receivedAt < filter.from) return false;
      if (filter.to !== undefined && r.receivedAt >= filter.to) return false;
      const words = tokens(
        [r.tool, r.server, r.grant, r.args, r.reason, r.result ?? '', r.error ?? ''].join(' '),
      );
      return terms.every((term) =>
        words.some((word) => (prefix && term.length >= 3 ? word.startsWith(term) : word === term)),
      );
    })
    .sort((a, b) => b.id - a.id);
}

/** The same counts, computed from the calls themselves. */
/** The hourly counts, computed from the calls themselves. */
async function slowCounts(
  store: SqliteHistoryStore,
  filter: HistoryFilter = {},
): Promise<HourlyCount[]> {
  const byKey = new Map<string, HourlyCount>();
  for (const r of await store.rows(filter, 100_000)) {
    const hour = Math.floor(r.receivedAt / HOUR) * HOUR;
    const entry = byKey.get(`${hour} ${r.decision}`) ?? {
      hour,
      decision: r.decision,
      count: 0,
    };
    entry.count++;
    byKey.set(`${hour} ${r.decision}`, entry);
  }
  return [...byKey.values()].sort(
    (a, b) => a.hour - b.hour || a.decision.localeCompare(b.decision),
  );
}

describe('SqliteHistoryStore: reading', () => {
  it('answers every combination of filters like the reference', async () => {
    const store = newStore();
    const records = seed(store, 3000);
    // The reader the worker runs, here on this thread's connection, so the statements it prepares
    // show which plan each filter took.
    const reader = new HistoryReader(db);
    const prepare = vi.spyOn(db, 'prepare');
    const end = records.at(-1)!.receivedAt;
    const values: Required<HistoryFilter> = {
      tool: 'search_issues',
      // Matches read_file and write_file; with `tool` above, nothing.
      toolContains: 'FILE',
      server: 'filesystem',
      grant: 'claude-desktop',
      decision: 'deny',
      // Far in the past, so most calls came after the window: the plan that reads the window
      // from calls_received alone.
      from: T0 + 10 * HOUR,
      to: T0 + 20 * HOUR,
      text: 'invoice*',
    };
    const keys = Object.keys(values) as (keyof HistoryFilter)[];
    for (let mask = 0; mask < 1 << keys.length; mask++) {
      const filter: HistoryFilter = {};
      keys.forEach((key, bit) => {
        if (mask & (1 << bit)) Object.assign(filter, { [key]: values[key] });
      });
      const expected = ids(reference(records, filter));
      expect(ids(reader.rows(filter, 10_000)), JSON.stringify(filter)).toEqual(expected);
      expect(ids(reader.query(filter).calls), JSON.stringify(filter)).toEqual(
        expected.slice(0, 100),
      );
    }
    // Whole words: "invoice" does not find "invoices".
    for (const text of ['invoice', 'invoices', 'report budget']) {
      expect(ids(reader.rows({ text }, 10_000)), text).toEqual(ids(reference(records, { text })));
    }
    // A window that reaches the newest calls, and one bounded on one side only.
    for (const filter of [
      { from: end - 40 * HOUR, to: end + 1 },
      { to: T0 + 10 * HOUR },
      { to: T0 + 10 * HOUR, decision: 'pending' as const, tool: 'write_file' },
      { from: end - 3 * HOUR },
    ]) {
      expect(ids(reader.rows(filter, 10_000))).toEqual(ids(reference(records, filter)));
    }
    // Both plans were taken: walking ids down, and reading a past window from its index.
    const sql = prepare.mock.calls.map(([text]) => text);
    expect(sql.some((text) => /c\.id IN \(SELECT id FROM calls WHERE received_at/.test(text))).toBe(
      true,
    );
    expect(
      sql.some((text) => /FROM calls c WHERE c\.tool = \? ORDER BY c\.id DESC/.test(text)),
    ).toBe(true);
  });

  it('matches part of a tool name in any case, seeking calls_tool once per name', async () => {
    const store = newStore();
    const records = seed(store, 600);
    // The reader the worker runs, here on this thread's connection, so the statements it prepares
    // show which plan each filter took.
    const reader = new HistoryReader(db);
    const prepare = vi.spyOn(db, 'prepare');
    for (const [part, names] of [
      ['ISSUE', ['search_issues']],
      ['_fIlE', ['read_file', 'write_file']],
      ['T', ['write_file', 'get_status']],
      ['nothing-has-this', []],
    ] as const) {
      const expected = records.filter((r) => (names as readonly string[]).includes(r.tool));
      expect(ids(reader.rows({ toolContains: part }, 10_000)), part).toEqual(
        ids(expected).reverse(),
      );
      const page = reader.query({ toolContains: part, limit: 50 });
      expect(ids(page.calls), part).toEqual(ids(expected).reverse().slice(0, 50));
      expect(new Set(page.calls.map((c) => c.tool)), part).toEqual(
        new Set(names.length > 0 ? names : []),
      );
    }
    // Each statement a part of a name produced reads calls_tool by name, never every call.
    const statements = prepare.mock.calls
      .map(([text]) => text)
      .filter((text) => /c\.tool (=|IN)/.test(text));
    expect(statements.length).toBeGreaterThan(0);
    for (const text of new Set(statements)) {
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${text}`)
        .all(...Array.from({ length: (text.match(/\?/g) ?? []).length }, () => '["read_file"]'))
        .map((row) => (row as { detail: string }).detail)
        .join(' | ');
      expect(plan, text).toMatch(/USING (COVERING )?INDEX calls_tool/);
    }
    // A part every name has filters nothing: the counts come from the hourly summary.
    prepare.mockClear();
    expect(reader.countsByHour({ toolContains: '_' })).toEqual(reader.countsByHour({}));
    expect(prepare.mock.calls.some(([text]) => /c\.tool/.test(text))).toBe(false);
    expect(reader.countsByHour({ toolContains: 'Status' })).toEqual(
      reader.countsByHour({ tool: 'get_status' }),
    );
  });

  it('pages newest first with no duplicates or gaps while calls keep arriving', async () => {
    const store = newStore();
    const records = seed(store, 250);
    for (const filter of [{}, { tool: 'read_file' }, { text: 'ledger' }, { to: T0 + 5 * HOUR }]) {
      const expected = ids(reference(records, filter));
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.query({ ...filter, cursor, limit: 7 });
        seen.push(...ids(page.calls));
        cursor = page.nextCursor;
        // Newer calls arriving between pages do not shift the next page.
        const arriving = call({ receivedAt: T0, tool: 'read_file', args: '{"n":"ledger"}' });
        records.push({ id: store.insert(arriving), ...arriving });
        store.flush();
      } while (cursor);
      expect(seen, JSON.stringify(filter)).toEqual(expected);
    }
  });

  it('clamps the page size and refuses a cursor it did not make', async () => {
    const store = newStore();
    seed(store, 600);
    expect((await store.query({})).calls).toHaveLength(100);
    expect((await store.query({ limit: 0 })).calls).toHaveLength(1);
    expect((await store.query({ limit: 10_000 })).calls).toHaveLength(500);
    expect((await store.query({ limit: 2.7 })).calls).toHaveLength(2);
    for (const cursor of ['', '42', 'c', 'c-1', 'c0', 'czzzzzzzzzzzzzz', '"; DROP TABLE calls']) {
      await expect(store.query({ cursor })).rejects.toThrow(/Invalid history cursor/);
    }
    const last = await store.query({ limit: 600 });
    expect(last.calls).toHaveLength(500);
    const rest = await store.query({ cursor: last.nextCursor, limit: 500 });
    expect(rest.calls).toHaveLength(100);
    expect(rest.nextCursor).toBeUndefined();
  });

  it('finds free text in every searched field, as whole words or prefixes ending in *', async () => {
    const store = newStore();
    const inArgs = store.insert(call({ args: '{"email":"ana@example.com"}' }));
    const inResult = store.insert(call({ result: '{"text":"Quarterly Ledger closed"}' }));
    const inReason = store.insert(call({ decision: 'deny', reason: 'Outside office hours' }));
    const inError = store.insert(call({ error: 'ECONNRESET from upstream' }));
    const named = store.insert(
      call({ tool: 'provision_api_key', server: 'meatspace', grant: 'research-bot' }),
    );
    const accented = store.insert(call({ args: '{"city":"Zürich","drink":"café"}' }));
    store.flush();
    const found = async (text: string) => ids((await store.query({ text })).calls);

    expect(await found('example.com')).toEqual([inArgs]);
    expect(await found('ANA')).toEqual([inArgs]);
    expect(await found('ledg')).toEqual([]);
    expect(await found('ledg*')).toEqual([inResult]);
    expect(await found('LEDGER')).toEqual([inResult]);
    expect(await found('quarterly closed')).toEqual([inResult]);
    expect(await found('office')).toEqual([inReason]);
    expect(await found('econnreset')).toEqual([inError]);
    expect(await found('provision_api')).toEqual([named]);
    expect(await found('meatspace research')).toEqual([named]);
    expect(await found('zurich cafe')).toEqual([accented]);
    expect(await found('Zürich')).toEqual([accented]);
    expect(await found('ledger office')).toEqual([]);
    // Prefixes of one or two letters match whole words only.
    expect(await found('an*')).toEqual([]);
    expect(await found('ana*')).toEqual([inArgs]);
  });

  it('never fails on what a person may type', async () => {
    const store = newStore();
    const id = store.insert(call({ args: '{"q":"say \\"hi\\" (now) AND then"}' }));
    store.flush();
    const nasty = [
      '"',
      '""',
      '"hi',
      'hi"',
      '(',
      ')',
      '(now',
      'AND',
      'OR',
      'NOT',
      'NEAR(',
      'hi AND',
      '*',
      '**',
      'hi*',
      '-',
      '-hi',
      ':',
      'body:',
      'body:hi',
      '^',
      '^hi',
      '+',
      "'",
      ';',
      '; DROP TABLE calls; --',
      '\\',
      '\0',
      'hi\0now',
      '\uD800',
      '🤖',
      '🤖 hi',
      'Ünïcödé',
      '東京',
      'عربى',
      '\t\n ',
      '{',
      '[]',
      'a'.repeat(10_000),
    ];
    for (const text of nasty) {
      await expect(store.query({ text }), JSON.stringify(text)).resolves.toBeDefined();
      await expect(store.countsByHour({ text }), JSON.stringify(text)).resolves.toBeDefined();
    }
    // Text with nothing to search for filters nothing.
    for (const text of ['', '   ', '"', '(', '*', '-', ':', '🤖', '\0']) {
      expect(ids((await store.query({ text })).calls), JSON.stringify(text)).toEqual([id]);
    }
    // Quotes and operators are searched as the words they hold.
    expect(ids((await store.query({ text: '"hi" (now) AND' })).calls)).toEqual([id]);
  });

  it('counts calls per UTC hour and decision, oldest first', async () => {
    const store = newStore();
    const records = seed(store, 400);
    const expected = (filter: HistoryFilter) => {
      const counts = new Map<string, number>();
      for (const r of reference(records, filter)) {
        const key = `${Math.floor(r.receivedAt / HOUR) * HOUR} ${r.decision}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return [...counts]
        .map(([key, count]) => {
          const [hour, decision] = key.split(' ');
          return { hour: Number(hour), decision, count };
        })
        .sort((a, b) => a.hour - b.hour || a.decision!.localeCompare(b.decision!));
    };
    const end = records.at(-1)!.receivedAt;
    for (const filter of [
      {},
      { from: T0 + 90 * 60_000, to: end - 2 * HOUR },
      { decision: 'pending' as const },
      { tool: 'read_file' },
      { server: 'github', from: T0 + 3 * HOUR },
      { text: 'budget' },
      { from: end + HOUR },
    ]) {
      expect(await store.countsByHour(filter), JSON.stringify(filter)).toEqual(expected(filter));
    }
    expect((await store.countsByHour({}))[0]!.hour).toBe(T0);
  });

  it('keeps the hourly counts exact as decisions change, calls are pruned, and across an upgrade', async () => {
    // A history written before the hourly counts existed (schema version 2).
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    db = openDatabase(file, MIGRATIONS.slice(0, 2));
    const insertOld = db.prepare(
      `INSERT INTO calls (received_at, grant_name, session, server, tool, args, args_hash, action,
         decision, decided_by, rule, reason, status)
       VALUES (?, 'cursor', 's', 'github', 'read_file', '{}', '', 'allow', ?, 'policy', '', '', 'ok')`,
    );
    for (let i = 0; i < 200; i++) insertOld.run(T0 + i * 130_000, i % 3 ? 'allow' : 'deny');
    db.close();
    db = openDatabase(file);
    const store = newStore();
    expect(await store.countsByHour({})).toEqual(await slowCounts(store));
    expect((await store.countsByHour({})).reduce((sum, c) => sum + c.count, 0)).toBe(200);

    const records = seed(store, 300);
    expect(await store.countsByHour({})).toEqual(await slowCounts(store));

    const held = records.filter((r) => r.decision === 'pending');
    held.forEach((r, i) =>
      store.update(r.id, { decision: i % 2 ? 'allow' : 'deny', status: 'not_run' }),
    );
    store.insert(call({ receivedAt: records.at(-1)!.receivedAt + 10, decision: 'pending' }));
    store.flush();
    expect(await store.countsByHour({})).toEqual(await slowCounts(store));
    expect(await store.countsByHour({ decision: 'pending' })).toHaveLength(1);

    await store.prune(T0 + 3 * HOUR + 1234);
    expect(await store.countsByHour({})).toEqual(await slowCounts(store));
    expect((await store.countsByHour({}))[0]!.hour).toBe(T0 + 3 * HOUR);
    // Pruned hours leave no counts behind, so the table stays as small as the history.
    const hoursKept = db.prepare('SELECT min(hour) FROM calls_hourly').pluck().get();
    expect(hoursKept).toBe(T0 + 3 * HOUR);
    const partialHours = {
      decision: 'deny' as const,
      from: T0 + 4 * HOUR + 1,
      to: T0 + 6 * HOUR - 1,
    };
    expect(await store.countsByHour(partialHours)).toEqual(await slowCounts(store, partialHours));
  });

  it('exports the newest calls as text, written before the export was asked', async () => {
    const store = newStore();
    const older = store.insert(call({ tool: 'older_tool' }));
    store.flush();
    const newer = store.insert(call({ tool: 'newer_tool' }));
    const csv = await store.exportText('csv', {}, 1);
    expect(csv).toMatchObject({ rows: 1, truncated: true });
    expect(csv.content.text()).toContain('newer_tool');
    expect(csv.content.text()).not.toContain('older_tool');
    const jsonl = await store.exportText('jsonl', { tool: 'older_tool' }, 10);
    expect(jsonl).toMatchObject({ rows: 1, truncated: false });
    expect(JSON.parse(jsonl.content.text().trim())).toMatchObject({ id: older });
    expect(newer).toBeGreaterThan(older);
  });

  it('hands an export over from the worker as the bytes of its text, every character kept', async () => {
    const store = newStore();
    // Quotes, a backslash, a line break, U+2028, non-Latin-1 text and an astral character.
    const args = JSON.stringify({ note: 'café “quoted” \\ path\nnext \u2028 日本語 🚀' });
    const id = store.insert(call({ args }));
    const jsonl = await store.exportText('jsonl', {}, 10);
    expect(jsonl.content).toBeInstanceOf(JsonStringBytes);
    expect(JSON.parse(jsonl.content.text().trim())).toMatchObject({ id, args });
  });

  it('iterates rows newest first, at most the limit', async () => {
    const store = newStore();
    const records = seed(store, 120);
    const newest = ids(records).reverse();
    expect(ids(await store.rows({}, 10))).toEqual(newest.slice(0, 10));
    expect(ids(await store.rows({}, 1000))).toEqual(newest);
    expect(await store.rows({}, 0)).toEqual([]);
    // Leaving early releases the statement: the connection can write again.
    for (const row of await store.rows({}, 50)) if (row) break;
    expect(() => store.insert(call())).not.toThrow();
  });
});

describe('SqliteHistoryStore: retention and restarts', () => {
  it('prunes calls received before a time, from the table and the search index', async () => {
    const store = newStore();
    const old = store.insert(call({ receivedAt: T0, args: '{"w":"walrus"}' }));
    store.insert(call({ receivedAt: T0 + 10, args: '{"w":"walrus"}' }));
    const kept = store.insert(call({ receivedAt: T0 + 20, args: '{"w":"walrus"}' }));
    // Not yet indexed when it goes: its deletion must not disturb the index.
    const unindexed = store.insert(call({ receivedAt: T0 - 5, args: '{"w":"walrus"}' }));
    expect(await store.prune(T0 + 20)).toBe(3);
    expect(await store.get(old)).toBeUndefined();
    expect(await store.get(unindexed)).toBeUndefined();
    store.flush();
    expect(ids((await store.query({ text: 'walrus' })).calls)).toEqual([kept]);
    expect(await store.prune(T0 + 20)).toBe(0);

    // More than one chunk.
    for (let i = 0; i < 12_000; i++) {
      store.insert(call({ receivedAt: T0 + 30 + i }));
      if (i % 1000 === 999) store.flush();
    }
    store.flush();
    expect(await store.prune(T0 + 12_000)).toBe(1 + 11_970);
    expect((await store.query({ limit: 500 })).calls).toHaveLength(30);
  });

  it('keeps the hourly summary in step with calls recorded and answered while it prunes', async () => {
    const store = newStore();
    const records = seed(store, 3000);
    // Mid-hour, so the hour it cuts keeps some calls and loses others.
    const cut = T0 + 30 * HOUR + 1_800_000;
    const cutHour = T0 + 30 * HOUR;
    const held = records.filter(
      (r) => r.decision === 'pending' && r.receivedAt >= cutHour && r.receivedAt < cutHour + HOUR,
    );
    expect(held.filter((r) => r.receivedAt < cut).length).toBeGreaterThan(0);
    expect(held.filter((r) => r.receivedAt >= cut).length).toBeGreaterThan(0);
    const pruned = store.prune(cut);
    let done = false;
    pruned.then(
      () => (done = true),
      () => (done = true),
    );
    // While the worker deletes in chunks, this thread records new calls and answers held ones in
    // the hour being cut, each batch committed between the worker's chunks.
    let answered = 0;
    for (let i = 0; !done; i++) {
      store.insert(call({ receivedAt: T0 + 100 * HOUR + i, decision: i % 2 ? 'deny' : 'allow' }));
      const answer = held[answered];
      if (answer) {
        store.update(answer.id, { decision: 'allow', decidedBy: 'person', status: 'ok' });
        answered++;
      }
      store.flush();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(await pruned).toBe(records.filter((r) => r.receivedAt < cut).length);
    expect(answered).toBeGreaterThan(0);
    expect(await store.countsByHour({})).toEqual(await slowCounts(store));
    expect((await store.countsByHour({}))[0]!.hour).toBe(cutHour);
  });

  it('lets a batch on this thread go first: a prune waits while one wants the write lock', async () => {
    const { history: store, turn } = openStores(db, recordingLogger(), clock);
    const first = store.insert(call({ receivedAt: T0 }));
    store.insert(call({ receivedAt: T0 + 1 }));
    store.flush();
    const stored = () => db.prepare<[], number>('SELECT count(*) FROM calls').pluck().get();
    Atomics.add(turn.flag, 0, 1); // what turn.hold does while a batch waits for the lock
    const pruned = store.prune(T0 + 10);
    // The worker answers reads between a prune's chunks, in order: once this one is answered, the
    // prune has begun and is waiting for its turn.
    expect(await store.get(first)).toBeDefined();
    expect(stored()).toBe(2);
    Atomics.sub(turn.flag, 0, 1);
    expect(await pruned).toBe(2);
    expect(stored()).toBe(0);
  });

  it('closes the calls a previous run left open', async () => {
    const first = newStore();
    const held = first.insert(
      call({ decision: 'pending', decidedAt: undefined, status: 'not_run' }),
    );
    const running = first.insert(call());
    const done = first.insert(call());
    first.update(done, { status: 'ok', finishedAt: T0 + 3, result: 'fine' });
    first.flush();
    // The trade-off of batched writes: a crash before the next batch loses this call.
    const lost = first.insert(call());
    db.close();

    db = openDatabase(file);
    const store = newStore();
    const now = T0 + HOUR;
    expect(store.closeUnfinished(now)).toBe(2);
    expect(await store.get(lost)).toBeUndefined();
    expect(await store.get(held)).toMatchObject({
      decision: 'deny',
      decidedBy: 'restart',
      decidedAt: now,
      status: 'not_run',
      finishedAt: now,
    });
    for (const id of [running]) {
      expect(await store.get(id)).toMatchObject({
        decision: 'allow',
        status: 'failed',
        finishedAt: now,
        error: 'Airlock stopped before the server answered',
      });
    }
    expect(await store.get(done)).toMatchObject({ status: 'ok', result: 'fine' });
    expect(ids((await store.query({ text: 'stopped' })).calls)).toEqual([running]);
    expect(store.closeUnfinished(now)).toBe(0);
  });

  it('migrates a version-1 database and keeps its counter events', async () => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    db = openDatabase(file, MIGRATIONS.slice(0, 1));
    const event = { counter: 'rate', grant: 'cursor', session: 's', at: T0 };
    // As version 1 wrote it (the store of today needs the history's tables).
    db.prepare(
      'INSERT INTO counter_events (counter, grant_name, session, at) VALUES (?, ?, ?, ?)',
    ).run(event.counter, event.grant, event.session, event.at);
    db.close();

    db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const { history: store, counters } = openStores(db, recordingLogger(), clock);
    expect(counters.loadSince(0)).toEqual([event]);
    const id = store.insert(call());
    expect(await store.get(id)).toMatchObject({ id, tool: 'read_file' });
  });
});

describe('SqliteHistoryStore: failure and recovery', () => {
  it('survives a full disk: once a write fails, inserts throw, and everything lands once there is room', async () => {
    const logger = recordingLogger();
    const store = newStore(logger);
    const early = store.insert(call());
    store.flush();
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 2}`);

    const big = { args: JSON.stringify({ text: 'x'.repeat(3000) }) };
    const kept: number[] = [];
    for (let i = 0; i < 100 && store.writeProblem() === undefined; i++) {
      kept.push(store.insert(call(big)));
      store.flush();
    }
    expect(store.writeProblem()).toMatch(/full/);
    expect(() => store.insert(call())).toThrow(expect.objectContaining({ code: 'SQLITE_FULL' }));
    // Big enough to need pages of its own.
    const result = `persisted after all ${'y'.repeat(20_000)}`;
    store.update(early, { status: 'ok', result });
    expect(store.flush()).toBe(false);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: expect.stringMatching(/keeping them/) }),
    );

    db.pragma('max_page_count = 4294967294');
    clock.time += 1_000; // the next call tries a write again
    expect(store.writeProblem()).toBeUndefined();
    const later = store.insert(call());
    expect(await store.get(later)).toBeDefined();
    expect(await store.get(early)).toMatchObject({ status: 'ok', result });
    // The calls recorded before the failure showed were kept and written, none lost.
    for (const id of kept) expect(await store.get(id)).toBeDefined();
    expect(ids((await store.query({ text: 'persisted' })).calls)).toEqual([early]);
    expect(logger.lines.at(-1)).toMatchObject({ level: 'info' });
  });

  it('survives a locked database: once a write fails, inserts throw SQLITE_BUSY until the other writer commits', async () => {
    const logger = recordingLogger();
    const store = newStore(logger);
    const id = store.insert(call());
    store.flush();
    db.pragma('busy_timeout = 0');
    const other = new BetterSqlite3(file);
    others.push(other);

    other.exec('BEGIN EXCLUSIVE');
    const pending = store.insert(call());
    store.update(id, { status: 'ok', result: 'late' });
    expect(store.flush()).toBe(false);
    expect(() => store.insert(call())).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));

    other.exec('COMMIT');
    expect(store.flush()).toBe(true);
    expect(store.insert(call())).toBeGreaterThan(pending);
    expect(await store.get(id)).toMatchObject({ status: 'ok', result: 'late' });
    expect(await store.get(pending)).toBeDefined();
  });

  it('keeps at most 10,000 calls with waiting updates and logs what it drops', async () => {
    const logger = recordingLogger();
    const store = newStore(logger);
    const id = store.insert(call());
    store.flush();
    db.pragma('busy_timeout = 0');
    const other = new BetterSqlite3(file);
    others.push(other);
    other.exec('BEGIN EXCLUSIVE');

    for (let i = 0; i < 10_005; i++) store.update(id + i, { status: 'ok' });
    store.flush();
    const drops = logger.lines.filter((l) => /dropping/.test(l.message));
    expect(drops).toHaveLength(1);
    expect(drops[0]!.fields).toMatchObject({ id: id + 10_000 });

    other.exec('COMMIT');
    store.flush();
    expect((await store.get(id))?.status).toBe('ok');
    expect(logger.lines.at(-1)).toMatchObject({
      level: 'error',
      fields: { count: 5, firstId: id + 10_000, lastId: id + 10_004 },
    });
  });

  it('says so when updates are left behind by a closed database', async () => {
    const logger = recordingLogger();
    const store = newStore(logger);
    const id = store.insert(call());
    store.update(id, { status: 'ok' });
    db.close();
    expect(() => store.flush()).not.toThrow();
    expect(logger.lines.at(-1)).toMatchObject({
      level: 'error',
      fields: { updates: 1, ids: [id] },
    });
  });
});
