// The soak's verdicts, as pure functions of three independent accounts: the calls the agents sent
// and what they were told (the ledger), the rows of Airlock's history, and the tools/calls the
// upstream servers recorded. Each check lists every mismatch it finds; none may find any.
import type { ApprovalOutcome } from '../../src/shared/contract';
import type { SentCall } from './ledger';

/** The fields of a history row (history.export, JSON Lines) that the checks read. */
export interface HistoryRow {
  id: number;
  grant: string;
  server: string;
  tool: string;
  action: string;
  decision: string;
  decidedBy: string;
  status: string;
  /** JSON Pointer of the rule or limit that decided. */
  rule: string;
  reason: string;
  /** The redacted arguments as JSON text. */
  args: string;
}

/** One tools/call an upstream server recorded receiving. */
export interface UpstreamCall {
  server: string;
  tool: string;
  soakId?: number;
}

export interface CheckResult {
  name: string;
  problems: string[];
}

/** The soak_id in a row's recorded arguments: redaction keeps a plain number. */
export function soakIdOfRow(row: Pick<HistoryRow, 'args'>): number | undefined {
  try {
    const id = (JSON.parse(row.args) as { soak_id?: unknown }).soak_id;
    if (typeof id === 'number') return id;
  } catch {
    // a truncated excerpt is not JSON; the number may still be there
  }
  const match = /"soak_id":(\d+)/.exec(row.args);
  return match ? Number(match[1]) : undefined;
}

/**
 * Errors a call can get before Airlock decides it, so with no history row: the tool is not one the
 * server lists, or the server could not be asked for its tools (it was restarting).
 */
export function refusedBeforeDecision(call: SentCall): boolean {
  return (
    call.outcome === 'unauthorized' ||
    (call.outcome === 'rpc_error' &&
      /Unknown tool|could not list the tools/.test(call.detail ?? ''))
  );
}

function rowsBySoakId(rows: readonly HistoryRow[], problems: string[]): Map<number, HistoryRow[]> {
  const map = new Map<number, HistoryRow[]>();
  for (const row of rows) {
    const id = soakIdOfRow(row);
    if (id === undefined) {
      problems.push(`history row ${row.id} (${row.server}/${row.tool}) carries no soak_id`);
      continue;
    }
    map.set(id, [...(map.get(id) ?? []), row]);
  }
  return map;
}

function describe(call: SentCall): string {
  return `soak_id ${call.soakId} (${call.agent}: ${call.server}/${call.tool}, ${call.outcome ?? 'no outcome'})`;
}

function describeRow(row: HistoryRow): string {
  return `row ${row.id}: ${row.decision} by ${row.decidedBy}, ${row.status}`;
}

/**
 * Every call that reached Airlock's decision has exactly one history row, on the grant, server and
 * tool it was sent with; a call refused before a decision has none (and one sent on a revoked
 * token is refused so); no row is for a call never sent.
 */
export function checkOneRowPerCall(
  calls: readonly SentCall[],
  rows: readonly HistoryRow[],
): CheckResult {
  const problems: string[] = [];
  const bySoakId = rowsBySoakId(rows, problems);
  const sent = new Set(calls.map((call) => call.soakId));
  for (const [soakId, found] of bySoakId) {
    if (!sent.has(soakId))
      problems.push(`${describeRow(found[0]!)} is for soak_id ${soakId}, which no agent sent`);
  }
  for (const call of calls) {
    const found = bySoakId.get(call.soakId) ?? [];
    if (call.outcome === undefined) {
      problems.push(`${describe(call)} never got an answer`);
    } else if (call.afterRevoke && call.outcome !== 'unauthorized') {
      problems.push(`${describe(call)} was sent on a revoked token, yet not refused with HTTP 401`);
    } else if (refusedBeforeDecision(call)) {
      if (found.length > 0) {
        problems.push(
          `${describe(call)} was refused before a decision but has ${found.length} row(s)`,
        );
      }
    } else if (call.outcome === 'transport_error') {
      // The request may or may not have reached Airlock: one row at most.
      if (found.length > 1) problems.push(`${describe(call)} has ${found.length} rows`);
    } else if (found.length !== 1) {
      problems.push(`${describe(call)} has ${found.length} rows, not 1`);
    }
    for (const row of found) {
      if (row.grant !== call.grant || row.server !== call.server || row.tool !== call.tool) {
        problems.push(
          `${describe(call)} was sent by ${call.grant}, but ${describeRow(row)} says ${row.grant}: ${row.server}/${row.tool}`,
        );
      }
    }
  }
  return { name: 'every call has exactly one history row', problems };
}

/** What the agent was told agrees with its row, and a held call ended the way the soak ended it. */
export function checkAgentsToldTheTruth(
  calls: readonly SentCall[],
  rows: readonly HistoryRow[],
): CheckResult {
  const problems: string[] = [];
  const bySoakId = rowsBySoakId(rows, []);
  const plannedEnd = {
    cancel: 'cancel',
    disconnect: 'disconnect',
    kill: 'disconnect',
    revoke: 'revoke',
  };
  for (const call of calls) {
    const row = bySoakId.get(call.soakId)?.[0];
    if (!row) continue; // checkOneRowPerCall reports a missing row
    const expect = (ok: boolean, what: string) => {
      if (!ok) problems.push(`${describe(call)}: told ${what}, but ${describeRow(row)}`);
    };
    switch (call.outcome) {
      case 'answered':
        expect(row.decision === 'allow' && row.status === 'ok', 'a result');
        break;
      case 'tool_error':
        expect(row.decision === 'allow' && row.status === 'tool_error', "the server's error");
        break;
      case 'refused':
        expect(
          row.decision === 'deny' && row.decidedBy === call.decidedBy,
          `a refusal by ${call.decidedBy}`,
        );
        break;
      case 'rpc_error':
        expect(row.decision === 'allow' && row.status === 'failed', `an error (${call.detail})`);
        break;
    }
    // A held call the soak withdrew (or whose grant it revoked) ends that way, unless it was
    // never held: a policy edit may have allowed or denied its tool outright meanwhile. The agent
    // may also have dropped its connection for another call first, which withdraws this one too.
    const held =
      row.action === 'require_approval' && !['airlock', 'temporary_grant'].includes(row.decidedBy);
    if (call.plan !== 'normal' && held) {
      const wanted = call.outcome === 'disconnected' ? 'disconnect' : plannedEnd[call.plan];
      if (row.decision !== 'deny' || row.decidedBy !== wanted) {
        problems.push(
          `${describe(call)} was to end by ${wanted} while held, but ${describeRow(row)}`,
        );
      }
    }
  }
  return { name: 'each agent was told what its history row says', problems };
}

/**
 * Nothing ran upstream without an allow: every tools/call a server recorded is one call, recorded
 * once, whose row says allow, on that server and tool. Every call that came back with the server's
 * own answer is in the record (else the record is incomplete and proves nothing). Tools that every
 * policy of the soak denies have only deny rows.
 */
export function checkNothingRanUnallowed(
  calls: readonly SentCall[],
  rows: readonly HistoryRow[],
  upstream: readonly UpstreamCall[],
  alwaysDenied: readonly { server: string; tool: string }[],
): CheckResult {
  const problems: string[] = [];
  const bySoakId = rowsBySoakId(rows, []);
  const seen = new Map<number, number>();
  for (const line of upstream) {
    if (line.soakId === undefined) {
      problems.push(`${line.server} received a ${line.tool} call with no soak_id`);
      continue;
    }
    seen.set(line.soakId, (seen.get(line.soakId) ?? 0) + 1);
    const row = bySoakId.get(line.soakId)?.[0];
    const what = `${line.server} ran ${line.tool} for soak_id ${line.soakId}`;
    if (!row) problems.push(`${what} with no history row`);
    else if (row.decision !== 'allow') problems.push(`${what}, but ${describeRow(row)}`);
    else if (row.server !== line.server || row.tool !== line.tool) {
      problems.push(`${what}, but the allowed row ${row.id} is for ${row.server}/${row.tool}`);
    }
  }
  for (const [soakId, times] of seen) {
    if (times > 1) problems.push(`soak_id ${soakId} ran upstream ${times} times`);
  }
  for (const call of calls) {
    if ((call.outcome === 'answered' || call.outcome === 'tool_error') && !seen.has(call.soakId)) {
      problems.push(`${describe(call)} got the server's answer, but the server's record lacks it`);
    }
    if (call.echoed && !seen.has(call.soakId)) {
      problems.push(
        `${describe(call)} echoed back from upstream, but the server's record lacks it`,
      );
    }
  }
  const denied = new Set(alwaysDenied.map(({ server, tool }) => `${server}/${tool}`));
  for (const row of rows) {
    if (denied.has(`${row.server}/${row.tool}`) && row.decision !== 'deny') {
      problems.push(
        `${row.server}/${row.tool} is denied by every policy of the soak, but ${describeRow(row)}`,
      );
    }
  }
  return { name: 'no call ran upstream without an allow', problems };
}

/** How each approval.resolved outcome must show in the call's row. */
function expectedEnd(outcome: ApprovalOutcome): { decision: string; decidedBy: string[] } {
  switch (outcome.outcome) {
    case 'allowed':
      // An answer given under a policy that changed meanwhile is refused by Airlock instead.
      return { decision: 'allow', decidedBy: ['person'] };
    case 'denied':
      return { decision: 'deny', decidedBy: ['person'] };
    case 'expired':
      return { decision: 'deny', decidedBy: ['timeout'] };
    case 'withdrawn':
      return { decision: 'deny', decidedBy: [outcome.by] };
  }
}

/**
 * Every held call is resolved exactly once on the event stream, and the history's row agrees with
 * the event: what the person's screen said happened is what the history says happened.
 */
export function checkEventsMatchHistory(
  resolutions: readonly { soakId: number; outcome: ApprovalOutcome }[],
  rows: readonly HistoryRow[],
): CheckResult {
  const problems: string[] = [];
  const bySoakId = rowsBySoakId(rows, []);
  const seen = new Set<number>();
  for (const { soakId, outcome } of resolutions) {
    if (seen.has(soakId)) problems.push(`held call soak_id ${soakId} was resolved twice`);
    seen.add(soakId);
    const row = bySoakId.get(soakId)?.[0];
    const what = `held call soak_id ${soakId} resolved as ${outcome.outcome}${outcome.outcome === 'withdrawn' ? ` by ${outcome.by}` : ''}`;
    if (!row) {
      problems.push(`${what} has no history row`);
      continue;
    }
    const wanted = expectedEnd(outcome);
    const changedPolicy =
      outcome.outcome === 'allowed' && row.decision === 'deny' && row.decidedBy === 'airlock';
    if (
      !changedPolicy &&
      (row.decision !== wanted.decision || !wanted.decidedBy.includes(row.decidedBy))
    ) {
      problems.push(`${what}, but ${describeRow(row)}`);
    }
  }
  for (const row of rows) {
    const soakId = soakIdOfRow(row);
    const wasHeld =
      row.action === 'require_approval' && !['airlock', 'temporary_grant'].includes(row.decidedBy);
    if (wasHeld && soakId !== undefined && !seen.has(soakId)) {
      problems.push(
        `${describeRow(row)} (soak_id ${soakId}) was held, but no event said how it ended`,
      );
    }
  }
  return { name: 'the approval events agree with the history', problems };
}

export interface MemorySample {
  rssKb: number;
  /** JS heap in use right after a forced full collection. */
  heapBytes: number;
}

/**
 * RSS within 15 % or 20 MB of the warm-up level, whichever is more: V8 keeps freed pages mapped
 * for reuse and malloc does not hand every page back, so RSS after a busy stretch sits some
 * megabytes above a quiet one with nothing retained (a default run peaks 35 to 40 MB above the
 * warm-up level and comes back within 2 to 4). The heap after a full collection has no such
 * slack, but some bounded state fills up during a run: the last 1,000 settled approvals (kept so
 * a late answer can be told what happened), rate-limit windows, the sessions of bridges killed
 * mid-run (kept until the idle sweep). 4 MB covers that and is under 500 bytes per call of a
 * default run, so keeping anything of every call would show.
 */
export const RSS_TOLERANCE = { ratio: 0.15, kb: 20 * 1024 };
export const HEAP_TOLERANCE_BYTES = 4 * 1024 * 1024;

export function checkMemoryReturned(start: MemorySample, end: MemorySample): CheckResult {
  const problems: string[] = [];
  const rssLimit = start.rssKb + Math.max(start.rssKb * RSS_TOLERANCE.ratio, RSS_TOLERANCE.kb);
  if (end.rssKb > rssLimit) {
    problems.push(
      `RSS ${(end.rssKb / 1024).toFixed(1)} MB at the end, above ${(rssLimit / 1024).toFixed(1)} MB (warm-up ${(start.rssKb / 1024).toFixed(1)} MB)`,
    );
  }
  const heapLimit = start.heapBytes + HEAP_TOLERANCE_BYTES;
  if (end.heapBytes > heapLimit) {
    problems.push(
      `JS heap ${(end.heapBytes / 1048576).toFixed(1)} MB at the end, above ${(heapLimit / 1048576).toFixed(1)} MB (warm-up ${(start.heapBytes / 1048576).toFixed(1)} MB)`,
    );
  }
  return { name: 'memory returned to its warm-up level', problems };
}
