// How server targets are shown: credentials in URLs and command lines become "***", everything
// else stays as written, so the person still recognises the server.
import { describe, expect, it } from 'vitest';
import { maskServerText, serverTarget } from '../../../../src/main/core/config/server-entry';
import { targetMasker } from '../../../../src/main/core/config/masked-target';
import type { ServerConfig } from '../../../../src/main/core/config/types';
import { createRedactor } from '../../../../src/main/core/redaction/redactor';

const KEY = 'hitl_Q2hhdHR5U2VydmVyS2V5MDEyMzQ1Njc4OWFiY2Rl';
const GITHUB = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const mask = targetMasker(createRedactor());

describe('URLs', () => {
  it.each([
    [
      'https://user:pa55w0rd@host/mcp?api_key=abc123&page=2',
      'https://user:***@host/mcp?api_key=***&page=2',
    ],
    ['https://user:p@ss@host/mcp', 'https://user:***@host/mcp'],
    [`https://${GITHUB}@github.example/mcp`, 'https://***@github.example/mcp'],
    ['https://user:@host/mcp', 'https://user:@host/mcp'],
    [
      'https://host/mcp?key=k1&sig=s1&X-Amz-Signature=s2&access_token=t1&client_secret=c1',
      'https://host/mcp?key=***&sig=***&X-Amz-Signature=***&access_token=***&client_secret=***',
    ],
    ['https://host/mcp?api%5Fkey=abc', 'https://host/mcp?api%5Fkey=***'],
    [`https://host/mcp?q=${KEY}&page=2`, 'https://host/mcp?q=***&page=2'],
    [`https://host/keys/${KEY}/mcp`, 'https://host/keys/***/mcp'],
    ['https://host/cb#access_token=abc&state=1', 'https://host/cb#access_token=***&state=1'],
    ['https://host/mcp?api_key=&page=2', 'https://host/mcp?api_key=&page=2'],
    ['http://127.0.0.1:3001/sse', 'http://127.0.0.1:3001/sse'],
    [
      'https://Meatspace.example/api/mcp?page=2&sort=name',
      'https://Meatspace.example/api/mcp?page=2&sort=name',
    ],
  ])('%s → %s', (url, shown) => {
    expect(mask.url(url)).toBe(shown);
  });
});

describe('command lines', () => {
  it.each([
    [['npx', 'server', '--token', 'abc'], 'npx server --token ***'],
    [['npx', 'server', '--api-key=abc'], 'npx server --api-key=***'],
    [['db-server', '--password', 'x'], 'db-server --password ***'],
    [['server', '--access-token', 'two words'], 'server --access-token ***'],
    [['server', '--key', 'abc', '--sort-by', 'name'], 'server --key *** --sort-by name'],
    [['server', KEY], 'server ***'],
    [
      ['server', `--header=Authorization: Bearer ${KEY}`],
      'server --header=Authorization: Bearer ***',
    ],
    [
      ['server', '--header', 'Authorization: Bearer abc.def'],
      'server --header Authorization: Bearer ***',
    ],
    [
      ['env', 'DB_PASSWORD=hunter2', `GITHUB_TOKEN=${GITHUB}`, 'PORT=3000'],
      'env DB_PASSWORD=*** GITHUB_TOKEN=*** PORT=3000',
    ],
    [
      ['mcp-remote', 'https://u:p4ss@host/mcp?token=t'],
      'mcp-remote https://u:***@host/mcp?token=***',
    ],
    [['server', '--url=https://u:p4ss@host/x'], 'server --url=https://u:***@host/x'],
    [['server', '--token', '--verbose'], 'server --token --verbose'],
    [['server', '--no-auth', 'stdio'], 'server --no-auth stdio'],
    [
      ['npx', '-y', '@modelcontextprotocol/server-everything', '--port', '3000'],
      'npx -y @modelcontextprotocol/server-everything --port 3000',
    ],
  ])('%j → %s', (args, shown) => {
    expect(mask.args(args).join(' ')).toBe(shown);
  });

  it('follows the user’s own field names and patterns', () => {
    const user = targetMasker(createRedactor({ fields: ['tenant'], patterns: ['acct-[0-9]{6}'] }));
    expect(user.args(['server', '--tenant', 'acme', 'acct-123456'])).toEqual([
      'server',
      '--tenant',
      '***',
      '***',
    ]);
    expect(user.url('https://host/mcp?tenant=acme&page=2')).toBe(
      'https://host/mcp?tenant=***&page=2',
    );
  });
});

describe('serverTarget', () => {
  it('shows a stdio server’s command line masked, never its env', () => {
    const server: ServerConfig = {
      id: 's',
      transport: 'stdio',
      command: 'npx',
      args: ['server', '--token', 'abc'],
      env: { API_KEY: 'from-env' },
    };
    expect(serverTarget(server)).toBe('npx server --token ***');
  });

  it('shows an HTTP server’s URL masked', () => {
    const server: ServerConfig = {
      id: 'h',
      transport: 'http',
      url: 'https://user:pw@host/mcp?api_key=abc&page=2',
      headers: {},
    };
    expect(serverTarget(server)).toBe('https://user:***@host/mcp?api_key=***&page=2');
  });
});

describe('maskServerText', () => {
  it('shows the server’s URL masked in an error about it, and redacts the rest', () => {
    const server: ServerConfig = {
      id: 'h',
      transport: 'http',
      url: 'https://user:pw@host/mcp?key=abc',
      headers: {},
    };
    const text = maskServerText(
      `Cannot reach https://user:pw@host/mcp?key=abc: it said ${KEY}`,
      server,
      createRedactor(),
    );
    expect(text).toBe(
      'Cannot reach https://user:***@host/mcp?key=***: it said [redacted:hitl-key]',
    );
  });
});
