import { describe, expect, it } from 'vitest';
import {
  AIRLOCK_PATH_PLACEHOLDER,
  configSnippets,
  TOKEN_PLACEHOLDER,
} from '../../src/renderer/src/features/clients/config-snippets';

const SERVER = { id: 'meatspace', endpoint: 'http://127.0.0.1:7820/mcp/meatspace' };
const TOKEN = 'alk_0123456789abcdef';

function byId(token?: string) {
  return Object.fromEntries(configSnippets(SERVER, token).map((s) => [s.id, s]));
}

describe('config snippets', () => {
  it('every format carries the endpoint (or server id) and the token', () => {
    const snippets = configSnippets(SERVER, TOKEN);
    expect(snippets.map((s) => s.id)).toEqual(['claude-code', 'cursor', 'claude-desktop', 'http']);
    for (const snippet of snippets) {
      expect(snippet.text).toContain(TOKEN);
      if (snippet.id !== 'claude-desktop') expect(snippet.text).toContain(SERVER.endpoint);
    }
  });

  it('gives the Claude Code command in README shape', () => {
    expect(byId(TOKEN)['claude-code']!.text).toBe(
      `claude mcp add --transport http meatspace http://127.0.0.1:7820/mcp/meatspace --header "Authorization: Bearer ${TOKEN}"`,
    );
  });

  it('gives Cursor JSON that parses, with url and header', () => {
    expect(JSON.parse(byId(TOKEN).cursor!.text)).toEqual({
      mcpServers: {
        meatspace: { url: SERVER.endpoint, headers: { Authorization: `Bearer ${TOKEN}` } },
      },
    });
  });

  it('gives Claude Desktop the stdio bridge, with a path the person replaces', () => {
    const snippet = byId(TOKEN)['claude-desktop']!;
    expect(JSON.parse(snippet.text)).toEqual({
      mcpServers: {
        meatspace: {
          command: 'node',
          args: [AIRLOCK_PATH_PLACEHOLDER, 'connect', 'meatspace'],
          env: { AIRLOCK_TOKEN: TOKEN },
        },
      },
    });
    expect(snippet.note).toContain(AIRLOCK_PATH_PLACEHOLDER);
  });

  it('gives a generic HTTP client the URL and the header', () => {
    expect(byId(TOKEN).http!.text).toBe(`URL: ${SERVER.endpoint}\nAuthorization: Bearer ${TOKEN}`);
  });

  it('uses a placeholder when the token is no longer known, and says why', () => {
    for (const snippet of configSnippets(SERVER)) {
      expect(snippet.text).toContain(TOKEN_PLACEHOLDER);
      expect(snippet.note).toContain('shown only when the client was created');
    }
    expect(JSON.parse(byId().cursor!.text).mcpServers.meatspace.headers.Authorization).toBe(
      'Bearer alk_...',
    );
  });

  it('quotes shell words that are not plain', () => {
    const text = configSnippets({ id: 'a', endpoint: 'http://x/$HOME"' }, TOKEN)[0]!.text;
    expect(text).toContain('"http://x/\\$HOME\\""');
  });
});
