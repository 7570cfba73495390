// One call as the history keeps it and the app API shows it, from the moment it arrives to its
// result, with pages and hourly counts of them. Everything in a row is already redacted.

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

export interface CallRecord extends NewCall {
  /** Increases with arrival order; also the cursor for paging. */
  id: number;
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
