// The history's shape: one row per tools/call, from the moment it arrives to its result, and the
// HistoryStore port through which the core writes and reads it (SQLite in the app, memory in tests).
// Everything in a row is already redacted; the store never sees a secret.
import type {
  CallDecision,
  CallRecord,
  DecidedBy,
  HistoryPage,
  HourlyCount,
  NewCall,
  ResultStatus,
} from '../../../shared/model/history';
import type { EncodedExport, ExportFormat } from './export-format';

// The rows as the app API shows them are part of the shared model; the store's port is the core's.
export type * from '../../../shared/model/history';

/** What changes when a held call is answered or a running call finishes. */
export interface CallUpdate {
  decision?: CallDecision;
  decidedBy?: DecidedBy;
  decidedAt?: number;
  reason?: string;
  status: ResultStatus;
  finishedAt?: number;
  result?: string;
  resultTruncated?: boolean;
  error?: string;
}

export interface HistoryFilter {
  /** Calls received at or after this time (epoch ms). */
  from?: number;
  /** Calls received before this time (epoch ms). */
  to?: number;
  grant?: string;
  server?: string;
  /** A tool name, exactly. */
  tool?: string;
  /** Part of a tool name, in any case (see shared/tool-name-match.ts). */
  toolContains?: string;
  decision?: CallDecision;
  /** Free text, matched as word prefixes against tool, server, grant, arguments, result, reason, error. */
  text?: string;
}

export interface HistoryQuery extends HistoryFilter {
  /** Only calls older than this cursor (from a previous page's nextCursor). */
  cursor?: string;
  /** Page size, 1 to 500; default 100. */
  limit?: number;
}

export interface HistoryStore {
  /** Why the history cannot be written right now (disk full, locked database), or undefined. */
  writeProblem(): string | undefined;
  /**
   * Records a new call and returns its id. The row may be written in a batch shortly after (the
   * store says how soon); throws while the history cannot be written (disk full, locked
   * database), and the caller then refuses the call rather than run it unrecorded.
   */
  insert(call: NewCall): number;
  /**
   * Records a change to a call. May be batched with other changes and written shortly after;
   * a change that cannot be written yet is kept and retried rather than lost.
   */
  update(id: number, change: CallUpdate): void;
  /** Writes everything batched now; false if that failed (it stays batched and is retried). */
  flush(): boolean;
  // The reads and the pruning run off the proxy's thread (a query over a million calls must not
  // hold it); each answer includes every call recorded before it was asked.
  get(id: number): Promise<CallRecord | undefined>;
  query(query: HistoryQuery): Promise<HistoryPage>;
  /** Counts per UTC hour and decision, oldest first, for calls matching the filter. */
  countsByHour(filter: HistoryFilter): Promise<HourlyCount[]>;
  /** Every matching call, newest first, at most `limit`. */
  rows(filter: HistoryFilter, limit: number): Promise<CallRecord[]>;
  /** The newest `limit` matching calls as the text of an export (export-format.ts), encoded. */
  exportText(format: ExportFormat, filter: HistoryFilter, limit: number): Promise<EncodedExport>;
  /** Deletes calls received before `before`; resolves to how many. */
  prune(before: number): Promise<number>;
  /**
   * Closes the rows a previous run left open: held calls become refused (decision deny, decided
   * by restart, status not_run); calls that were running become failed with an error saying
   * Airlock stopped before the server answered. Returns how many rows changed.
   */
  closeUnfinished(now: number): number;
}
