// A call as the history records it, for tests of what reads the history (dry runs, Activity).
import type { CallRecord } from '../../src/main/core/history/types';

/** An allowed, finished get_service_status call from alice on meatspace. */
export function recordedCall(id: number, overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    id,
    receivedAt: 0,
    grant: 'alice',
    session: 's1',
    server: 'meatspace',
    tool: 'get_service_status',
    args: '{}',
    argsHash: 'h',
    action: 'allow',
    decision: 'allow',
    decidedBy: 'policy',
    rule: '/tools/get_service_status',
    reason: '',
    status: 'ok',
    ...overrides,
  };
}
