// Servers added, changed, tested and removed through the app API while Airlock runs: real
// config.json edits, real upstream processes and HTTP servers, real SDK clients as agents.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addGrant,
  apiCall,
  connectClient,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  SEED_POLICY_FILE,
  startAirlock,
  textOf,
  writePolicy,
} from '../helpers/airlock-harness';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import { silentLogger } from '../../src/main/core/ports';
import type { Runtime } from '../../src/main/runtime';

const PROBE_TIMEOUT_MS = 1500;

// Hand-kept formatting (tabs, two keys on a line) and unrelated keys: all must survive an edit.
const CONFIG_TEXT = `{
\t"settings": { "retentionDays": 30 },
\t"mcpServers": {
\t\t"keeper": {
\t\t\t"command": "node",   "args": ["kept.js"]
\t\t}
\t}
}
`;

let dataDir: string;
let runtime: Runtime;
let token: string;

beforeEach(async () => {
  dataDir = makeDataDir({}, { meatspace: readFileSync(SEED_POLICY_FILE, 'utf8') });
  writeFileConfig(CONFIG_TEXT);
  token = addGrant(dataDir, 'agent');
  runtime = await startAirlock(dataDir, silentLogger, { probeTimeoutMs: PROBE_TIMEOUT_MS });
});

afterEach(async () => {
  await runtime.close();
  removeDataDir(dataDir);
});

/** makeDataDir writes JSON.stringify output; this replaces it with hand-formatted text. */
function writeFileConfig(text: string) {
  writeFileSync(join(dataDir, 'config.json'), text);
}

const configText = () => readFileSync(join(dataDir, 'config.json'), 'utf8');

async function initializeStatus(serverId: string): Promise<number> {
  const response = await fetch(runtime.endpointFor(serverId), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'x', version: '1' },
      },
    }),
  });
  await response.body?.cancel();
  return response.status;
}

describe('servers added, changed and removed in a running Airlock', () => {
  it('serves an added server at once, runs the new command after an update, and answers 404 after removal', async () => {
    writePolicy(dataDir, 'meatspace', {
      version: '1',
      default: 'deny',
      tools: { get_service_status: { action: 'allow' }, echo: { action: 'allow' } },
    });
    await expect.poll(() => runtime.policies.get('meatspace').policy?.tools.size).toBe(2);
    const before = configText();
    const meatspace = fixtureCommand('meatspace-server.ts', 'stdio');
    const { server } = await apiCall(runtime, 'servers.add', {
      id: 'meatspace',
      config: meatspace,
    });
    expect(server).toMatchObject({
      id: 'meatspace',
      transport: 'stdio',
      endpoint: runtime.endpointFor('meatspace'),
      policy: { errors: [] },
    });
    expect(server.policy.hash).toBeDefined();
    expect(runtime.servers.map((s) => s.id)).toEqual(['keeper', 'meatspace']);

    const agent = await connectClient(runtime, 'meatspace', token);
    const status = await agent.callTool({ name: 'get_service_status', arguments: {} });
    expect(status.isError).toBeFalsy();
    expect(textOf(status)).toContain('operational');

    // The new entry went into the file in the file's own indentation; nothing else moved.
    const added = configText();
    expect(added.startsWith(before.slice(0, before.indexOf('\t\t}') + 3))).toBe(true);
    expect(added).toContain('\t\t"meatspace": {\n\t\t\t"command": ');

    // The update swaps the program: the open session is closed, a new one reaches the new server.
    const faulty = fixtureCommand('faulty-server.ts');
    await apiCall(runtime, 'servers.update', { id: 'meatspace', config: faulty });
    await expect(agent.listTools()).rejects.toThrow();
    await agent.close();
    const again = await connectClient(runtime, 'meatspace', token);
    expect((await again.listTools()).tools.map((t) => t.name)).toEqual(['echo']);
    const echo = await again.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(textOf(echo)).toBe('hi');

    // Removal: sessions closed, endpoint gone, config.json back to the bytes it started with.
    const removed = await apiCall(runtime, 'servers.remove', { id: 'meatspace' });
    expect(removed.policyFile).toBe(join(dataDir, 'policies', 'meatspace.json'));
    await expect(again.listTools()).rejects.toThrow();
    await again.close();
    expect(await initializeStatus('meatspace')).toBe(404);
    expect(configText()).toBe(before);
    // The policy file stays, for when the server comes back.
    expect(JSON.parse(readFileSync(removed.policyFile, 'utf8')).tools.echo).toEqual({
      action: 'allow',
    });
    expect((await apiCall(runtime, 'servers.list', {})).servers.map((s) => s.id)).toEqual([
      'keeper',
    ]);
  });

  it('keeps header values it never showed, and sends them upstream', async () => {
    const seen: (string | undefined)[] = [];
    const upstream: MeatspaceHttp = await startMeatspaceHttp({
      onRequest: (headers) => seen.push(headers['x-api-key'] as string | undefined),
    });
    try {
      await apiCall(runtime, 'servers.add', {
        id: 'remote',
        config: { url: upstream.url, headers: { 'X-Api-Key': 'secret-value-1' } },
      });
      const { server } = await apiCall(runtime, 'servers.get', { id: 'remote' });
      expect(server).toEqual({
        id: 'remote',
        transport: 'http',
        url: upstream.url,
        envKeys: [],
        headerKeys: ['X-Api-Key'],
      });
      const listed = JSON.stringify(await apiCall(runtime, 'servers.list', {}));
      expect(listed).not.toContain('secret-value-1');

      await apiCall(runtime, 'servers.update', {
        id: 'remote',
        config: { url: upstream.url, headers: { 'X-Other': 'o' } },
        keep: { headers: ['X-Api-Key'] },
      });
      // config.json refers to both values; the store (a file here: no keychain in tests) has them.
      expect(JSON.parse(configText()).mcpServers.remote.headers).toEqual({
        'X-Other': { secret: 'remote/headers/X-Other' },
        'X-Api-Key': { secret: 'remote/headers/X-Api-Key' },
      });
      expect(JSON.parse(readFileSync(join(dataDir, 'upstream-secrets.json'), 'utf8'))).toEqual({
        'remote/headers/X-Api-Key': 'secret-value-1',
        'remote/headers/X-Other': 'o',
      });
      writePolicy(dataDir, 'remote', { version: '1', default: 'allow', tools: {} });
      const tools = await apiCall(runtime, 'servers.tools', { server: 'remote', refresh: true });
      expect(tools.tools.map((t) => t.name).sort()).toEqual([
        'ask_human',
        'get_service_status',
        'provision_api_key',
      ]);
      expect(seen.at(-1)).toBe('secret-value-1');
    } finally {
      await upstream.close();
    }
  });
});

describe('servers.tools', () => {
  it("gives each of the MeatSpace fixture's tools the risk the policy gives it", async () => {
    writePolicy(dataDir, 'meatspace', {
      version: '1',
      default: 'deny',
      tools: {
        get_service_status: { action: 'allow' },
        provision_api_key: {
          limits: [{ counter: 'k', window: 'minute', max: 30, scope: 'grant' }],
        },
        ask_human: { action: 'require_approval' },
      },
      grants: { agent: { tools: { ask_human: { action: 'deny', reason: 'not this one' } } } },
    });
    await apiCall(runtime, 'servers.add', {
      id: 'meatspace',
      config: fixtureCommand('meatspace-server.ts', 'stdio'),
    });
    await expect.poll(() => runtime.policies.get('meatspace').policy?.tools.size).toBe(3);
    const { tools, unknownInPolicy } = await apiCall(runtime, 'servers.tools', {
      server: 'meatspace',
    });
    const risks = Object.fromEntries(tools.map((t) => [t.name, t.risk.risk]));
    expect(risks).toEqual({
      ask_human: 'needs_approval',
      get_service_status: 'allowed',
      provision_api_key: 'limited',
    });
    expect(tools.find((t) => t.name === 'ask_human')?.risk.grants).toEqual([
      {
        grant: 'agent',
        risk: 'denied',
        rule: '/grants/agent/tools/ask_human',
        reason: 'not this one',
      },
    ]);
    expect(tools.find((t) => t.name === 'provision_api_key')?.params).toEqual([
      expect.objectContaining({ name: 'name', type: 'string', required: true }),
      expect.objectContaining({ name: 'email', type: 'string', required: true }),
    ]);
    expect(unknownInPolicy).toEqual([]);
  });
});

describe('servers.test', () => {
  it('connects to a good entry and reports its name and tools, saving nothing', async () => {
    const before = configText();
    const result = await apiCall(runtime, 'servers.test', {
      config: fixtureCommand('meatspace-server.ts', 'stdio'),
    });
    expect(result).toMatchObject({
      ok: true,
      serverName: 'meatspace',
      serverVersion: '1.4.0',
      tools: 3,
    });
    expect(configText()).toBe(before);
    expect(runtime.servers.map((s) => s.id)).toEqual(['keeper']);
  });

  it('reports a command that does not exist quickly', async () => {
    const started = Date.now();
    const result = await apiCall(runtime, 'servers.test', {
      config: { command: 'airlock-no-such-command-xyz' },
    });
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.error).toContain('Cannot start "airlock-no-such-command-xyz"');
    expect(Date.now() - started).toBeLessThan(PROBE_TIMEOUT_MS);
  });

  it('gives up on a server that never answers within the bound', async () => {
    const started = Date.now();
    const result = await apiCall(runtime, 'servers.test', {
      config: {
        command: process.execPath,
        args: ['-e', 'process.stderr.write("warming up\\n"); setInterval(() => {}, 1000)'],
      },
    });
    const took = Date.now() - started;
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/no answer within 1\.5 s.*warming up/s);
    expect(took).toBeGreaterThanOrEqual(PROBE_TIMEOUT_MS - 50);
    expect(took).toBeLessThan(PROBE_TIMEOUT_MS + 1500);
  });

  it('reports a URL nobody listens on', async () => {
    const result = await apiCall(runtime, 'servers.test', {
      config: { url: 'http://127.0.0.1:9/mcp' },
    });
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.error).toContain('Cannot reach http://127.0.0.1:9/mcp');
  });
});
