// Airlock's own work per allowed call, measured in this process without any HTTP or MCP plumbing:
// authenticating the grant's token, parsing and serialising the call and its answer both ways
// (depth-bounded, as the proxy does), deciding it (policy, counted limit, tool pin), recording it
// (row with its redacted argument excerpt and keyed hash, the redacted result) and the batch
// writes of the rows and counter events into a real SQLite file (calls, six indexes, full-text
// index, hourly counts). Wired as runtime.ts wires it. Every proxy that keeps Airlock's promises
// does this work per call, so it shows how much of the CPU target's budget over the floor is left
// for the plumbing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGrant, GrantAuthenticator } from '../../src/main/adapters/files/grants';
import { serializeMessage, type JsonRpcMessage } from '../../src/main/adapters/mcp/json-rpc';
import { BatchWriter } from '../../src/main/adapters/sqlite/batch-writer';
import { SqliteCounterStore } from '../../src/main/adapters/sqlite/counter-store';
import { openDatabase, secondConnectionTo } from '../../src/main/adapters/sqlite/database';
import { WorkerHistoryReads } from '../../src/main/adapters/sqlite/history-reads';
import { SqliteHistoryStore } from '../../src/main/adapters/sqlite/history-store';
import { SqlitePinStore } from '../../src/main/adapters/sqlite/pin-store';
import { WriteTurn } from '../../src/main/adapters/sqlite/write-turn';
import { parseBoundedJson } from '../../src/main/core/bounded-json';
import { DEFAULT_SETTINGS } from '../../src/main/core/config/types';
import { createCore } from '../../src/main/core/create-core';
import { RateLimiter } from '../../src/main/core/limits/rate-limiter';
import { silentLogger, systemClock, systemTimers } from '../../src/main/core/ports';
import { createRedactor } from '../../src/main/core/redaction/redactor';
import type { SeenDefinition } from '../../src/main/core/tools/tool-definition';

export interface CoreWorkOptions {
  /** The policy document Airlock runs with, and the server and tool the calls go to. */
  policy: unknown;
  server: string;
  tool: string;
  /** The tool's definition as listed, which Airlock pins and checks each call against. */
  seen: SeenDefinition;
  /** The tool's result as the server sends it. */
  result: unknown;
  warmupCalls: number;
  calls: number;
  /** Calls per batch write (Airlock writes what 100 ms of calls left). */
  batch: number;
}

/** CPU per call, µs, of each part; each part runs the calls in a loop of its own. */
export interface CoreWork {
  authenticateUs: number;
  /** The call and its answer parsed and serialised, each both ways. */
  messagesUs: number;
  /** Deciding and recording, on the call's path. */
  decideAndRecordUs: number;
  /** The batch writes, after. */
  writesUs: number;
  /** Rows the history holds at the end: every call, so nothing was measured unrecorded. */
  rows: number;
  counterEvents: number;
}

export async function measureCoreWork(options: CoreWorkOptions): Promise<CoreWork> {
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-bench-core-'));
  const db = openDatabase(join(dataDir, 'history.sqlite'));
  const turn = new WriteTurn();
  const ports = { logger: silentLogger, clock: systemClock, timers: systemTimers };
  const batches = new BatchWriter(db, { ...ports, turn });
  const reads = new WorkerHistoryReads({ ...ports, connection: secondConnectionTo(db), turn });
  try {
    const { token } = createGrant(dataDir, 'bench');
    const grants = new GrantAuthenticator(dataDir);
    const history = new SqliteHistoryStore(db, { logger: silentLogger, batches, reads });
    const counters = new SqliteCounterStore(db, { batches, logger: silentLogger });
    const limiter = new RateLimiter(counters, systemClock);
    limiter.load();
    const { policies, calls } = createCore({
      ...ports,
      history,
      limiter,
      redactor: createRedactor(DEFAULT_SETTINGS.redaction),
      argsHashKey: randomBytes(32),
      settings: () => DEFAULT_SETTINGS,
      pinStore: new SqlitePinStore(db),
    });
    const loaded = policies.load(options.server, JSON.stringify(options.policy));
    if (!loaded.ok) throw new Error(`bench policy: ${JSON.stringify(loaded.errors)}`);

    const authenticate = (): void => {
      if (grants.authenticate(token) !== 'bench') throw new Error('the bench grant was refused');
    };
    const request = serializeMessage({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: options.tool, arguments: {} },
    });
    const response = serializeMessage({
      jsonrpc: '2.0',
      id: 1,
      result: options.result,
    } as JsonRpcMessage);
    const roundTrip = (text: string): void => {
      const parsed = parseBoundedJson(text);
      if (!parsed.ok) throw new Error(`bench message: ${parsed.message}`);
      serializeMessage(parsed.value as JsonRpcMessage);
    };
    const messages = (): void => {
      roundTrip(request);
      roundTrip(response);
    };
    let writesUs = 0;
    let sinceFlush = 0;
    const decideAndRecord = (): void => {
      const call = {
        server: options.server,
        grant: 'bench',
        session: 'bench-session',
        tool: options.tool,
        args: {},
      };
      const admission = calls.admit(call, () => {}, [options.seen]);
      if (admission.kind !== 'run') {
        throw new Error(`the bench call was not allowed: ${JSON.stringify(admission)}`);
      }
      calls.finished(admission.callId, { response: { result: options.result } });
      if (++sinceFlush === options.batch) flushNow();
    };
    const flushNow = (): void => {
      sinceFlush = 0;
      const before = process.cpuUsage();
      if (!history.flush()) throw new Error('the history could not be written');
      writesUs += cpuUs(before);
    };
    const timed = (part: () => void): number => {
      const before = process.cpuUsage();
      for (let i = 0; i < options.calls; i++) part();
      return cpuUs(before) / options.calls;
    };

    for (let i = 0; i < options.warmupCalls; i++) {
      authenticate();
      messages();
      decideAndRecord();
    }
    flushNow();
    writesUs = 0;
    const authenticateUs = timed(authenticate);
    const messagesUs = timed(messages);
    const recordingUs = timed(decideAndRecord);
    const writesInLoopUs = writesUs;
    if (sinceFlush > 0) flushNow();
    const count = (sql: string) => db.prepare<[], number>(sql).pluck().get() ?? 0;
    return {
      authenticateUs,
      messagesUs,
      decideAndRecordUs: recordingUs - writesInLoopUs / options.calls,
      writesUs: writesUs / options.calls,
      rows: count('SELECT count(*) FROM calls'),
      counterEvents: count('SELECT count(*) FROM counter_events'),
    };
  } finally {
    batches.close();
    await reads.close();
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function cpuUs(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return used.user + used.system;
}
