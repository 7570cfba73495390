// Where each MCP client keeps its config on this platform, following HOME and the platform's config
// folders (so tests point them at a temporary home). From each client's documentation:
// - Claude Desktop: ~/Library/Application Support/Claude/claude_desktop_config.json (macOS),
//   %APPDATA%\Claude\claude_desktop_config.json (Windows); the Linux builds, which Anthropic does
//   not publish, use $XDG_CONFIG_HOME/Claude (https://modelcontextprotocol.io/quickstart/user).
// - Claude Code: ~/.claude.json for the user scope and, under `projects.<dir>`, the local scope; a
//   project's own servers in <dir>/.mcp.json (https://code.claude.com/docs/en/mcp).
// - Cursor: ~/.cursor/mcp.json (https://cursor.com/docs/mcp).
// - VS Code: mcp.json in the user profile's folder (Code/User under the platform's config folder),
//   and, from before mcp.json, `mcp.servers` in settings.json there
//   (https://code.visualstudio.com/docs/agents/reference/mcp-configuration).
// - Windsurf: ~/.codeium/windsurf/mcp_config.json (https://docs.windsurf.com/windsurf/cascade/mcp).
// Project-level files of Cursor and VS Code (.cursor/mcp.json, .vscode/mcp.json) and VS Code's
// other profiles are not looked for.
import os from 'node:os';
import path from 'node:path';
import type { ClientFileSpec } from '../../core/clients/client-file';

export interface ClientLocationOptions {
  /** Default: HOME (USERPROFILE on Windows), else the OS's idea of it. */
  home?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export interface ClientLocations {
  files: ClientFileSpec[];
  claudeCodeProject(dir: string): ClientFileSpec;
}

export function clientLocations(options: ClientLocationOptions = {}): ClientLocations {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const p = platform === 'win32' ? path.win32 : path.posix;
  const home =
    options.home ?? nonEmpty(platform === 'win32' ? env.USERPROFILE : env.HOME) ?? os.homedir();
  // The folder apps keep their settings in: Application Support, %APPDATA%, or XDG's.
  let appConfig: string;
  if (platform === 'darwin') appConfig = p.join(home, 'Library', 'Application Support');
  else if (platform === 'win32') {
    appConfig = nonEmpty(env.APPDATA) ?? p.join(home, 'AppData', 'Roaming');
  } else {
    // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    const xdg = nonEmpty(env.XDG_CONFIG_HOME);
    appConfig = xdg !== undefined && p.isAbsolute(xdg) ? xdg : p.join(home, '.config');
  }
  const vscodeUser = p.join(appConfig, 'Code', 'User');
  return {
    files: [
      {
        client: 'claude-desktop',
        path: p.join(appConfig, 'Claude', 'claude_desktop_config.json'),
        label: 'claude_desktop_config.json',
        layout: 'mcpServers',
      },
      {
        client: 'claude-code',
        path: p.join(home, '.claude.json'),
        label: 'user and local scopes',
        layout: 'claude-code-user',
      },
      {
        client: 'cursor',
        path: p.join(home, '.cursor', 'mcp.json'),
        label: 'global mcp.json',
        layout: 'mcpServers',
      },
      {
        client: 'vscode',
        path: p.join(vscodeUser, 'mcp.json'),
        label: 'user mcp.json',
        layout: 'vscode-mcp',
      },
      {
        client: 'vscode',
        path: p.join(vscodeUser, 'settings.json'),
        label: 'user settings.json',
        layout: 'vscode-settings',
      },
      {
        client: 'windsurf',
        path: p.join(home, '.codeium', 'windsurf', 'mcp_config.json'),
        label: 'mcp_config.json',
        layout: 'mcpServers',
      },
    ],
    claudeCodeProject: (dir) => ({
      client: 'claude-code',
      path: p.join(dir, '.mcp.json'),
      label: `project ${dir}`,
      layout: 'mcpServers',
      cwd: dir,
    }),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
