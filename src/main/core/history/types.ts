// The history's shape: one row per tools/call, from the moment it arrives to its result, and the
// HistoryStore port through which the core writes and reads it (SQLite in the app, memory in tests).
// Everything in a row is already redacted; the store never sees a secret.
import type { ExportFormat, HistoryExport } from './export-format';

/** Where a call stands: let through, refused, or held for a person right now. */
export type CallDecision = 'allow' | 'deny' | 'pending';

/** Who made the final decision. */
export type DecidedBy =
  | 'policy'
  | 'person'
  /** An "allow this tool for N minutes" answer given earlier. */
  | 'temporary_grant'
  /** No one answered a held call in time. */
  | 'timeout'
  /** The client cancelled the call (notifications/cancelled) while it was held. */
  | 'cancel'
  /** The client's session ended while the call was held. */
  | 'disconnect'
  /** Airlock stopped while the call was held or running; it was never answered. */
  | 'restart'
  /** The call's grant was revoked while the call was held. */
  | 'revoke'
  /** Airlock was paused when the call arrived. */
  | 'pause'
  /** Airlock itself refused: too many calls waiting, a policy that changed while it was held. */
  | 'airlock';

/**
 * What became of the call upstream. `running`: forwarded, no answer yet. `ok`: a result.
 * `tool_error`: a result with isError. `failed`: a JSON-RPC error, a timeout or a lost
 * upstream. `not_run`: refused, or still held.
 */
export type ResultStatus = 'running' | 'ok' | 'tool_error' | 'failed' | 'not_run';

export interface NewCall {
  /** Epoch milliseconds. */
  receivedAt: number;
  /** When the final decision was made; absent while held. */
  decidedAt?: number;
  grant: string;
  session: string;
  server: string;
  tool: string;
  /** Redacted arguments as JSON text. */
  args: string;
  /** sha256 (hex) of the canonical (key-sorted) unredacted arguments: equal calls, equal hashes. */
  argsHash: string;
  /** What the policy said, before any person or timeout. */
  action: 'allow' | 'deny' | 'require_approval';
  decision: CallDecision;
  decidedBy: DecidedBy;
  /** JSON Pointer of the rule or limit that decided; "" when no policy decided. */
  rule: string;
  /** Redacted. */
  reason: string;
  /** Hash of the policy in force when the call arrived. */
  policyHash?: string;
  status: ResultStatus;
  /** Set when the row is final at once (a refused call). */
  finishedAt?: number;
  /** Redacted, truncated result text (JSON of the CallToolResult). */
  result?: string;
  /** True when `result` was cut to fit the history. */
  resultTruncated?: boolean;
  /** Redacted error message. */
  error?: string;
}

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

export interface CallRecord extends NewCall {
  /** Increases with arrival order; also the cursor for paging. */
  id: number;
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

export interface HistoryPage {
  /** Newest first. */
  calls: CallRecord[];
  /** Pass as `cursor` to get the next (older) page; absent on the last page. */
  nextCursor?: string;
}

export interface HourlyCount {
  /** Start of the hour, epoch ms (UTC). */
  hour: number;
  decision: CallDecision;
  count: number;
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
  /** The newest `limit` matching calls as the text of an export (export-format.ts). */
  exportText(format: ExportFormat, filter: HistoryFilter, limit: number): Promise<HistoryExport>;
  /** Deletes calls received before `before`; resolves to how many. */
  prune(before: number): Promise<number>;
  /**
   * Closes the rows a previous run left open: held calls become refused (decision deny, decided
   * by restart, status not_run); calls that were running become failed with an error saying
   * Airlock stopped before the server answered. Returns how many rows changed.
   */
  closeUnfinished(now: number): number;
}
