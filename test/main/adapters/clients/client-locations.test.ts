import { describe, expect, it } from 'vitest';
import { clientLocations } from '../../../../src/main/adapters/clients/client-locations';

function paths(options: Parameters<typeof clientLocations>[0]) {
  return Object.fromEntries(
    clientLocations(options).files.map((f) => [`${f.client} ${f.layout}`, f.path]),
  );
}

describe('where the clients keep their MCP config', () => {
  it('follows HOME and XDG_CONFIG_HOME on Linux', () => {
    expect(paths({ platform: 'linux', env: { HOME: '/home/me' } })).toEqual({
      'claude-desktop mcpServers': '/home/me/.config/Claude/claude_desktop_config.json',
      'claude-code claude-code-user': '/home/me/.claude.json',
      'cursor mcpServers': '/home/me/.cursor/mcp.json',
      'vscode vscode-mcp': '/home/me/.config/Code/User/mcp.json',
      'vscode vscode-settings': '/home/me/.config/Code/User/settings.json',
      'windsurf mcpServers': '/home/me/.codeium/windsurf/mcp_config.json',
    });
    const xdg = paths({ platform: 'linux', env: { HOME: '/home/me', XDG_CONFIG_HOME: '/cfg' } });
    expect(xdg['vscode vscode-mcp']).toBe('/cfg/Code/User/mcp.json');
    // A relative XDG_CONFIG_HOME is invalid and ignored.
    const relative = paths({ platform: 'linux', env: { HOME: '/home/me', XDG_CONFIG_HOME: 'x' } });
    expect(relative['claude-desktop mcpServers']).toBe(
      '/home/me/.config/Claude/claude_desktop_config.json',
    );
  });

  it('uses Application Support on macOS', () => {
    const mac = paths({ platform: 'darwin', env: { HOME: '/Users/me' } });
    expect(mac['claude-desktop mcpServers']).toBe(
      '/Users/me/Library/Application Support/Claude/claude_desktop_config.json',
    );
    expect(mac['vscode vscode-mcp']).toBe(
      '/Users/me/Library/Application Support/Code/User/mcp.json',
    );
    expect(mac['cursor mcpServers']).toBe('/Users/me/.cursor/mcp.json');
  });

  it('uses APPDATA and USERPROFILE on Windows', () => {
    const win = paths({
      platform: 'win32',
      env: { USERPROFILE: 'C:\\Users\\me', APPDATA: 'C:\\Users\\me\\AppData\\Roaming' },
    });
    expect(win['claude-desktop mcpServers']).toBe(
      'C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json',
    );
    expect(win['claude-code claude-code-user']).toBe('C:\\Users\\me\\.claude.json');
    expect(win['windsurf mcpServers']).toBe('C:\\Users\\me\\.codeium\\windsurf\\mcp_config.json');
  });

  it('names a Claude Code project’s .mcp.json, whose servers start in the project', () => {
    expect(
      clientLocations({ platform: 'linux', home: '/h' }).claudeCodeProject('/src/app'),
    ).toEqual({
      client: 'claude-code',
      path: '/src/app/.mcp.json',
      label: 'project /src/app',
      layout: 'mcpServers',
      cwd: '/src/app',
    });
  });
});
