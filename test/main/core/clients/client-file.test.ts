import { describe, expect, it } from 'vitest';
import {
  describeEntry,
  importEntry,
  maskedEntry,
  pointsAtAirlock,
  readClientFile,
  replaceEntries,
  valueAt,
  type ClientFileSpec,
  type FoundEntry,
} from '../../../../src/main/core/clients/client-file';

const CURSOR: ClientFileSpec = {
  client: 'cursor',
  path: '/home/me/.cursor/mcp.json',
  label: 'global mcp.json',
  layout: 'mcpServers',
};

function found(value: unknown, extra: Partial<FoundEntry> = {}): FoundEntry {
  return { path: ['mcpServers', 'github'], name: 'github', value, ...extra };
}

describe('reading a client file', () => {
  it('lists the servers of each layout, where the client keeps them', () => {
    const vscode = readClientFile(
      { client: 'vscode', path: 'mcp.json', label: 'user', layout: 'vscode-mcp' },
      '{ "servers": { "memory": { "type": "stdio", "command": "npx" } }, "inputs": [] }',
    );
    expect(vscode).toMatchObject({ ok: true, entries: [{ path: ['servers', 'memory'] }] });

    const settings = readClientFile(
      { client: 'vscode', path: 'settings.json', label: 'user', layout: 'vscode-settings' },
      '{\n  // editor\n  "editor.fontSize": 14,\n  "mcp": { "servers": { "gh": { "url": "https://x/mcp" } } },\n}',
    );
    expect(settings).toMatchObject({ ok: true, entries: [{ path: ['mcp', 'servers', 'gh'] }] });

    const claude = readClientFile(
      { client: 'claude-code', path: '.claude.json', label: 'user', layout: 'claude-code-user' },
      JSON.stringify({
        numStartups: 4,
        mcpServers: { everywhere: { command: 'a' } },
        projects: { '/home/me/app': { mcpServers: { local: { command: 'b' } } }, '/tmp/x': {} },
      }),
    );
    expect(claude).toEqual({
      ok: true,
      entries: [
        { path: ['mcpServers', 'everywhere'], name: 'everywhere', value: { command: 'a' } },
        {
          path: ['projects', '/home/me/app', 'mcpServers', 'local'],
          name: 'local',
          scope: 'local scope of /home/me/app',
          value: { command: 'b' },
          cwd: '/home/me/app',
        },
      ],
    });
  });

  it('leaves a file it cannot read exactly alone, saying why', () => {
    expect(readClientFile(CURSOR, '{ "mcpServers": { "a": { "command": "x" }')).toEqual({
      ok: false,
      problem: expect.stringMatching(/^it has a syntax error at line 1, column \d+/),
    });
    expect(
      readClientFile(CURSOR, '{"mcpServers": {"a": {"command": "x"}, "a": {"command": "y"}}}'),
    ).toEqual({ ok: false, problem: 'it lists a server named "a" twice under mcpServers' });
    expect(readClientFile(CURSOR, '{"mcpServers": []}')).toEqual({
      ok: false,
      problem: 'mcpServers is not an object',
    });
    expect(readClientFile(CURSOR, '[]')).toEqual({
      ok: false,
      problem: 'it does not hold a JSON object',
    });
  });

  it('reads an empty file, and one without servers, as listing none', () => {
    expect(readClientFile(CURSOR, '')).toEqual({ ok: true, entries: [] });
    expect(readClientFile(CURSOR, '{"theme": "dark"}')).toEqual({ ok: true, entries: [] });
  });
});

describe('importing an entry', () => {
  it('takes a stdio server with its args, env and the folder its client starts it in', () => {
    const result = importEntry(
      'claude-code',
      found({ type: 'stdio', command: 'npx', args: ['-y', 'srv'], env: { K: 'v' } }, { cwd: '/p' }),
      'github',
    );
    expect(result).toEqual({
      ok: true,
      server: {
        id: 'github',
        transport: 'stdio',
        command: 'npx',
        args: ['-y', 'srv'],
        env: { K: 'v' },
        cwd: '/p',
      },
      kept: {},
    });
  });

  it('takes HTTP servers as each client writes them, and keeps the client’s own keys', () => {
    expect(
      importEntry('windsurf', found({ serverUrl: 'https://x/mcp', disabled: true }), 'x'),
    ).toEqual({
      ok: true,
      server: { id: 'x', transport: 'http', url: 'https://x/mcp', headers: {} },
      kept: { disabled: true },
    });
    expect(
      importEntry(
        'vscode',
        found({ type: 'sse', url: 'https://x/events', headers: { A: 'b' } }),
        'x',
      ),
    ).toMatchObject({ ok: true, server: { transport: 'sse', headers: { A: 'b' } } });
    // Cursor infers the transport; a URL ending in /sse is the legacy one.
    expect(importEntry('cursor', found({ url: 'https://x/sse' }), 'x')).toMatchObject({
      ok: true,
      server: { transport: 'sse' },
    });
  });

  it('leaves alone what Airlock would change the meaning of', () => {
    const reason = (value: unknown, client: 'vscode' | 'cursor' = 'vscode') => {
      const result = importEntry(client, found(value), 'x');
      return result.ok ? undefined : result.reason;
    };
    expect(reason({ command: 'npx', env: { KEY: '${input:key}' } })).toMatch(
      /uses \$\{input:key\}, which VS Code fills in/,
    );
    expect(reason({ url: 'https://x', headers: { A: 'Bearer ${env:T}' } }, 'cursor')).toMatch(
      /uses \$\{env:T\}, which Cursor/,
    );
    expect(reason({ command: 'npx', envFile: '.env' })).toMatch(/envFile/);
    expect(reason({ type: 'http', url: 'https://x', oauth: { clientId: 'a' } })).toMatch(/OAuth/);
    expect(reason({ command: 'npx', sandboxEnabled: true })).toMatch(/sandbox/);
    expect(reason({ command: 'npx', type: 'websocket' })).toMatch(/type "websocket"/);
    expect(reason({ command: 'npx', args: [1] })).toMatch(/Airlock cannot read it: args/);
    expect(reason({ disabled: true })).toBe('it has neither a command nor a URL');
    expect(reason('npx server')).toBe('its entry is not an object');
  });
});

describe('entries that already go through Airlock', () => {
  it('are recognised by Airlock’s address or by the bridge', () => {
    expect(pointsAtAirlock({ url: 'http://127.0.0.1:7820/mcp/github' }, 7820)).toBe(true);
    expect(pointsAtAirlock({ serverUrl: 'http://localhost:7820/mcp/github' }, 7820)).toBe(true);
    expect(pointsAtAirlock({ url: 'http://127.0.0.1:7821/mcp/github' }, 7820)).toBe(false);
    expect(pointsAtAirlock({ url: 'http://127.0.0.1:3000/mcp' }, 3000)).toBe(false);
    expect(
      pointsAtAirlock(
        { command: '/usr/bin/node', args: ['/opt/airlock/bin/airlock.js', 'connect', 'github'] },
        7820,
      ),
    ).toBe(true);
    expect(pointsAtAirlock({ command: 'npx', args: ['-y', 'github-mcp'] }, 7820)).toBe(false);
  });
});

describe('rewriting a file', () => {
  it('replaces only the entries given, keeping comments, order and the rest byte for byte', () => {
    const text =
      '\uFEFF{\n  // keep me\n  "theme": "dark",\n  "mcpServers": {\n    "a": { "command": "x" },\n    "b": { "command": "y" }\n  }\n}\n';
    const rewritten = replaceEntries(text, [
      { path: ['mcpServers', 'a'], value: { url: 'http://127.0.0.1:7820/mcp/a' } },
    ]);
    expect(rewritten.startsWith('\uFEFF{\n  // keep me\n  "theme": "dark",')).toBe(true);
    expect(rewritten).toContain('"b": { "command": "y" }');
    expect(valueAt(rewritten, ['mcpServers', 'a'])).toEqual({ url: 'http://127.0.0.1:7820/mcp/a' });
    expect(rewritten.endsWith('}\n')).toBe(true);
  });
});

describe('showing an entry', () => {
  it('never shows env or header values, nor credentials in a URL or arguments', () => {
    const entry = {
      command: 'npx',
      args: ['server', '--token', 'tok_live_123'],
      env: { API_KEY: 'sk-secret', EMPTY: '' },
    };
    const shown = JSON.stringify(maskedEntry(entry));
    expect(shown).not.toContain('sk-secret');
    expect(shown).not.toContain('tok_live_123');
    expect(maskedEntry(entry)).toMatchObject({ env: { API_KEY: '***', EMPTY: '' } });
    expect(describeEntry({ url: 'https://u:pw@host/mcp?api_key=abc' })).toEqual({
      transport: 'http',
      target: 'https://u:***@host/mcp?api_key=***',
    });
  });
});
