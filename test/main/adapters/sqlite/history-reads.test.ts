// WorkerHistoryReads with real worker threads: the history's reads answered off this thread on a
// connection of their own, and a worker that crashes, exits or hangs failing only the reads it
// held, with a clear error, and replaced for the next read; closing ends it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  openDatabase,
  secondConnectionTo,
  type Database,
} from '../../../../src/main/adapters/sqlite/database';
import {
  startHistoryWorker,
  WorkerHistoryReads,
  type HistoryWorkerData,
} from '../../../../src/main/adapters/sqlite/history-reads';
import { recordingLogger } from '../../../helpers/recording-logger';
import { FakeClock } from '../../core/fakes';
import { openStores } from './open-stores';

let dir: string;
let db: Database;
let clock: FakeClock;
const readers: WorkerHistoryReads[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-reads-'));
  db = openDatabase(path.join(dir, 'history.sqlite'));
  clock = new FakeClock();
});

afterEach(async () => {
  await Promise.all(readers.splice(0).map((reads) => reads.close()));
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A worker that does `onMessage` (JavaScript, in the worker) with each request it gets. */
const misbehaving = (onMessage: string) => () =>
  new Worker(
    `require('node:worker_threads').parentPort.on('message', (request) => { ${onMessage} });`,
    { eval: true },
  );

/** Reads whose workers come from `workers`, in turn; the real one once they run out. */
function readsWith(...workers: (() => Worker)[]) {
  const started: Worker[] = [];
  const logger = recordingLogger();
  const reads = new WorkerHistoryReads({
    connection: secondConnectionTo(db),
    logger,
    timers: clock,
    startWorker: (data: HistoryWorkerData) => {
      const worker = (workers.shift() ?? (() => startHistoryWorker(data)))();
      started.push(worker);
      return worker;
    },
  });
  readers.push(reads);
  return { reads, started, logger };
}

/** Resolves once `worker` has ended. */
const ended = (worker: Worker) => new Promise((resolve) => worker.once('exit', resolve));

function recordCall(): number {
  const { history } = openStores(db, recordingLogger(), clock);
  const id = history.insert({
    receivedAt: clock.now(),
    grant: 'cursor',
    session: 's',
    server: 'github',
    tool: 'read_file',
    args: '{}',
    argsHash: 'a'.repeat(64),
    action: 'allow',
    decision: 'allow',
    decidedBy: 'policy',
    rule: '',
    reason: '',
    status: 'ok',
  });
  history.flush();
  return id;
}

describe('WorkerHistoryReads', () => {
  it('answers from a connection of its own, and passes on what the reader refused', async () => {
    const id = recordCall();
    const { reads, started } = readsWith();
    expect(await reads.get(id)).toMatchObject({ id, tool: 'read_file' });
    expect((await reads.query({ tool: 'read_file' })).calls.map((c) => c.id)).toEqual([id]);
    await expect(reads.query({ cursor: 'nonsense' })).rejects.toThrow(/Invalid history cursor/);
    expect(await reads.rows({}, 10)).toHaveLength(1);
    expect(started).toHaveLength(1);
  });

  it('fails the reads a crashed worker held, says why, and starts another for the next', async () => {
    const id = recordCall();
    const { reads, started, logger } = readsWith(misbehaving("throw new Error('disk on fire')"));
    await expect(reads.get(id)).rejects.toThrow(/history reader failed: disk on fire/);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: expect.stringMatching(/reader failed/) }),
    );
    expect(await reads.get(id)).toMatchObject({ id });
    expect(started).toHaveLength(2);
  });

  it('fails the reads of a worker that exits', async () => {
    const { reads, started } = readsWith(misbehaving('process.exit(3)'));
    await expect(reads.countsByHour({})).rejects.toThrow(/history reader stopped \(exit code 3\)/);
    expect(await reads.countsByHour({})).toEqual([]);
    expect(started).toHaveLength(2);
  });

  it('gives up on a worker that does not answer, ends it, and starts another', async () => {
    const id = recordCall();
    const { reads, started } = readsWith(misbehaving('/* never answers */'));
    let settled = false;
    const first = expect(reads.get(id)).rejects.toThrow(/did not answer within 30 s/);
    const second = expect(reads.query({})).rejects.toThrow(/did not answer within 30 s/);
    void first.finally(() => (settled = true));
    const gone = ended(started[0]!);
    clock.advance(29_999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    clock.advance(1);
    await first;
    await second;
    await gone;
    expect(await reads.get(id)).toMatchObject({ id });
    expect(started).toHaveLength(2);
  });

  it('ends its worker on close, failing what it held and every read after', async () => {
    const { reads, started } = readsWith(misbehaving('/* never answers */'));
    const held = expect(reads.rows({}, 5)).rejects.toThrow(/Airlock is stopping/);
    const gone = ended(started[0]!);
    await reads.close();
    await gone;
    await held;
    await expect(reads.get(1)).rejects.toThrow(/Airlock is stopping/);
    expect(started).toHaveLength(1);
  });
});
