// `airlock clients`, `airlock protect` and `airlock unprotect` as a person runs them: the built CLI
// in a child process with HOME pointed at a temporary home, beside a running Airlock that picks
// the changes up (the new server in config.json, its policy, the grant), so the protected client
// connects. Needs `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Runtime } from '../../src/main/runtime';
import {
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  REPO_ROOT,
  startAirlock,
} from '../helpers/airlock-harness';

const BIN = join(REPO_ROOT, 'bin/airlock.js');

let home: string;
let dataDir: string;
let runtime: Runtime;
let cursorFile: string;
let original: string;

function airlock(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'out/main/cli.js')))
    throw new Error('run `npm run build` before these tests');
  home = mkdtempSync(join(tmpdir(), 'airlock-cli-home-'));
  cursorFile = join(home, '.cursor', 'mcp.json');
  mkdirSync(join(home, '.cursor'));
  original = JSON.stringify(
    { mcpServers: { meatspace: fixtureCommand('meatspace-server.ts', 'stdio') } },
    null,
    2,
  );
  writeFileSync(cursorFile, original);
  // A name with a terminal escape (clear screen) and a line break, as any installer could write.
  mkdirSync(join(home, '.codeium', 'windsurf'), { recursive: true });
  writeFileSync(
    join(home, '.codeium', 'windsurf', 'mcp_config.json'),
    JSON.stringify({ mcpServers: { 'evil\u001b[2J\nfake': { command: 'x' } } }),
  );
  dataDir = makeDataDir({ mcpServers: {} });
  runtime = await startAirlock(dataDir);
}, 30_000);

afterAll(async () => {
  await runtime?.close();
  if (dataDir) removeDataDir(dataDir);
  if (home) rmSync(home, { recursive: true, force: true });
});

/** Connects as the rewritten entry says, once the running Airlock has noticed the change. */
async function connectWhenServed(url: string, headers: Record<string, string>): Promise<Client> {
  for (let attempt = 0; ; attempt++) {
    const client = new Client({ name: 'cursor', version: '1' }, { capabilities: {} });
    try {
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }),
      );
      return client;
    } catch (error) {
      if (attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

describe('airlock clients, protect and unprotect', () => {
  it('lists the clients with their servers', () => {
    const listed = airlock('clients');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('cursor: Cursor, not protected');
    expect(listed.stdout).toMatch(
      new RegExp(`${cursorFile}.*\\n.*meatspace\\s+stdio\\s+.*\\(direct\\)`),
    );
    expect(listed.stdout).toContain('claude-desktop: Claude Desktop, no config found');
    // What a config file says is printed as text: no escape reaches the terminal.
    expect(listed.stdout).toContain('evil\\u001b[2J\\u000afake  stdio  x  (direct)');
    expect(listed.stdout).not.toContain('\u001b');
  });

  it('prints what a server that cannot start wrote, line by line and still escaped', () => {
    // Claude Code's user scope, with one server that fails at once.
    const crashing = `console.error('first line'); console.error('\\u001b[31msecond line'); process.exit(3)`;
    writeFileSync(
      join(home, '.claude.json'),
      JSON.stringify({
        mcpServers: { crashy: { command: process.execPath, args: ['-e', crashing] } },
      }),
    );
    try {
      const result = airlock('protect', 'claude-code');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /Airlock could not list its tools \(.*first line\n {4}\\u001b\[31msecond line/,
      );
      expect(result.stdout).not.toContain('\\u000a');
      expect(result.stdout).not.toContain('\u001b');
    } finally {
      airlock('unprotect', 'claude-code');
      rmSync(join(home, '.claude.json'), { force: true });
    }
  });

  it('refuses a client it does not know, naming those it does', () => {
    const result = airlock('protect', 'zed');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/claude-desktop, claude-code, cursor, vscode, windsurf/);
  });

  it('shows what would change with --dry-run, and changes nothing', () => {
    const result = airlock('protect', 'cursor', '--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Protecting cursor creates grant cursor.');
    expect(result.stdout).toContain(`backed up to ${cursorFile}.airlock-backup`);
    expect(result.stdout).toContain(`"url": "${runtime.url}/mcp/meatspace"`);
    expect(result.stdout).toContain('Nothing was changed (--dry-run).');
    expect(readFileSync(cursorFile, 'utf8')).toBe(original);
  });

  it('protects a client while Airlock runs, which serves it at once; unprotect puts it back', async () => {
    const protectedRun = airlock('protect', 'cursor');
    expect(protectedRun.code).toBe(0);
    expect(protectedRun.stdout).toContain('Protected Cursor with grant cursor.');
    expect(protectedRun.stdout).toContain('allowed (read-only): get_service_status');
    expect(protectedRun.stdout).toContain('needs approval: ask_human, provision_api_key');

    const entry = JSON.parse(readFileSync(cursorFile, 'utf8')).mcpServers.meatspace;
    expect(entry.url).toBe(`${runtime.url}/mcp/meatspace`);
    const agent = await connectWhenServed(entry.url, entry.headers);
    try {
      const status = await agent.callTool({ name: 'get_service_status', arguments: {} });
      expect(status.isError).toBeFalsy();
    } finally {
      await agent.close();
    }

    const listed = airlock('clients');
    expect(listed.stdout).toMatch(/cursor: Cursor, protected \(grant cursor, since /);
    expect(listed.stdout).toContain('(through Airlock as meatspace)');

    const undone = airlock('unprotect', 'cursor');
    expect(undone.code).toBe(0);
    expect(undone.stdout).toContain(`${cursorFile} restored exactly`);
    expect(undone.stdout).toContain('servers removed from Airlock: meatspace');
    expect(readFileSync(cursorFile, 'utf8')).toBe(original);

    const again = airlock('unprotect', 'cursor');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('airlock: Cursor is not protected.\n');
  }, 60_000);
});
