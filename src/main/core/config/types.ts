// The shape of config.json once parsed: upstream servers in the mcpServers format that Claude
// Desktop and Cursor use, and settings. Grants live in secrets.json; `grants` here is only what an
// older version listed, read once to move them there.
import type { Settings } from '../../../shared/model/settings';

// The settings are part of the API model (src/shared); config.json's readers reach them through here.
export {
  DEFAULT_SETTINGS,
  type EditableSettings,
  type Settings,
} from '../../../shared/model/settings';

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

export interface AirlockConfig {
  /** As the file lists them: references to the secret store are resolved before a server is served. */
  servers: ServerEntry[];
  grants: GrantEntry[];
  settings: Settings;
}
