// The ready-to-paste configuration that points an agent at one server through Airlock, in the
// shapes README's "Point a client at it" gives. Pure: a grant's token (or a placeholder when it is
// no longer known) and a server's id and endpoint in, text out.

/** What stands for a token the UI no longer knows: it was shown only when the client was made. */
export const TOKEN_PLACEHOLDER = 'alk_...';

/** The UI does not know where Airlock is installed; the person replaces this path. */
export const AIRLOCK_PATH_PLACEHOLDER = '/path/to/airlock/bin/airlock.js';

export interface SnippetServer {
  id: string;
  endpoint: string;
}

export interface ConfigSnippet {
  id: 'claude-code' | 'cursor' | 'claude-desktop' | 'http';
  /** The client it is for. */
  title: string;
  /** Where it goes, or what to change in it. */
  note: string;
  text: string;
}

export function configSnippets(server: SnippetServer, token?: string): ConfigSnippet[] {
  const secret = token ?? TOKEN_PLACEHOLDER;
  const authorization = `Bearer ${secret}`;
  const tokenNote = token
    ? ''
    : ` Replace ${TOKEN_PLACEHOLDER} with the client's token: it was shown only when the client was created.`;
  return [
    {
      id: 'claude-code',
      title: 'Claude Code',
      note: `Run in a terminal.${tokenNote}`,
      text: `claude mcp add --transport http ${shellWord(server.id)} ${shellWord(
        server.endpoint,
      )} --header ${shellWord(`Authorization: ${authorization}`)}`,
    },
    {
      id: 'cursor',
      title: 'Cursor',
      note: `Merge into ~/.cursor/mcp.json.${tokenNote}`,
      text: json({
        mcpServers: {
          [server.id]: { url: server.endpoint, headers: { Authorization: authorization } },
        },
      }),
    },
    {
      id: 'claude-desktop',
      title: 'Claude Desktop (stdio bridge)',
      note: `Merge into claude_desktop_config.json, and replace ${AIRLOCK_PATH_PLACEHOLDER} with where Airlock is installed. The bridge finds the running airlock serve through the data folder.${tokenNote}`,
      text: json({
        mcpServers: {
          [server.id]: {
            command: 'node',
            args: [AIRLOCK_PATH_PLACEHOLDER, 'connect', server.id],
            env: { AIRLOCK_TOKEN: secret },
          },
        },
      }),
    },
    {
      id: 'http',
      title: 'Any Streamable HTTP client',
      note: `The URL and the header to send with every request.${tokenNote}`,
      text: `URL: ${server.endpoint}\nAuthorization: ${authorization}`,
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
