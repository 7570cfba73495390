// The shape of config.json once parsed: upstream servers in the mcpServers format that Claude
// Desktop and Cursor use, and settings. Grants live in secrets.json; `grants` here is only what an
// older version listed, read once to move them there.

/**
 * An upstream server. `V` is what an env or header value is: the value itself once resolved (what
 * is served), or, as config.json lists it, the value or a reference to it in the secret store.
 */
export type ServerConfig<V = string> =
  StdioServerConfig<V> | HttpServerConfig<V> | SseServerConfig<V>;

export interface StdioServerConfig<V = string> {
  id: string;
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, V>;
  cwd?: string;
}

export interface HttpServerConfig<V = string> {
  id: string;
  transport: 'http';
  url: string;
  headers: Record<string, V>;
}

export interface SseServerConfig<V = string> {
  id: string;
  transport: 'sse';
  url: string;
  headers: Record<string, V>;
}

/** Where config.json keeps an env or header value: `{"secret": "<key>"}` names it in the secret store. */
export interface SecretRef {
  secret: string;
}

/** An env or header value as config.json holds it: the value as pasted, or a reference. */
export type StoredValue = string | SecretRef;

/** A server as config.json lists it, before its references are resolved. */
export type ServerEntry = ServerConfig<StoredValue>;

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

export interface AirlockConfig {
  /** As the file lists them: references to the secret store are resolved before a server is served. */
  servers: ServerEntry[];
  grants: GrantEntry[];
  settings: Settings;
}
