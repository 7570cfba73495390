// Settings as the core would answer settings.get, for the Settings screen's and store's tests.
import type { Settings } from '../../../src/shared/contract';

export function settings(overrides: Partial<Settings> = {}): Settings {
  return {
    port: 7820,
    maxBodyBytes: 4 * 1024 * 1024,
    maxMessageBytes: 16 * 1024 * 1024,
    notificationSound: false,
    upstreamTimeoutMs: 60_000,
    approvalTimeoutMs: 120_000,
    maxPendingApprovals: 50,
    maxPendingApprovalsPerGrant: 10,
    retentionDays: 90,
    notifications: true,
    changedToolDefinitions: 'hold',
    redaction: { patterns: [], fields: [] },
    ...overrides,
  };
}
