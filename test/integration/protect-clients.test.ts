// Protect and Unprotect on a temporary home holding a sample config of each MCP client: Airlock runs
// for real (port 0, SQLite in a temp folder, real upstream servers), and after Protect an SDK client
// configured exactly as the rewritten file says (the bridge command it names, or the URL and
// headers it gives) reaches the imported server through Airlock under the default policy. Unprotect
// puts the original bytes back. Needs `npm run build` (the bridge runs bin/airlock.js).
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Runtime } from '../../src/main/runtime';
import type { ClientId } from '../../src/shared/mcp-clients';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import {
  apiCall,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  REPO_ROOT,
  startAirlock,
  textOf,
} from '../helpers/airlock-harness';

const UPSTREAM_KEY = 'Bearer hitl_upstream_key_0123456789';

let home: string;
let project: string;
let dataDir: string;
let runtime: Runtime;
let upstream: MeatspaceHttp;
const originals = new Map<string, Buffer>();

/** Where each client's sample config goes in the temporary home (Linux layout). */
const FILES = {
  'claude-desktop': () => join(home, '.config/Claude/claude_desktop_config.json'),
  'claude-code': () => join(home, '.claude.json'),
  cursor: () => join(home, '.cursor/mcp.json'),
  vscode: () => join(home, '.config/Code/User/mcp.json'),
  windsurf: () => join(home, '.codeium/windsurf/mcp_config.json'),
} satisfies Record<ClientId, () => string>;

/** The MeatSpace stand-in over stdio; `marker` makes each client's entry a server of its own. */
function meatspace(marker: string, env: Record<string, string> = {}) {
  return { ...fixtureCommand('meatspace-server.ts', 'stdio'), env: { CLIENT: marker, ...env } };
}

function write(file: string, text: string) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  // As an editor leaves it: readable by everyone on the machine.
  chmodSync(file, 0o644);
  originals.set(file, readFileSync(file));
}

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'out/main/cli.js')))
    throw new Error('run `npm run build` before these tests');
  upstream = await startMeatspaceHttp({ authorization: UPSTREAM_KEY });
  home = mkdtempSync(join(tmpdir(), 'airlock-home-'));
  project = join(home, 'src', 'app');
  write(
    FILES['claude-desktop'](),
    JSON.stringify(
      {
        mcpServers: { meatspace: meatspace('desktop', { MEATSPACE_KEY: 'hitl_desktop_secret' }) },
        globalShortcut: 'Ctrl+Space',
      },
      null,
      2,
    ),
  );
  write(
    FILES['claude-code'](),
    JSON.stringify({
      numStartups: 12,
      mcpServers: { status: { type: 'stdio', ...meatspace('code') } },
      // The person approved the project's server in Claude Code (it asks before starting one).
      projects: { [project]: { allowedTools: [], enabledMcpjsonServers: ['remote'] } },
    }),
  );
  write(
    join(project, '.mcp.json'),
    JSON.stringify(
      {
        mcpServers: {
          remote: { type: 'http', url: upstream.url, headers: { Authorization: UPSTREAM_KEY } },
        },
      },
      null,
      2,
    ),
  );
  write(
    FILES.cursor(),
    `{\n\t// Cursor's own\n\t"mcpServers": {\n\t\t"meatspace": ${JSON.stringify(meatspace('cursor'))}\n\t}\n}\n`,
  );
  write(
    FILES.vscode(),
    `{\n  "inputs": [],\n  "servers": {\n    "meatspace": ${JSON.stringify({ type: 'stdio', ...meatspace('vscode') })},\n  },\n}\n`,
  );
  write(
    FILES.windsurf(),
    JSON.stringify({
      mcpServers: {
        meatspace: { serverUrl: upstream.url, headers: { Authorization: UPSTREAM_KEY } },
      },
    }),
  );
  dataDir = makeDataDir({ mcpServers: {} });
  runtime = await startAirlock(dataDir, undefined, {
    clientLocations: { home, platform: 'linux', env: {} },
  });
}, 30_000);

afterAll(async () => {
  await runtime?.close();
  await upstream?.close();
  if (dataDir) removeDataDir(dataDir);
  if (home) rmSync(home, { recursive: true, force: true });
});

function entryOf(file: string, path: string[]): Record<string, unknown> {
  let value: unknown = JSON.parse(
    readFileSync(file, 'utf8')
      .replace(/^\s*\/\/.*$/gm, '')
      .replace(/,(\s*[}\]])/g, '$1'),
  );
  for (const key of path) value = (value as Record<string, unknown>)[key];
  return value as Record<string, unknown>;
}

/** An SDK client set up exactly as the client's config entry says. */
async function connectAs(entry: Record<string, unknown>): Promise<Client> {
  let transport: Transport;
  if (typeof entry['command'] === 'string') {
    transport = new StdioClientTransport({
      command: entry['command'],
      args: entry['args'] as string[],
      env: { ...getDefaultEnvironment(), ...(entry['env'] as Record<string, string>) },
      stderr: 'pipe',
    });
  } else {
    const url = (entry['url'] ?? entry['serverUrl']) as string;
    transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: entry['headers'] as Record<string, string> },
    });
  }
  const client = new Client({ name: 'protected-client', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  return client;
}

/** The read-only tool runs; minting a key waits for a person, who denies it here. */
async function expectDefaultPolicy(client: Client, server: string) {
  const status = await client.callTool({ name: 'get_service_status', arguments: {} });
  expect(status.isError).toBeFalsy();
  expect(textOf(status)).toContain('operational');
  const minting = client.callTool(
    { name: 'provision_api_key', arguments: { name: 'k', email: 'a@example.com' } },
    undefined,
    { timeout: 30_000 },
  );
  let held;
  for (let attempt = 0; attempt < 500 && held === undefined; attempt++) {
    const { approvals } = await apiCall(runtime, 'approvals.list', {});
    held = approvals.find((a) => a.server === server && a.tool === 'provision_api_key');
    if (held === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(held).toBeDefined();
  await apiCall(runtime, 'approvals.decide', { id: held!.id, decision: 'deny' });
  const refused = await minting;
  expect(refused.isError).toBe(true);
  expect(textOf(refused)).toMatch(/a person denied the call/);
}

async function protect(client: ClientId) {
  const plan = await apiCall(runtime, 'clients.preview', { client });
  return apiCall(runtime, 'clients.protect', { client, basis: plan.basis });
}

describe('the clients on this machine', () => {
  it('are found where each keeps its config, with their servers', async () => {
    const { clients, bridge } = await apiCall(runtime, 'clients.detect', {});
    expect(bridge).toMatchObject({ ok: true, command: process.execPath, dataDir });
    const servers = Object.fromEntries(
      clients.map((c) => [c.id, c.files.flatMap((f) => f.servers.map((s) => s.name))]),
    );
    expect(servers).toEqual({
      'claude-desktop': ['meatspace'],
      'claude-code': ['status', 'remote'],
      cursor: ['meatspace'],
      vscode: ['meatspace'],
      windsurf: ['meatspace'],
    });
    // The VS Code settings.json that is not there is listed as such.
    const vscode = clients.find((c) => c.id === 'vscode')!;
    expect(vscode.files.map((f) => [f.label, f.exists])).toEqual([
      ['user mcp.json', true],
      ['user settings.json', false],
    ]);
    // Never a value of a server's env or headers.
    expect(JSON.stringify(clients)).not.toMatch(/hitl_/);
  });
});

describe.each([
  ['claude-desktop', FILES['claude-desktop'], ['mcpServers', 'meatspace']],
  ['cursor', FILES.cursor, ['mcpServers', 'meatspace']],
  ['vscode', FILES.vscode, ['servers', 'meatspace']],
  ['windsurf', FILES.windsurf, ['mcpServers', 'meatspace']],
] as const)('%s', (client, file, path) => {
  it('once protected, reaches its server through Airlock under the default policy; unprotected, is its original bytes', async () => {
    const result = await protect(client);
    expect(result.grant).toBe(client);
    const server = result.servers[0]!;
    expect(server.policy).toBe('written');
    expect(server.allowed).toEqual(['get_service_status']);
    expect(server.needsApproval).toEqual(['ask_human', 'provision_api_key']);

    // It now holds the grant's token: no one but the user may read it.
    if (process.platform !== 'win32') expect(statSync(file()).mode & 0o777).toBe(0o600);
    const entry = entryOf(file(), [...path]);
    const agent = await connectAs(entry);
    try {
      await expectDefaultPolicy(agent, server.id);
    } finally {
      await agent.close();
    }
    // The call went through Airlock, under the client's own grant.
    const { calls } = await apiCall(runtime, 'history.query', { grant: client, limit: 5 });
    expect(calls.map((c) => c.tool)).toContain('get_service_status');

    const undone = await apiCall(runtime, 'clients.unprotect', { client });
    expect(undone.restored).toEqual([{ path: file(), how: 'bytes' }]);
    expect(readFileSync(file()).equals(originals.get(file())!)).toBe(true);
    if (process.platform !== 'win32') expect(statSync(file()).mode & 0o777).toBe(0o644);
    expect(existsSync(`${file()}.airlock-backup`)).toBe(false);
    const { grants } = await apiCall(runtime, 'grants.list', {});
    expect(grants.map((g) => g.name)).not.toContain(client);
    const { servers } = await apiCall(runtime, 'servers.list', {});
    expect(servers.map((s) => s.id)).not.toContain(server.id);
  }, 60_000);
});

describe('claude-code', () => {
  it('protects the user scope and a project’s .mcp.json, each reaching its server', async () => {
    const result = await protect('claude-code');
    expect(result.files.map((f) => f.path)).toEqual([
      FILES['claude-code'](),
      join(project, '.mcp.json'),
    ]);
    // The rest of ~/.claude.json is Claude Code's and stays.
    expect(JSON.parse(readFileSync(FILES['claude-code'](), 'utf8')).numStartups).toBe(12);

    for (const [file, path] of [
      [FILES['claude-code'](), ['mcpServers', 'status']],
      [join(project, '.mcp.json'), ['mcpServers', 'remote']],
    ] as const) {
      const entry = entryOf(file, [...path]);
      expect(entry['type']).toBe('http');
      const agent = await connectAs(entry);
      try {
        await expectDefaultPolicy(agent, path[1] === 'status' ? 'status' : 'remote');
      } finally {
        await agent.close();
      }
    }

    // The project's key went to the secret store: in neither config.json nor the rewritten file.
    expect(readFileSync(join(dataDir, 'config.json'), 'utf8')).not.toContain('hitl_upstream');
    expect(readFileSync(join(project, '.mcp.json'), 'utf8')).not.toContain('hitl_upstream');
    expect(readFileSync(join(dataDir, 'upstream-secrets.json'), 'utf8')).toContain('hitl_upstream');

    // Claude Code rewrote its file meanwhile (as it does at every start): Unprotect keeps that.
    const current = JSON.parse(readFileSync(FILES['claude-code'](), 'utf8'));
    current.numStartups = 13;
    writeFileSync(FILES['claude-code'](), JSON.stringify(current, null, 2));
    const undone = await apiCall(runtime, 'clients.unprotect', { client: 'claude-code' });
    expect(undone.restored).toEqual([
      { path: FILES['claude-code'](), how: 'entries' },
      { path: join(project, '.mcp.json'), how: 'bytes' },
    ]);
    const restored = JSON.parse(readFileSync(FILES['claude-code'](), 'utf8'));
    expect(restored.numStartups).toBe(13);
    expect(restored.mcpServers).toEqual({ status: { type: 'stdio', ...meatspace('code') } });
    const project_ = join(project, '.mcp.json');
    expect(readFileSync(project_).equals(originals.get(project_)!)).toBe(true);
  }, 60_000);
});

describe('refusals', () => {
  it('Unprotect refuses, saying why, when the person changed what Airlock wrote', async () => {
    await protect('cursor');
    const edited = readFileSync(FILES.cursor(), 'utf8').replace(
      '"meatspace": {',
      '"meatspace": {\n\t\t\t"disabled": true,',
    );
    writeFileSync(FILES.cursor(), edited);
    await expect(apiCall(runtime, 'clients.unprotect', { client: 'cursor' })).rejects.toThrow(
      /HTTP 409: .*mcp\.json was changed since Airlock protected it: the entry for "meatspace" is not what Airlock wrote/,
    );
    expect(readFileSync(FILES.cursor(), 'utf8')).toBe(edited);
    // Put back as Airlock wrote it, Unprotect goes through.
    writeFileSync(FILES.cursor(), edited.replace('\n\t\t\t"disabled": true,', ''));
    await apiCall(runtime, 'clients.unprotect', { client: 'cursor' });
    expect(readFileSync(FILES.cursor()).equals(originals.get(FILES.cursor())!)).toBe(true);
  }, 30_000);

  it('leaves a config Airlock cannot parse untouched, with a clear message', async () => {
    const broken = '{ "mcpServers": { "meatspace": { "serverUrl": "http://x" } ';
    writeFileSync(FILES.windsurf(), broken);
    const { clients } = await apiCall(runtime, 'clients.detect', {});
    const windsurf = clients.find((c) => c.id === 'windsurf')!;
    expect(windsurf.files[0]!.problem).toMatch(
      /^Airlock cannot parse it, so it leaves it untouched: it has a syntax error at line 1, column \d+/,
    );
    await expect(apiCall(runtime, 'clients.protect', { client: 'windsurf' })).rejects.toThrow(
      /HTTP 400: Nothing to protect/,
    );
    expect(readFileSync(FILES.windsurf(), 'utf8')).toBe(broken);
    expect(existsSync(`${FILES.windsurf()}.airlock-backup`)).toBe(false);
  });
});
