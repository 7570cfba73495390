// Airlock's settings as config.json keeps them and the app API shows them, their defaults, and when
// a change to each takes effect.

export interface Settings {
  /** Port `airlock serve` listens on when --port is not given. */
  port: number;
  /** Requests with a larger body get HTTP 413. */
  maxBodyBytes: number;
  /** One upstream message (a result, a notification) larger than this fails its call instead of being held in memory. */
  maxMessageBytes: number;
  /** An upstream request without a response after this long fails with a clear error. */
  upstreamTimeoutMs: number;
  /** How long a held call waits for a person, unless its rule sets approval.timeout. */
  approvalTimeoutMs: number;
  /** Held calls at one time, across all grants; more are refused. */
  maxPendingApprovals: number;
  /** Held calls at one time for one grant; more are refused. */
  maxPendingApprovalsPerGrant: number;
  /** History older than this many days is deleted. */
  retentionDays: number;
  /** The desktop app shows a notification when a call is held for a person. */
  notifications: boolean;
  /** A notification plays the system's sound. */
  notificationSound: boolean;
  /**
   * A call to a tool whose definition changed since it was accepted: held for a person ("hold")
   * or refused ("refuse") until someone accepts the new definition.
   */
  changedToolDefinitions: 'hold' | 'refuse';
  /** The user's additions to redaction: regular expressions and field names. */
  redaction: { patterns: string[]; fields: string[] };
}

/** The settings the app lets a user change while Airlock runs. */
export type EditableSettings = Pick<
  Settings,
  | 'approvalTimeoutMs'
  | 'maxPendingApprovals'
  | 'maxPendingApprovalsPerGrant'
  | 'retentionDays'
  | 'notifications'
  | 'notificationSound'
  | 'changedToolDefinitions'
  /** Saved for the next start; the running listener keeps its port. */
  | 'port'
>;

export const DEFAULT_SETTINGS: Settings = {
  port: 7820,
  maxBodyBytes: 4 * 1024 * 1024,
  maxMessageBytes: 16 * 1024 * 1024,
  upstreamTimeoutMs: 60_000,
  approvalTimeoutMs: 2 * 60_000,
  maxPendingApprovals: 50,
  maxPendingApprovalsPerGrant: 10,
  retentionDays: 90,
  notifications: true,
  notificationSound: false,
  changedToolDefinitions: 'hold',
  redaction: { patterns: [], fields: [] },
};

/**
 * When a change to each setting in config.json takes effect. `now`: in force at once. `saved`:
 * kept as the setting (the app shows it) but used from the next start, as settings.update does
 * with the port. `start`: read at start only; the value in force stays until a restart.
 */
export const SETTING_TAKES_EFFECT = {
  approvalTimeoutMs: 'now',
  maxPendingApprovals: 'now',
  maxPendingApprovalsPerGrant: 'now',
  retentionDays: 'now',
  notifications: 'now',
  notificationSound: 'now',
  changedToolDefinitions: 'now',
  redaction: 'now',
  port: 'saved',
  maxBodyBytes: 'start',
  maxMessageBytes: 'start',
  upstreamTimeoutMs: 'start',
} as const satisfies Record<keyof Settings, 'now' | 'saved' | 'start'>;

type Timing = typeof SETTING_TAKES_EFFECT;
/** The settings Airlock reads only when it starts (the listener, the upstream channels). */
export type StartSettings = Pick<
  Settings,
  { [K in keyof Timing]: Timing[K] extends 'start' ? K : never }[keyof Timing]
>;
