// The MCP clients Airlock knows on a machine, and the entry each one needs to reach a server through
// Airlock: over HTTP with the grant's token where the client's config can say so, else through the
// stdio bridge (`airlock connect`). Pure, so that Protect (which rewrites a client's config) and the
// Clients screen's snippets for manual setup write the very same shapes.
//
// What each client's config accepts, from its documentation:
// - Claude Desktop, claude_desktop_config.json: `mcpServers` of local stdio servers only
//   (`command`, `args`, `env`); remote servers are added as Connectors in its settings, which run
//   from Anthropic's side and cannot reach 127.0.0.1. So: the stdio bridge.
//   https://modelcontextprotocol.io/quickstart/user
// - Claude Code, ~/.claude.json (user scope `mcpServers`, local scope `projects.<dir>.mcpServers`)
//   and a project's .mcp.json: `"type": "http"` with `url` and `headers`.
//   https://code.claude.com/docs/en/mcp
// - Cursor, ~/.cursor/mcp.json: `mcpServers`, a remote server as `url` with `headers`.
//   https://cursor.com/docs/mcp
// - VS Code, the user profile's mcp.json: `servers`, each with `"type": "http"`, `url`, `headers`
//   (older versions: settings.json's `"mcp": {"servers": ...}`, same entries).
//   https://code.visualstudio.com/docs/agents/reference/mcp-configuration
// - Windsurf, ~/.codeium/windsurf/mcp_config.json: `mcpServers`, a remote server as `serverUrl`
//   (its docs: `url` does not connect) with `headers`. https://docs.windsurf.com/windsurf/cascade/mcp

export const CLIENT_IDS = [
  'claude-desktop',
  'claude-code',
  'cursor',
  'vscode',
  'windsurf',
] as const;

export type ClientId = (typeof CLIENT_IDS)[number];

export interface ClientKind {
  id: ClientId;
  name: string;
  /** How its servers reach Airlock: over HTTP with the token in a header, or the stdio bridge. */
  via: 'http' | 'bridge';
  /** What the person does for the client to read its new config. */
  reload: string;
}

export const CLIENTS: Readonly<Record<ClientId, ClientKind>> = {
  'claude-desktop': {
    id: 'claude-desktop',
    name: 'Claude Desktop',
    via: 'bridge',
    reload: 'Quit and reopen Claude Desktop.',
  },
  'claude-code': {
    id: 'claude-code',
    name: 'Claude Code',
    via: 'http',
    reload: 'Start Claude Code again (or run /mcp in a running session).',
  },
  cursor: {
    id: 'cursor',
    name: 'Cursor',
    via: 'http',
    reload: 'Restart Cursor, or refresh its MCP servers in Cursor Settings.',
  },
  vscode: {
    id: 'vscode',
    name: 'VS Code',
    via: 'http',
    reload: 'Run "MCP: List Servers" in VS Code and restart the servers.',
  },
  windsurf: {
    id: 'windsurf',
    name: 'Windsurf',
    via: 'http',
    reload: 'Refresh the MCP servers in Windsurf (the MCP toolbar).',
  },
};

/** How this install starts the stdio bridge: `<command> <...args> connect <server> --data-dir DIR`. */
export interface BridgeCommand {
  /** An absolute path to Node.js. */
  command: string;
  /** Before `connect`: the absolute path of this install's bin/airlock.js. */
  args: string[];
  /** The data folder the bridge finds the running Airlock through. */
  dataDir: string;
}

/** The bridge of this install, or why there is none (the packaged app, no Node.js on PATH). */
export type BridgeInfo = ({ ok: true } & BridgeCommand) | { ok: false; reason: string };

/** One server as a client reaches it through Airlock. */
export interface AirlockTarget {
  /** Airlock's id for the upstream server. */
  id: string;
  /** http://127.0.0.1:PORT/mcp/<id> */
  endpoint: string;
}

/**
 * The entry `client` needs for one server through Airlock, authenticated with `token`. Clients on
 * the bridge need `bridge`; without it (none in this install) there is no entry to give.
 */
export function airlockEntry(
  client: ClientId,
  target: AirlockTarget,
  token: string,
  bridge?: BridgeCommand,
): Record<string, unknown> | undefined {
  const headers = { Authorization: `Bearer ${token}` };
  switch (client) {
    case 'claude-desktop':
      if (bridge === undefined) return undefined;
      return {
        command: bridge.command,
        args: [...bridge.args, 'connect', target.id, '--data-dir', bridge.dataDir],
        env: { AIRLOCK_TOKEN: token },
      };
    case 'claude-code':
    case 'vscode':
      return { type: 'http', url: target.endpoint, headers };
    case 'cursor':
      return { url: target.endpoint, headers };
    case 'windsurf':
      return { serverUrl: target.endpoint, headers };
  }
}

/** Where a client's file lists its servers, for the snippets: the key of the map. */
export function serversKey(client: ClientId): 'mcpServers' | 'servers' {
  return client === 'vscode' ? 'servers' : 'mcpServers';
}
