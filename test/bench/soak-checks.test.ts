// The soak's checks (bench/soak/checks.ts) pass on accounts that agree and fail on each kind of
// disagreement they exist to catch: a check that cannot fail would make `npm run soak` worthless.
import { describe, expect, it } from 'vitest';
import {
  checkAgentsToldTheTruth,
  checkEventsMatchHistory,
  checkMemoryReturned,
  checkNothingRanUnallowed,
  checkOneRowPerCall,
  soakIdOfRow,
  type HistoryRow,
  type UpstreamCall,
} from '../../bench/soak/checks';
import type { SentCall } from '../../bench/soak/ledger';
import type { ApprovalOutcome } from '../../src/shared/contract';

type Resolution = { soakId: number; outcome: ApprovalOutcome };

function sent(soakId: number, overrides: Partial<SentCall> = {}): SentCall {
  return {
    soakId,
    agent: 'alice',
    grant: 'alice',
    server: 'hostile',
    tool: 'echo',
    plan: 'normal',
    outcome: 'answered',
    ...overrides,
  };
}

function row(id: number, soakId: number, overrides: Partial<HistoryRow> = {}): HistoryRow {
  return {
    id,
    grant: 'alice',
    server: 'hostile',
    tool: 'echo',
    action: 'allow',
    decision: 'allow',
    decidedBy: 'policy',
    status: 'ok',
    rule: '/tools/echo',
    reason: '',
    args: JSON.stringify({ soak_id: soakId, api_key: '[REDACTED]' }),
    ...overrides,
  };
}

/** A consistent run: an allowed echo, a denied big, a held call withdrawn on cancel, a 401. */
function consistent() {
  const calls = [
    sent(1),
    sent(2, { tool: 'big', outcome: 'refused', decidedBy: 'policy' }),
    sent(3, { tool: 'provision_api_key', plan: 'cancel', outcome: 'cancelled' }),
    sent(4, { outcome: 'unauthorized' }),
    sent(5, { outcome: 'rpc_error', detail: 'Unknown tool: nope', tool: 'nope' }),
  ];
  const rows = [
    row(10, 1),
    row(11, 2, { tool: 'big', action: 'deny', decision: 'deny', status: 'not_run' }),
    row(12, 3, {
      tool: 'provision_api_key',
      action: 'require_approval',
      decision: 'deny',
      decidedBy: 'cancel',
      status: 'not_run',
    }),
  ];
  const upstream: UpstreamCall[] = [{ server: 'hostile', tool: 'echo', soakId: 1 }];
  return { calls, rows, upstream };
}

/** The event that ended soak_id 3 in consistent(). */
const cancelled: Resolution = { soakId: 3, outcome: { outcome: 'withdrawn', by: 'cancel' } };

const ALWAYS_DENIED = [{ server: 'hostile', tool: 'big' }];

describe('soak checks', () => {
  it('pass when the ledger, the history and the upstream record agree', () => {
    const { calls, rows, upstream } = consistent();
    expect(checkOneRowPerCall(calls, rows).problems).toEqual([]);
    expect(checkAgentsToldTheTruth(calls, rows).problems).toEqual([]);
    expect(checkNothingRanUnallowed(calls, rows, upstream, ALWAYS_DENIED).problems).toEqual([]);
  });

  it('read the soak_id from redacted arguments, and from a truncated excerpt', () => {
    expect(soakIdOfRow({ args: '{"soak_id":42,"token":"[REDACTED]"}' })).toBe(42);
    expect(soakIdOfRow({ args: '{"soak_id":43,"text":"xxxx…' })).toBe(43);
    expect(soakIdOfRow({ args: '{}' })).toBeUndefined();
  });

  it.each([
    ['a missing row', (rows: HistoryRow[]) => rows.filter((r) => r.id !== 10), /has 0 rows/],
    ['a second row', (rows: HistoryRow[]) => [...rows, row(99, 1)], /has 2 rows/],
    ['a row nobody sent', (rows: HistoryRow[]) => [...rows, row(99, 77)], /no agent sent/],
    [
      'a row without soak_id',
      (rows: HistoryRow[]) => [...rows, { ...row(99, 1), args: '{}' }],
      /no soak_id/,
    ],
    ['a row for a 401', (rows: HistoryRow[]) => [...rows, row(99, 4)], /before a decision/],
    [
      'a row on another grant',
      (rows: HistoryRow[]) => rows.map((r) => (r.id === 10 ? { ...r, grant: 'bob' } : r)),
      /sent by alice/,
    ],
  ])('one row per call fails on %s', (_name, breakRows, message) => {
    const { calls, rows } = consistent();
    const { problems } = checkOneRowPerCall(calls, breakRows(rows));
    expect(problems.join('\n')).toMatch(message);
  });

  it('one row per call fails on a call sent on a revoked token that was not refused with 401', () => {
    const { calls, rows } = consistent();
    calls[3]!.afterRevoke = true;
    expect(checkOneRowPerCall(calls, rows).problems).toEqual([]);
    calls.push(sent(6, { afterRevoke: true, outcome: 'refused', decidedBy: 'policy' }));
    rows.push(row(13, 6, { decision: 'deny', status: 'not_run' }));
    expect(checkOneRowPerCall(calls, rows).problems.join('\n')).toMatch(/revoked token/);
  });

  it('one row per call fails on a call that never got an answer', () => {
    const { calls, rows } = consistent();
    calls.push(sent(6, { outcome: undefined }));
    expect(checkOneRowPerCall(calls, rows).problems.join('\n')).toMatch(/never got an answer/);
  });

  it('agents-told-the-truth accepts a planned cancel withdrawn because the agent dropped its connection first', () => {
    const { calls, rows } = consistent();
    calls[2]!.outcome = 'disconnected';
    const disconnected = rows.map((r) => (r.id === 12 ? { ...r, decidedBy: 'disconnect' } : r));
    expect(checkAgentsToldTheTruth(calls, disconnected).problems).toEqual([]);
    expect(checkAgentsToldTheTruth(calls, rows).problems).toHaveLength(1);
  });

  it.each([
    ['a result for a denied row', 1, { outcome: 'refused', decidedBy: 'policy' } as const],
    ['a refusal by a person for a policy refusal', 2, { decidedBy: 'person' } as const],
    ['a cancel that ended otherwise', 3, { plan: 'disconnect' } as const],
  ])('agents-told-the-truth fails on %s', (_name, soakId, change) => {
    const { calls, rows } = consistent();
    Object.assign(calls[soakId - 1]!, change);
    expect(checkAgentsToldTheTruth(calls, rows).problems).toHaveLength(1);
  });

  it.each([
    ['a refused call that ran', { server: 'hostile', tool: 'big', soakId: 2 }, /deny by policy/],
    [
      'a call with no row that ran',
      { server: 'hostile', tool: 'echo', soakId: 4 },
      /no history row/,
    ],
    ['a call that ran twice', { server: 'hostile', tool: 'echo', soakId: 1 }, /2 times/],
    [
      'a call run as another tool',
      { server: 'hostile', tool: 'crash', soakId: 1 },
      /is for hostile\/echo/,
    ],
    ['a call with no soak_id', { server: 'hostile', tool: 'echo' }, /no soak_id/],
  ])('nothing-ran-unallowed fails on %s', (_name, extra: UpstreamCall, message) => {
    const { calls, rows, upstream } = consistent();
    const { problems } = checkNothingRanUnallowed(calls, rows, [...upstream, extra], ALWAYS_DENIED);
    expect(problems.join('\n')).toMatch(message);
  });

  it('nothing-ran-unallowed fails when the record lacks a call that was answered (a blind record)', () => {
    const { calls, rows } = consistent();
    const { problems } = checkNothingRanUnallowed(calls, rows, [], ALWAYS_DENIED);
    expect(problems.join('\n')).toMatch(/record lacks it/);
  });

  it('nothing-ran-unallowed fails when a tool every policy denies has an allowed row', () => {
    const { calls, rows, upstream } = consistent();
    const allowedBig = rows.map((r) => (r.id === 11 ? { ...r, decision: 'allow' } : r));
    const { problems } = checkNothingRanUnallowed(calls, allowedBig, upstream, ALWAYS_DENIED);
    expect(problems.join('\n')).toMatch(/denied by every policy/);
  });

  it('events-match-history passes when each held call is resolved once as its row says', () => {
    const { rows } = consistent();
    expect(checkEventsMatchHistory([cancelled], rows).problems).toEqual([]);
  });

  it.each<[string, Resolution[], RegExp]>([
    [
      'a resolution the row contradicts',
      [{ soakId: 3, outcome: { outcome: 'expired', by: 'timeout' } }],
      /resolved as expired/,
    ],
    ['a call resolved twice', [cancelled, cancelled], /resolved twice/],
    ['a held call no event resolved', [], /no event said/],
    [
      'a resolution with no row',
      [cancelled, { soakId: 9, outcome: { outcome: 'denied', by: 'person' } }],
      /has no history row/,
    ],
  ])('events-match-history fails on %s', (_name, resolutions, message) => {
    const { rows } = consistent();
    const { problems } = checkEventsMatchHistory(resolutions, rows);
    expect(problems.join('\n')).toMatch(message);
  });

  it('memory passes within the tolerance and fails beyond it', () => {
    const warm = { rssKb: 80 * 1024, heapBytes: 16 * 1048576 };
    expect(
      checkMemoryReturned(warm, { rssKb: 99 * 1024, heapBytes: 19 * 1048576 }).problems,
    ).toEqual([]);
    expect(
      checkMemoryReturned(warm, { rssKb: 101 * 1024, heapBytes: 16 * 1048576 }).problems,
    ).toHaveLength(1);
    expect(
      checkMemoryReturned(warm, { rssKb: 80 * 1024, heapBytes: 21 * 1048576 }).problems,
    ).toHaveLength(1);
  });
});
