// A held call as the core reports it, for tests of what shows or answers held calls.
import type { Approval } from '../../src/shared/contract';

/** A provision_api_key call from alice on meatspace, held for a minute from `receivedAt`. */
export function heldApproval(id: string, overrides: Partial<Approval> = {}): Approval {
  const receivedAt = overrides.receivedAt ?? 0;
  return {
    id,
    callId: 1,
    grant: 'alice',
    session: 's',
    server: 'meatspace',
    tool: 'provision_api_key',
    args: { email: 'a@example.com' },
    secrets: [],
    argsHash: 'h',
    rule: '/tools/provision_api_key',
    reason: 'mints keys',
    receivedAt,
    expiresAt: receivedAt + 60_000,
    ...overrides,
  };
}
