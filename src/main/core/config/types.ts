// The shape of config.json once parsed: upstream servers in the mcpServers format that Claude
// Desktop and Cursor use, the grants' names, and settings. Token hashes live elsewhere (secrets.json).

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
  /** An upstream request without a response after this long fails with a clear error. */
  upstreamTimeoutMs: number;
}

export const DEFAULT_SETTINGS: Settings = {
  port: 7820,
  maxBodyBytes: 4 * 1024 * 1024,
  upstreamTimeoutMs: 60_000,
};

export interface AirlockConfig {
  servers: ServerConfig[];
  grants: GrantEntry[];
  settings: Settings;
}
