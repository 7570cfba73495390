// The history's reads and pruning as the proxy's thread sees them: requests to a worker thread
// (history-worker.ts) that has its own connection to history.sqlite, answered as promises. A
// worker that crashes or stops answering fails the reads it holds with a clear error and is
// replaced for the next one; nothing it does can stop the proxy.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type {
  CallRecord,
  HistoryFilter,
  HistoryPage,
  HistoryQuery,
  HistoryStore,
  HourlyCount,
} from '../../core/history/types';
import type { EncodedExport, ExportFormat } from '../../core/history/export-format';
import { JsonStringBytes } from '../../core/history/json-string-bytes';
import type { Logger, Timers } from '../../core/ports';
import type { SecondConnection } from './database';
import type { WriteTurn } from './write-turn';
import { errorMessage } from '../../../shared/error-message';

type ReadMethod = 'get' | 'query' | 'countsByHour' | 'rows' | 'exportText' | 'prune';

/**
 * What the history store asks of its reader, as the port names it; every answer reflects what
 * was committed before it was asked. close() ends the worker; reads still waiting fail.
 */
export type HistoryReads = Pick<HistoryStore, ReadMethod> & { close(): Promise<void> };

export type ReadRequest = {
  [M in ReadMethod]: { id: number; method: M; args: Parameters<HistoryStore[M]> };
}[ReadMethod];

export type ReadReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; message: string; code?: string };

/**
 * An export as the worker sends it: the bytes of JsonStringBytes.encode(content), their buffer
 * transferred rather than copied (a string of megabytes would be built again on this thread).
 */
export type WorkerExport = Omit<EncodedExport, 'content'> & { content: Uint8Array };

/** What a history worker starts with. */
export interface HistoryWorkerData {
  connection: SecondConnection;
  /** WriteTurn's flag; none when no batch writer shares the file. */
  turn?: Int32Array;
}

export interface WorkerHistoryReadsOptions {
  connection: SecondConnection;
  logger: Logger;
  timers: Timers;
  /** A read with no answer after this long counts the worker as hung. */
  readTimeoutMs?: number;
  /** The same for a prune, which may delete a long backlog in small chunks. */
  pruneTimeoutMs?: number;
  /** The batch writer's turn, which the worker's prune lets go first. */
  turn?: WriteTurn;
  /** Starts a worker; tests pass one that misbehaves. */
  startWorker?: (data: HistoryWorkerData) => Worker;
}

const READ_TIMEOUT_MS = 30_000;
const PRUNE_TIMEOUT_MS = 10 * 60_000;

interface Pending {
  method: ReadRequest['method'];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  cancelTimeout: () => void;
}

export class WorkerHistoryReads implements HistoryReads {
  private readonly options: WorkerHistoryReadsOptions;
  private readonly startWorker: (data: HistoryWorkerData) => Worker;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(options: WorkerHistoryReadsOptions) {
    this.options = options;
    this.startWorker = options.startWorker ?? startHistoryWorker;
  }

  get(id: number): Promise<CallRecord | undefined> {
    return this.ask('get', [id]);
  }
  query(query: HistoryQuery): Promise<HistoryPage> {
    return this.ask('query', [query]);
  }
  countsByHour(filter: HistoryFilter): Promise<HourlyCount[]> {
    return this.ask('countsByHour', [filter]);
  }
  rows(filter: HistoryFilter, limit: number): Promise<CallRecord[]> {
    return this.ask('rows', [filter, limit]);
  }
  async exportText(
    format: ExportFormat,
    filter: HistoryFilter,
    limit: number,
  ): Promise<EncodedExport> {
    const { content, ...rest } = await this.ask<'exportText', WorkerExport>('exportText', [
      format,
      filter,
      limit,
    ]);
    return { ...rest, content: JsonStringBytes.fromEncoded(content) };
  }
  prune(before: number): Promise<number> {
    return this.ask('prune', [before]);
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.stop(new Error('Airlock is stopping; the history was not read'));
    await worker?.terminate();
  }

  private ask<M extends ReadMethod, T>(method: M, args: Parameters<HistoryStore[M]>): Promise<T> {
    if (this.closed)
      return Promise.reject(new Error('Airlock is stopping; the history was not read'));
    let worker: Worker;
    try {
      worker = this.running();
    } catch (error) {
      return Promise.reject(new Error(`the history cannot be read: ${errorMessage(error)}`));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timeoutMs =
        method === 'prune'
          ? (this.options.pruneTimeoutMs ?? PRUNE_TIMEOUT_MS)
          : (this.options.readTimeoutMs ?? READ_TIMEOUT_MS);
      const cancelTimeout = this.options.timers.after(timeoutMs, () => {
        if (this.worker !== worker) return;
        this.options.logger.error('history: the reader stopped answering; starting another', {
          method,
          waitedMs: timeoutMs,
        });
        this.stop(new Error(`the history reader did not answer within ${timeoutMs / 1000} s`));
        void worker.terminate();
      });
      this.pending.set(id, {
        method,
        resolve: resolve as (v: unknown) => void,
        reject,
        cancelTimeout,
      });
      worker.ref();
      worker.postMessage({ id, method, args } as ReadRequest);
    });
  }

  /** The worker, started if there is none (the first read, or the first after one failed). */
  private running(): Worker {
    if (this.worker) return this.worker;
    const { connection, turn } = this.options;
    const worker = this.startWorker(turn ? { connection, turn: turn.flag } : { connection });
    this.worker = worker;
    worker.unref();
    worker.on('message', (reply: ReadReply) => this.answered(reply));
    worker.on('error', (error) => {
      if (this.worker !== worker) return;
      this.options.logger.error('history: the reader failed; starting another for the next read', {
        error: errorMessage(error),
      });
      this.stop(new Error(`the history reader failed: ${errorMessage(error)}`));
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.stop(new Error(`the history reader stopped (exit code ${code})`));
    });
    return worker;
  }

  private answered(reply: ReadReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    waiting.cancelTimeout();
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.ok) {
      waiting.resolve(reply.value);
      return;
    }
    const error: Error & { code?: string } = new Error(reply.message);
    if (reply.code !== undefined) error.code = reply.code;
    waiting.reject(error);
  }

  /** Forgets the worker and fails every read it held with `error`. */
  private stop(error: Error): void {
    this.worker = undefined;
    const held = [...this.pending.values()];
    this.pending.clear();
    for (const waiting of held) {
      waiting.cancelTimeout();
      waiting.reject(error);
    }
  }
}

/**
 * Starts history-worker.ts. Built, it is out/main/history-worker.js (an entry of
 * electron.vite.config.ts), beside the entry files or one folder above the chunk holding this
 * code; from source (vitest, tsx) it is TypeScript, compiled by tsx in the worker thread.
 */
export function startHistoryWorker(data: HistoryWorkerData): Worker {
  // None of the process's own flags: a --import that loads something for the main thread (the
  // desktop tests' fake electron, say) must not load it again in here.
  const options = { workerData: data, execArgv: [] };
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = JSON.stringify(new URL('./history-worker.ts', here).href);
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}); });`;
    return new Worker(bootstrap, { ...options, eval: true });
  }
  for (const candidate of ['./history-worker.js', '../history-worker.js']) {
    const url = new URL(candidate, here);
    if (existsSync(url)) return new Worker(url, options);
  }
  throw new Error(`history-worker.js is not beside ${here}: the build is incomplete`);
}
