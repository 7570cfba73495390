// The SQLite history on its own, without Airlock running: what recording a call adds to the proxy
// path (against one row committed on its own, measured in the same run), what writing the batches costs
// off the path, and how fast the UI's queries answer once the history holds a million calls.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  openDatabase,
  secondConnectionTo,
  type Database,
} from '../../src/main/adapters/sqlite/database';
import { HistoryReader } from '../../src/main/adapters/sqlite/history-reader';
import { WorkerHistoryReads } from '../../src/main/adapters/sqlite/history-reads';
import { BatchWriter } from '../../src/main/adapters/sqlite/batch-writer';
import { SqliteHistoryStore } from '../../src/main/adapters/sqlite/history-store';
import type {
  CallDecision,
  HistoryQuery,
  NewCall,
  CallUpdate,
} from '../../src/main/core/history/types';
import { silentLogger, systemClock, systemTimers } from '../../src/main/core/ports';
import { fixed, formatTable, target, type Target } from '../lib/report';
import { summarize, type LatencySummary } from '../lib/stats';
import { scaled, type Section } from './section';

const LIMITS = {
  /** What recording a call and its result adds to the call's path, at p50. */
  recordP50Ms: 0.1,
  /** "Newest 100" by tool or by free text, at a million rows. */
  queryMs: 20,
};
const DAY_MS = 86_400_000;
const QUERY_RUNS = 20;
const QUERY_WARMUP = 3;

export const history: Section = {
  name: 'history',
  title: 'History store (SQLite, in this process)',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-history-'));
    try {
      const write = await measureWrites(join(dir, 'writes.sqlite'), scaled(ctx, 20_000, 2_000));
      const read = measureQueries(join(dir, 'queries.sqlite'), scaled(ctx, 1_000_000, 20_000));
      return {
        lines: [...write.lines, '', ...read.lines],
        targets: [...write.targets, ...read.targets],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** A small deterministic generator, so every run loads the same history. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'report invoice customer order payment refund shipping address account balance ledger ' +
  'quarter budget forecast meeting agenda summary draft review approval contract vendor ' +
  'project milestone release deploy build test staging production server cluster region ' +
  'bucket object folder document sheet slide chart table column index query filter result ' +
  'status pending active closed archive backup restore migrate export import sync token'
).split(' ');
/** Each in about one row in ten thousand: a search that must find a few rows among many. */
export const RARE = ['quokka', 'zeppelin', 'marzipan', 'obsidian'];
export const TOOLS = ['read', 'write', 'list', 'search', 'get'].flatMap((verb) =>
  ['file', 'issue', 'page', 'record'].map((noun) => `${verb}_${noun}`),
);
const SERVERS = ['github', 'filesystem', 'meatspace', 'notion'];
const GRANTS = ['claude-desktop', 'cursor', 'claude-code', 'ci-agent', 'research-bot', 'cli'];

function words(next: () => number, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      next() < 0.001
        ? RARE[Math.floor(next() * RARE.length)]!
        : WORDS[Math.floor(next() * WORDS.length)]!,
    );
  }
  return out.join(' ');
}

function hex(next: () => number, length: number): string {
  let out = '';
  while (out.length < length)
    out += Math.floor(next() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, length);
}

/** A call as the proxy records it on arrival: allowed, forwarded, no result yet (~1 KB). */
function arrivingCall(next: () => number, at: number): NewCall {
  return {
    receivedAt: at,
    decidedAt: at,
    grant: GRANTS[Math.floor(next() * GRANTS.length)]!,
    session: hex(next, 32),
    server: SERVERS[Math.floor(next() * SERVERS.length)]!,
    tool: TOOLS[Math.floor(next() * TOOLS.length)]!,
    args: JSON.stringify({
      path: `/home/user/${words(next, 3).replace(/ /g, '/')}.md`,
      query: words(next, 12),
      limit: 50,
      api_key: '[REDACTED]',
    }),
    argsHash: hex(next, 64),
    action: 'allow',
    decision: 'allow',
    decidedBy: 'policy',
    rule: '/tools/read_file',
    reason: 'Reads files inside the project folder; allowed by the team policy.',
    policyHash: hex(next, 64),
    status: 'running',
  };
}

/**
 * The history store as Airlock runs it, on its own batches, for writing: its reader's worker
 * thread starts only if something reads through it.
 */
export function historyStore(db: Database): SqliteHistoryStore {
  const options = { logger: silentLogger, clock: systemClock, timers: systemTimers };
  const batches = new BatchWriter(db, options);
  const reads = new WorkerHistoryReads({ ...options, connection: secondConnectionTo(db) });
  return new SqliteHistoryStore(db, { logger: silentLogger, batches, reads });
}

function resultText(next: () => number, wordCount: number): string {
  return JSON.stringify({ content: [{ type: 'text', text: words(next, wordCount) }] });
}

async function measureWrites(
  file: string,
  calls: number,
): Promise<{ lines: string[]; targets: Target[] }> {
  const db = openDatabase(file);
  try {
    const store = historyStore(db);
    // What every limited call paid on its path before counter events were batched too: one
    // small row committed on its own.
    const insertCounterEvent = db.prepare(
      'INSERT INTO counter_events (counter, grant_name, session, at) VALUES (?, ?, ?, ?)',
    );
    const next = random(1);
    let now = Date.now();
    const finish = (): CallUpdate => ({
      status: 'ok',
      finishedAt: now,
      result: resultText(next, 75), // ~600 B
      resultTruncated: false,
    });

    // Warm up statements, caches and the file's first pages; not measured.
    for (let i = 0; i < 1000; i++) store.update(store.insert(arrivingCall(next, ++now)), finish());
    store.flush();

    // On the proxy's path, per call: recording the call and, once it ends, its result. Measured
    // next to a single-row commit, so both see the same machine.
    const baselineUs: number[] = [];
    const pathUs: number[] = [];
    for (let i = 0; i < calls; i++) {
      const arriving = arrivingCall(next, ++now);
      const result = finish();
      const t0 = performance.now();
      insertCounterEvent.run('read_rate', 'cursor', 's', ++now);
      const t1 = performance.now();
      store.update(store.insert(arriving), result);
      const t2 = performance.now();
      baselineUs.push((t1 - t0) * 1000);
      pathUs.push((t2 - t1) * 1000);
      // Off the path: the store writes its batch when its timer fires; here, every 100 calls.
      if (i % 100 === 99) store.flush();
    }
    store.flush();

    // Off the path: what writing the batches costs, per call and per batch, at batch sizes from
    // one call (a quiet agent) to a few hundred (a busy one).
    const batchRows: string[][] = [];
    for (const size of [1, 16, 100, 400]) {
      const rounds = Math.max(3, Math.floor(calls / size / 4));
      const blockedMs: number[] = [];
      const cpu = process.cpuUsage();
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < size; i++)
          store.update(store.insert(arrivingCall(next, ++now)), finish());
        const t0 = performance.now();
        store.flush();
        blockedMs.push(performance.now() - t0);
      }
      const blocked = summarize(blockedMs);
      batchRows.push([
        `${size} per batch`,
        fixed(cpuUs(cpu) / (rounds * size), 1),
        fixed(blocked.p50, 2),
        fixed(Math.max(...blockedMs), 2),
      ]);
    }

    const path = summarize(pathUs);
    const baseline = summarize(baselineUs);
    const rowBytes = approximateRowBytes(db);
    return {
      lines: [
        `Recording a call, ${calls} calls into a fresh database (rows of ~${rowBytes} B: args ~${arrivingCall(random(2), 0).args.length} B, result ~${finish().result!.length} B)`,
        'on the path: recording the call and its result (kept in memory, written within 100 ms);',
        'baseline: one row committed on its own (a counter event, as limited calls wrote them before they were batched)',
        '',
        ...formatTable(
          ['per call', 'p50 µs', 'p99 µs', 'mean µs'],
          [
            ['baseline: one-row commit', ...latency(baseline)],
            ['recording on the path', ...latency(path)],
          ],
        ),
        '',
        'off the path: writing a batch (rows, indexes, search index; one commit)',
        ...formatTable(
          ['batch', 'CPU µs per call', 'blocks the loop, p50 ms', 'max ms'],
          batchRows,
        ),
      ],
      targets: [
        target(
          'history',
          "recording adds at most 0.1 ms to a call's p50",
          `${fixed(path.p50 / 1000, 3)} ms ≤ ${LIMITS.recordP50Ms} ms (baseline one-row commit ${fixed(baseline.p50 / 1000, 3)} ms)`,
          path.p50 / 1000 <= LIMITS.recordP50Ms,
        ),
      ],
    };
  } finally {
    db.close();
  }
}

/** Average bytes of a call row as stored, FTS and indexes excluded. */
function approximateRowBytes(db: Database): number {
  const row = db
    .prepare(
      `SELECT avg(length(args) + length(result) + length(session) + length(args_hash) +
         length(policy_hash) + length(reason) + length(rule) + length(tool) + length(server) +
         length(grant_name) + 40) AS bytes FROM calls`,
    )
    .get() as { bytes: number };
  return Math.round(row.bytes);
}

function latency(summary: LatencySummary): string[] {
  return [fixed(summary.p50, 1), fixed(summary.p99, 1), fixed(summary.mean, 1)];
}

function cpuUs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

/** A finished call of the history's past: mixed decisions, statuses, results and errors. */
function pastCall(next: () => number, at: number): NewCall {
  const call = arrivingCall(next, at);
  const roll = next();
  const decision: CallDecision = roll < 0.84 ? 'allow' : roll < 0.99 ? 'deny' : 'pending';
  call.decision = decision;
  if (decision === 'deny') {
    call.action = next() < 0.5 ? 'deny' : 'require_approval';
    call.decidedBy = call.action === 'deny' ? 'policy' : next() < 0.5 ? 'person' : 'timeout';
    call.reason = `Refused: ${words(next, 6)}`;
    call.status = 'not_run';
    call.finishedAt = at + 1;
  } else if (decision === 'pending') {
    call.action = 'require_approval';
    call.decidedAt = undefined;
    call.status = 'not_run';
  } else if (next() < 0.05) {
    call.status = 'failed';
    call.finishedAt = at + 30_000;
    call.error = `Upstream ${words(next, 4)} timed out`;
  } else {
    call.status = next() < 0.1 ? 'tool_error' : 'ok';
    call.finishedAt = at + Math.floor(next() * 2000);
    call.result = resultText(next, 20 + Math.floor(next() * 60));
  }
  return call;
}

const LOAD_BATCH = 5_000;

/**
 * Fills `store` with `rows` past calls (pastCall, from the generator seeded with `seed`) spread
 * evenly over the 30 days before `end`, oldest first, in transactions of LOAD_BATCH calls.
 * Returns the seconds it took. The same seed gives the same history.
 */
export function loadPastCalls(
  store: SqliteHistoryStore,
  rows: number,
  seed: number,
  end: number,
): number {
  const next = random(seed);
  const start = end - 30 * DAY_MS;
  const step = (end - start) / rows;
  const loadStarted = performance.now();
  for (let done = 0; done < rows; done += LOAD_BATCH) {
    const calls: NewCall[] = [];
    for (let i = done; i < Math.min(rows, done + LOAD_BATCH); i++) {
      calls.push(pastCall(next, Math.floor(start + i * step)));
    }
    for (const call of calls) store.insert(call);
    store.flush();
  }
  return (performance.now() - loadStarted) / 1000;
}

function measureQueries(file: string, rows: number): { lines: string[]; targets: Target[] } {
  const db = openDatabase(file);
  try {
    const store = historyStore(db);
    const end = Date.now();
    const start = end - 30 * DAY_MS;
    const loadSeconds = loadPastCalls(store, rows, 3, end);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = statSync(file).size;

    // The queries' own cost, on this thread: what the worker thread spends answering them.
    const reader = new HistoryReader(db);
    const tool = TOOLS[3]!;
    const ftsRowids = db.prepare<[string]>(
      'SELECT rowid FROM calls_fts WHERE calls_fts MATCH ? ORDER BY rowid DESC LIMIT 100',
    );
    const firstPage = reader.query({ tool });
    const timings: [string, HistoryQuery | (() => unknown), number?][] = [
      ['newest 100, no filter', {}],
      [`newest 100 by tool (${tool})`, { tool }, LIMITS.queryMs],
      [`page 2 by tool via cursor`, { tool, cursor: firstPage.nextCursor! }],
      // Activity's Tool filter: part of a name, any case, resolved to the names that have it.
      ['newest 100 by part of a tool name ("READ", 4 tools)', { toolContains: 'READ' }],
      ['newest 100 by part of no tool name', { toolContains: 'zzz' }],
      ['newest 100 by tool + server + grant', { tool, server: SERVERS[1], grant: GRANTS[2] }],
      ['newest 100 held (decision pending, ~1%)', { decision: 'pending' }],
      ['newest 100 in one day, two weeks ago', { from: end - 15 * DAY_MS, to: end - 14 * DAY_MS }],
      ['newest 100 by common word ("report")', { text: 'report' }, LIMITS.queryMs],
      ['newest 100 by rare word ("quokka")', { text: 'quokka' }, LIMITS.queryMs],
      ['newest 100 by two words ("invoice ledger")', { text: 'invoice ledger' }, LIMITS.queryMs],
      ['newest 100 by a prefix ("rep*")', { text: 'rep*' }],
      ['newest 100 by a 2-letter prefix ("re*", whole words only)', { text: 're*' }],
      // Baselines: FTS5 alone, the word matched whole and as a prefix (what the store asks).
      ['  FTS5 only: "report" as a whole word', () => ftsRowids.all('"report"')],
      ['  FTS5 only: "report" as a prefix', () => ftsRowids.all('"report"*')],
      [`newest 100 by tool + common word`, { tool, text: 'report' }, LIMITS.queryMs],
      [`newest 100 by tool + rare word`, { tool, text: 'quokka' }],
      ['hourly counts, last 7 days', () => reader.countsByHour({ from: end - 7 * DAY_MS })],
      // What Activity asks for when it opens with no filter.
      ['hourly counts, all 30 days', () => reader.countsByHour({})],
      ['hourly counts, last 30 days, one tool', () => reader.countsByHour({ tool })],
      [
        'hourly counts, last 30 days, part of 4 tool names',
        () => reader.countsByHour({ toolContains: 'read' }),
      ],
    ];
    const targets: Target[] = [];
    const table: string[][] = [];
    for (const [label, what, limit] of timings) {
      const run = typeof what === 'function' ? what : () => reader.query(what);
      const found = resultCount(run());
      for (let i = 0; i < QUERY_WARMUP; i++) run();
      const samples: number[] = [];
      for (let i = 0; i < QUERY_RUNS; i++) {
        const t0 = performance.now();
        run();
        samples.push(performance.now() - t0);
      }
      const { p50 } = summarize(samples);
      const max = Math.max(...samples);
      table.push([label, String(found), fixed(p50, 2), fixed(max, 2)]);
      if (limit !== undefined) {
        targets.push(
          target(
            'history',
            `${label} at ${rows} rows, median`,
            `${fixed(p50, 2)} ms < ${limit} ms`,
            p50 < limit,
          ),
        );
      }
    }

    // Retention: the oldest day goes, FTS rows with it, in chunks.
    const pruneStarted = performance.now();
    const before = start + DAY_MS;
    let pruned = 0;
    for (let done = false; !done;) {
      const chunk = reader.pruneChunk(before);
      pruned += chunk.deleted;
      done = chunk.done;
    }
    reader.recountHoursBefore(before);
    const pruneMs = performance.now() - pruneStarted;

    return {
      lines: [
        `Queries at ${rows} rows over 30 days (${TOOLS.length} tools, ${SERVERS.length} servers, ${GRANTS.length} grants; median and max of ${QUERY_RUNS} runs after ${QUERY_WARMUP} warm-up runs)`,
        `load: ${fixed(loadSeconds, 1)} s (${fixed(rows / loadSeconds, 0)} rows/s, through store.insert in transactions of ${LOAD_BATCH}); file: ${fixed(bytes / 1024 / 1024, 0)} MB`,
        '',
        ...formatTable(['query', 'rows', 'median ms', 'max ms'], table),
        '',
        'Free text matches whole words; a term ending in * (3 letters or more) matches prefixes. FTS5',
        'returns a whole word newest first without reading further, but merges the full list of calls',
        'of every word with the prefix first: its cost grows with the calls (the two FTS5-only lines).',
        '',
        `prune of the oldest day: ${pruned} rows in ${fixed(pruneMs, 0)} ms (${fixed((pruneMs * 1000) / Math.max(1, pruned), 1)} µs a row)`,
      ],
      targets,
    };
  } finally {
    db.close();
  }
}

function resultCount(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return (value as { calls: unknown[] }).calls.length;
}
