import { describe, expect, it } from 'vitest';
import {
  BRIDGE_PLACEHOLDER,
  configSnippets,
  TOKEN_PLACEHOLDER,
} from '../../../../src/renderer/src/features/clients/config-snippets';
import type { BridgeInfo } from '../../../../src/shared/mcp-clients';

const SERVERS = [
  { id: 'meatspace', endpoint: 'http://127.0.0.1:7820/mcp/meatspace' },
  { id: 'github', endpoint: 'http://127.0.0.1:7820/mcp/github' },
];
const TOKEN = 'alk_0123456789abcdef';
const BRIDGE: BridgeInfo = {
  ok: true,
  command: '/usr/local/bin/node',
  args: ['/home/me/airlock/bin/airlock.js'],
  dataDir: '/home/me/.config/airlock',
};

function byId(token?: string, bridge: BridgeInfo = BRIDGE) {
  return Object.fromEntries(configSnippets(SERVERS, token, bridge).map((s) => [s.id, s]));
}

describe('config snippets', () => {
  it('give one configuration per client, covering every server, with the token', () => {
    const snippets = configSnippets(SERVERS, TOKEN, BRIDGE);
    expect(snippets.map((s) => s.id)).toEqual([
      'claude-code',
      'cursor',
      'vscode',
      'windsurf',
      'claude-desktop',
      'http',
    ]);
    for (const snippet of snippets) {
      expect(snippet.text).toContain(TOKEN);
      for (const server of SERVERS) expect(snippet.text).toContain(server.id);
    }
  });

  it('give Claude Code one command per server, in README shape', () => {
    expect(byId(TOKEN)['claude-code']!.text).toBe(
      [
        `claude mcp add --transport http meatspace http://127.0.0.1:7820/mcp/meatspace --header "Authorization: Bearer ${TOKEN}"`,
        `claude mcp add --transport http github http://127.0.0.1:7820/mcp/github --header "Authorization: Bearer ${TOKEN}"`,
      ].join('\n'),
    );
  });

  it('give each HTTP client its own keys: Cursor url, VS Code servers with type, Windsurf serverUrl', () => {
    const authorization = { Authorization: `Bearer ${TOKEN}` };
    const snippets = byId(TOKEN);
    expect(JSON.parse(snippets.cursor!.text)).toEqual({
      mcpServers: {
        meatspace: { url: SERVERS[0]!.endpoint, headers: authorization },
        github: { url: SERVERS[1]!.endpoint, headers: authorization },
      },
    });
    expect(JSON.parse(snippets.vscode!.text).servers.github).toEqual({
      type: 'http',
      url: SERVERS[1]!.endpoint,
      headers: authorization,
    });
    expect(JSON.parse(snippets.windsurf!.text).mcpServers.meatspace).toEqual({
      serverUrl: SERVERS[0]!.endpoint,
      headers: authorization,
    });
  });

  it('give Claude Desktop the stdio bridge of this install, by its real paths', () => {
    expect(JSON.parse(byId(TOKEN)['claude-desktop']!.text).mcpServers.github).toEqual({
      command: '/usr/local/bin/node',
      args: ['/home/me/airlock/bin/airlock.js', 'connect', 'github', '--data-dir', BRIDGE.dataDir],
      env: { AIRLOCK_TOKEN: TOKEN },
    });
  });

  it('say why, and use paths to replace, when this install has no bridge', () => {
    const snippet = byId(TOKEN, { ok: false, reason: 'This is the packaged app.' })[
      'claude-desktop'
    ]!;
    expect(snippet.note).toContain('This is the packaged app.');
    expect(JSON.parse(snippet.text).mcpServers.meatspace.args[0]).toBe(BRIDGE_PLACEHOLDER.args[0]);
  });

  it('give a generic HTTP client every URL and the header', () => {
    expect(byId(TOKEN).http!.text).toBe(
      `meatspace: ${SERVERS[0]!.endpoint}\ngithub: ${SERVERS[1]!.endpoint}\nAuthorization: Bearer ${TOKEN}`,
    );
  });

  it('use a placeholder when the token is no longer known, and say why', () => {
    for (const snippet of configSnippets(SERVERS, undefined, BRIDGE)) {
      expect(snippet.text).toContain(TOKEN_PLACEHOLDER);
      expect(snippet.note).toContain('shown only when the client was created');
    }
    expect(JSON.parse(byId().cursor!.text).mcpServers.meatspace.headers.Authorization).toBe(
      'Bearer alk_...',
    );
  });

  it('quote shell words that are not plain', () => {
    const text = configSnippets([{ id: 'a', endpoint: 'http://x/$HOME"' }], TOKEN)[0]!.text;
    expect(text).toContain('"http://x/\\$HOME\\""');
  });
});
