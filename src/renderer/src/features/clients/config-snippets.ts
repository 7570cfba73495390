// The ready-to-paste configuration that points a client at every server through Airlock: one per
// client, covering all the servers, in the very shapes Protect writes (src/shared/mcp-clients.ts).
// Pure: a grant's token (or a placeholder when it is no longer known), the servers' ids and
// endpoints, and this install's stdio bridge in, text out.
import {
  airlockEntry,
  serversKey,
  type BridgeCommand,
  type BridgeInfo,
  type ClientId,
} from '../../../../shared/mcp-clients';

/** What stands for a token the UI no longer knows: it was shown only when the client was made. */
export const TOKEN_PLACEHOLDER = 'alk_...';

/** Where the bridge would be, for a person to replace, when this install has none to name. */
export const BRIDGE_PLACEHOLDER: BridgeCommand = {
  command: 'node',
  args: ['/path/to/airlock/bin/airlock.js'],
  dataDir: '/path/to/airlock-data',
};

export interface SnippetServer {
  id: string;
  endpoint: string;
}

export interface ConfigSnippet {
  id: ClientId | 'http';
  /** The client it is for. */
  title: string;
  /** Where it goes, or what to change in it. */
  note: string;
  text: string;
}

/** Where each client's file is, as its documentation names it. */
const WHERE: Record<Exclude<ClientId, 'claude-code'>, string> = {
  cursor: 'Merge into ~/.cursor/mcp.json (its "mcpServers").',
  vscode: 'Merge into your user mcp.json (MCP: Open User Configuration), under "servers".',
  windsurf: 'Merge into ~/.codeium/windsurf/mcp_config.json (its "mcpServers").',
  'claude-desktop': 'Merge into claude_desktop_config.json (its "mcpServers").',
};

export function configSnippets(
  servers: readonly SnippetServer[],
  token?: string,
  bridge?: BridgeInfo,
): ConfigSnippet[] {
  const secret = token ?? TOKEN_PLACEHOLDER;
  const tokenNote = token
    ? ''
    : ` Replace ${TOKEN_PLACEHOLDER} with the client's token: it was shown only when the client was created.`;
  const file = (client: Exclude<ClientId, 'claude-code'>, command?: BridgeCommand) => {
    const entries = Object.fromEntries(
      servers.map((server) => [server.id, airlockEntry(client, server, secret, command)]),
    );
    return json({ [serversKey(client)]: entries });
  };
  const bridgeCommand = bridge?.ok ? bridge : BRIDGE_PLACEHOLDER;
  const bridgeNote = bridge?.ok
    ? ' Each server runs this install’s stdio bridge, which finds the running Airlock through its data folder.'
    : ` ${bridge?.reason ?? 'The path of this install is not known here.'} Replace the paths with those of an Airlock install.`;
  return [
    {
      id: 'claude-code',
      title: 'Claude Code',
      note: `Run in a terminal; add --scope user to have them in every project.${tokenNote}`,
      text: servers
        .map(
          (server) =>
            `claude mcp add --transport http ${shellWord(server.id)} ${shellWord(
              server.endpoint,
            )} --header ${shellWord(`Authorization: Bearer ${secret}`)}`,
        )
        .join('\n'),
    },
    { id: 'cursor', title: 'Cursor', note: WHERE.cursor + tokenNote, text: file('cursor') },
    { id: 'vscode', title: 'VS Code', note: WHERE.vscode + tokenNote, text: file('vscode') },
    { id: 'windsurf', title: 'Windsurf', note: WHERE.windsurf + tokenNote, text: file('windsurf') },
    {
      id: 'claude-desktop',
      title: 'Claude Desktop (stdio bridge)',
      note: WHERE['claude-desktop'] + bridgeNote + tokenNote,
      text: file('claude-desktop', bridgeCommand),
    },
    {
      id: 'http',
      title: 'Any Streamable HTTP client',
      note: `Each server's URL, and the header to send with every request.${tokenNote}`,
      text: [
        ...servers.map((server) => `${server.id}: ${server.endpoint}`),
        `Authorization: Bearer ${secret}`,
      ].join('\n'),
    },
  ];
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Double quotes as README writes them; characters the shell would expand inside are escaped. */
function shellWord(text: string): string {
  if (/^[A-Za-z0-9_./:@-]+$/.test(text)) return text;
  return `"${text.replace(/["\\$`]/g, '\\$&')}"`;
}
