// The worker thread that answers the history's reads and runs its pruning on a connection of its
// own (history-reader.ts), so a query over a million calls or a day's prune never holds the
// proxy's event loop. history-reads.ts starts it and speaks to it.
import { parentPort, workerData } from 'node:worker_threads';
import { openSecondConnection } from './database';
import { HistoryReader } from './history-reader';
import type { HistoryWorkerData, ReadReply, ReadRequest, WorkerExport } from './history-reads';
import { JsonStringBytes } from '../../core/history/json-string-bytes';
import { WriteTurn } from './write-turn';
import { errorMessage } from '../../../shared/error-message';

/**
 * The pause between two chunks of a prune: the batch writer on the proxy's thread retries its
 * lock on SQLite's busy schedule, and must find it free between chunks rather than wait for all.
 */
const PRUNE_PAUSE_MS = 10;

const port = parentPort;
if (!port) throw new Error('history-worker.ts runs as a worker thread only');
const data = workerData as HistoryWorkerData;
const db = openSecondConnection(data.connection);
const turn = data.turn ? new WriteTurn(data.turn) : undefined;
const reader = new HistoryReader(db);

/** Prunes run one at a time; reads are answered between their chunks. */
let pruning: Promise<unknown> = Promise.resolve();

async function answer(request: ReadRequest): Promise<unknown> {
  switch (request.method) {
    case 'get':
      return reader.get(...request.args);
    case 'query':
      return reader.query(...request.args);
    case 'countsByHour':
      return reader.countsByHour(...request.args);
    case 'rows':
      return reader.rows(...request.args);
    case 'exportText': {
      const made = reader.exportText(...request.args);
      return {
        ...made,
        content: JsonStringBytes.encode(made.content).bytes,
      } satisfies WorkerExport;
    }
    case 'prune': {
      const run = pruning.then(() => prune(request.args[0]));
      pruning = run.catch(() => undefined);
      return run;
    }
  }
}

async function prune(before: number): Promise<number> {
  let total = 0;
  for (;;) {
    const chunk = () => reader.pruneChunk(before);
    const { deleted, done } = turn ? await turn.pruneTurn(chunk) : chunk();
    reader.checkpoint();
    total += deleted;
    if (done) break;
    await new Promise((resolve) => setTimeout(resolve, PRUNE_PAUSE_MS));
  }
  if (total > 0) {
    const recount = () => reader.recountHoursBefore(before);
    if (turn) await turn.pruneTurn(recount);
    else recount();
  }
  return total;
}

port.on('message', (request: ReadRequest) => {
  answer(request).then(
    (value) =>
      port.postMessage(
        { id: request.id, ok: true, value } satisfies ReadReply,
        // An export's bytes move to the proxy's thread instead of being copied there.
        request.method === 'exportText'
          ? [(value as WorkerExport).content.buffer as ArrayBuffer]
          : [],
      ),
    (error: unknown) =>
      port.postMessage({
        id: request.id,
        ok: false,
        message: errorMessage(error),
        ...(typeof (error as { code?: unknown }).code === 'string'
          ? { code: (error as { code: string }).code }
          : {}),
      } satisfies ReadReply),
  );
});
