// What the app API says about an upstream server's entry and about where its secrets are kept.
// Env and header values never appear here: only their names do.

/** A server's entry for editing, as servers.get gives it. */
export interface ServerDraft {
  id: string;
  transport: 'stdio' | 'http' | 'sse';
  command?: string;
  args?: string[];
  cwd?: string;
  url?: string;
  /** Names of the environment variables the server gets; their values never leave the core. */
  envKeys: string[];
  /** Names of the HTTP headers sent to the server; their values never leave the core. */
  headerKeys: string[];
}

/** Where upstream secrets are kept, as the UI names it. */
export type SecretStoreInfo =
  /** `name` is the platform's: "macOS Keychain", "Windows Credential Manager", "Secret Service". */
  | { kind: 'keychain'; name: string }
  /** No OS keychain could be used: a file readable by the user alone. */
  | { kind: 'file'; file: string };
