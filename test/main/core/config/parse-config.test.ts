import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/main/core/config/parse-config';
import { DEFAULT_SETTINGS, type AirlockConfig } from '../../../../src/main/core/config/types';
import type { JsonProblem } from '../../../../src/main/core/ports';

function valid(config: unknown): AirlockConfig {
  const result = parseConfig(typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

function problems(config: unknown): JsonProblem[] {
  const result = parseConfig(typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  if (result.ok) throw new Error('expected the config to be refused');
  return result.errors;
}

describe('parseConfig', () => {
  it.each(['', '  \n', '{}'])('reads %j as an empty config with default settings', (text) => {
    expect(valid(text)).toEqual({ servers: [], grants: [], settings: DEFAULT_SETTINGS });
  });

  it('reads stdio and HTTP servers in the Claude Desktop / Cursor shape, in file order', () => {
    const config = valid({
      mcpServers: {
        everything: {
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-everything'],
          env: { DEBUG: '1' },
          cwd: '/tmp',
        },
        meatspace: { url: 'https://meatspace.example/api/mcp', headers: { 'X-Team': 'a' } },
        minimal: { command: 'node' },
      },
    });
    expect(config.servers).toEqual([
      {
        id: 'everything',
        transport: 'stdio',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-everything'],
        env: { DEBUG: '1' },
        cwd: '/tmp',
      },
      {
        id: 'meatspace',
        transport: 'http',
        url: 'https://meatspace.example/api/mcp',
        headers: { 'X-Team': 'a' },
      },
      { id: 'minimal', transport: 'stdio', command: 'node', args: [], env: {} },
    ]);
  });

  it.each([
    [{ transport: 'stdio', command: 'x' }, 'stdio'],
    [{ type: 'stdio', command: 'x' }, 'stdio'],
    [{ type: 'http', url: 'http://127.0.0.1:3000/mcp' }, 'http'],
    [{ transport: 'streamable-http', url: 'http://127.0.0.1:3000/mcp' }, 'http'],
    [{ type: 'streamableHttp', url: 'http://127.0.0.1:3000/mcp' }, 'http'],
    [{ type: 'sse', url: 'http://127.0.0.1:3000/sse' }, 'sse'],
    [{ transport: 'sse', type: 'sse', url: 'http://127.0.0.1:3000/sse' }, 'sse'],
  ])('reads transport of %j as %s', (server, transport) => {
    expect(valid({ mcpServers: { s: server } }).servers[0]?.transport).toBe(transport);
  });

  it('reads grants and settings', () => {
    const config = valid({
      grants: {
        alice: { created: '2026-01-31T12:00:00Z' },
        'ci-bot': { created: '2026-02-01T00:00:00.000Z' },
      },
      settings: {
        port: 0,
        maxBodyBytes: 1024,
        maxMessageBytes: 1048576,
        upstreamTimeout: '2m',
        approvalTimeout: '5m',
        maxPendingApprovals: 20,
        maxPendingApprovalsPerGrant: 3,
        retentionDays: 7,
        notifications: false,
        notificationSound: true,
        changedToolDefinitions: 'refuse',
        redaction: { patterns: ['acct-[0-9]{6}'], fields: ['ssn'] },
      },
    });
    expect(config.grants).toEqual([
      { name: 'alice', created: '2026-01-31T12:00:00Z' },
      { name: 'ci-bot', created: '2026-02-01T00:00:00.000Z' },
    ]);
    expect(config.settings).toEqual({
      port: 0,
      maxBodyBytes: 1024,
      maxMessageBytes: 1048576,
      upstreamTimeoutMs: 120_000,
      approvalTimeoutMs: 300_000,
      maxPendingApprovals: 20,
      maxPendingApprovalsPerGrant: 3,
      retentionDays: 7,
      notifications: false,
      notificationSound: true,
      changedToolDefinitions: 'refuse',
      redaction: { patterns: ['acct-[0-9]{6}'], fields: ['ssn'] },
    });
    expect(valid({}).settings.changedToolDefinitions).toBe('hold');
    expect(parseConfig(JSON.stringify({ settings: { changedToolDefinitions: 'ask' } })).ok).toBe(
      false,
    );
  });

  it('reads upstreamTimeout given in seconds', () => {
    expect(valid({ settings: { upstreamTimeout: 30 } }).settings.upstreamTimeoutMs).toBe(30_000);
  });

  it('keeps a "__proto__" env name as data', () => {
    const config = valid('{"mcpServers":{"s":{"command":"x","env":{"__proto__":"v"}}}}');
    const server = config.servers[0];
    expect(server?.transport === 'stdio' && Object.getPrototypeOf(server.env)).toBe(
      Object.prototype,
    );
    expect(server?.transport === 'stdio' && Object.keys(server.env)).toEqual(['__proto__']);
  });

  it.each<[string, unknown, string, RegExp]>([
    [
      'bad server id',
      { mcpServers: { 'my server': { command: 'x' } } },
      '/mcpServers/my server',
      /invalid server id/,
    ],
    [
      'server id with a slash',
      { mcpServers: { 'a/b': { command: 'x' } } },
      '/mcpServers/a~1b',
      /invalid server id/,
    ],
    [
      'server id too long',
      { mcpServers: { ['a'.repeat(65)]: { command: 'x' } } },
      `/mcpServers/${'a'.repeat(65)}`,
      /invalid server id/,
    ],
    [
      'both command and url',
      { mcpServers: { s: { command: 'x', url: 'http://h' } } },
      '/mcpServers/s',
      /not both/,
    ],
    [
      'neither command nor url',
      { mcpServers: { s: { args: [] } } },
      '/mcpServers/s',
      /missing "command".*or "url"/,
    ],
    [
      'url not http',
      { mcpServers: { s: { url: 'ftp://h/x' } } },
      '/mcpServers/s/url',
      /http:\/\/ or https:\/\//,
    ],
    [
      'url not a url',
      { mcpServers: { s: { url: 'localhost:3000' } } },
      '/mcpServers/s/url',
      /http:\/\/ or https:\/\//,
    ],
    [
      'stdio transport with url',
      { mcpServers: { s: { transport: 'stdio', url: 'http://h' } } },
      '/mcpServers/s/url',
      /stdio server is started with "command"/,
    ],
    [
      'http transport with command',
      { mcpServers: { s: { type: 'http', command: 'x' } } },
      '/mcpServers/s/command',
      /reached by "url"/,
    ],
    [
      'headers on stdio',
      { mcpServers: { s: { command: 'x', headers: {} } } },
      '/mcpServers/s/headers',
      /only to HTTP servers/,
    ],
    [
      'env on http',
      { mcpServers: { s: { url: 'http://h', env: {} } } },
      '/mcpServers/s/env',
      /only to stdio servers/,
    ],
    [
      'unknown transport',
      { mcpServers: { s: { type: 'websocket', url: 'http://h' } } },
      '/mcpServers/s/type',
      /must be one of "stdio", "http", "streamable-http", "streamableHttp", "sse"/,
    ],
    [
      'contradicting transports',
      { mcpServers: { s: { type: 'sse', transport: 'http', url: 'http://h' } } },
      '/mcpServers/s/type',
      /contradicts/,
    ],
    [
      'unknown server key',
      { mcpServers: { s: { command: 'x', disabled: true } } },
      '/mcpServers/s/disabled',
      /unknown key "disabled" \(allowed: command, args, env, cwd, url, headers, transport, type\)/,
    ],
    [
      'args not strings',
      { mcpServers: { s: { command: 'x', args: ['a', 1] } } },
      '/mcpServers/s/args/1',
      /must be a string/,
    ],
    [
      'env value not a string',
      { mcpServers: { s: { command: 'x', env: { A: 1 } } } },
      '/mcpServers/s/env/A',
      /must be a string/,
    ],
    [
      'empty command',
      { mcpServers: { s: { command: '' } } },
      '/mcpServers/s/command',
      /must not be empty/,
    ],
    [
      'bad grant name',
      { grants: { 'bad name': { created: '2026-01-01T00:00:00Z' } } },
      '/grants/bad name',
      /invalid grant name/,
    ],
    [
      'grant without created',
      { grants: { alice: {} } },
      '/grants/alice',
      /missing required key "created"/,
    ],
    [
      'grant with bad created',
      { grants: { alice: { created: 'yesterday' } } },
      '/grants/alice/created',
      /date and time/,
    ],
    [
      'unknown top-level key',
      { servers: {} },
      '/servers',
      /unknown key "servers" \(allowed: mcpServers, grants, settings\)/,
    ],
    ['port out of range', { settings: { port: 70000 } }, '/settings/port', /must be <= 65535/],
    ['port not an integer', { settings: { port: '80' } }, '/settings/port', /must be an integer/],
    [
      'maxBodyBytes too small',
      { settings: { maxBodyBytes: 10 } },
      '/settings/maxBodyBytes',
      /must be >= 1024/,
    ],
    [
      'bad approvalTimeout',
      { settings: { approvalTimeout: 'later' } },
      '/settings/approvalTimeout',
      /"later" is not a duration/,
    ],
    [
      'invalid redaction pattern',
      { settings: { redaction: { patterns: ['ok', '(unclosed'] } } },
      '/settings/redaction/patterns/1',
      /./,
    ],
    [
      'notifications as text',
      { settings: { notifications: 'yes' } },
      '/settings/notifications',
      /must be true or false/,
    ],
    [
      'zero retentionDays',
      { settings: { retentionDays: 0 } },
      '/settings/retentionDays',
      /must be >= 1/,
    ],
    [
      'bad upstreamTimeout',
      { settings: { upstreamTimeout: 'soon' } },
      '/settings/upstreamTimeout',
      /"soon" is not a duration/,
    ],
    [
      'zero upstreamTimeout',
      { settings: { upstreamTimeout: 0 } },
      '/settings/upstreamTimeout',
      /positive/,
    ],
    ['unknown setting', { settings: { theme: 'dark' } }, '/settings/theme', /unknown key "theme"/],
    ['not an object', [], '', /must be an object/],
  ])('%s', (_name, config, path, message) => {
    const found = problems(config);
    expect(found).toContainEqual(
      expect.objectContaining({ path, message: expect.stringMatching(message) }),
    );
    for (const problem of found) expect(problem.line).toBeGreaterThanOrEqual(1);
  });

  it('reports several problems with line and column', () => {
    const text = `{
  "mcpServers": {
    "bad id": { "command": "x" },
    "web": { "url": "ftp://example.com" }
  },
  "settings": { "port": -1 }
}`;
    expect(problems(text)).toEqual([
      {
        path: '/mcpServers/bad id',
        message: expect.stringContaining('invalid server id'),
        line: 3,
        column: 5,
      },
      {
        path: '/mcpServers/web/url',
        message: expect.stringContaining('http://'),
        line: 4,
        column: 21,
      },
      { path: '/settings/port', message: 'must be >= 0 (got -1)', line: 6, column: 25 },
    ]);
  });

  it('reports JSON syntax errors with line and column', () => {
    expect(problems('{\n  "grants": {},\n}')).toEqual([
      { path: '', message: 'trailing commas are not allowed in JSON', line: 3, column: 1 },
    ]);
  });
});
