// The shape of config.json once parsed: upstream servers in the mcpServers format that Claude
// Desktop and Cursor use, and settings. Grants live in secrets.json; `grants` here is only what an
// older version listed, read once to move them there.

export type ServerConfig = StdioServerConfig | HttpServerConfig | SseServerConfig;

export interface StdioServerConfig {
  id: string;
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

export interface HttpServerConfig {
  id: string;
  transport: 'http';
  url: string;
  headers: Record<string, string>;
}

export interface SseServerConfig {
  id: string;
  transport: 'sse';
  url: string;
  headers: Record<string, string>;
}

export interface GrantEntry {
  name: string;
  /** ISO 8601 time the grant was created. */
  created: string;
}

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
  redaction: { patterns: [], fields: [] },
};

export interface AirlockConfig {
  servers: ServerConfig[];
  grants: GrantEntry[];
  settings: Settings;
}
