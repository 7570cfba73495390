// The published policy format end to end: the seed's policy.json dropped in unchanged, enforced
// on a MeatSpace-like server reached over Streamable HTTP and over stdio.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import {
  addGrant,
  connectClient,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  SEED_POLICY_FILE,
  startAirlock,
  textOf,
} from '../helpers/airlock-harness';
import type { Runtime } from '../../src/main/runtime';

const seedPolicy = readFileSync(SEED_POLICY_FILE, 'utf8');

let upstream: MeatspaceHttp;
let dataDir: string;
let runtime: Runtime;
let alice: string;
let bob: string;
const upstreamHeaders: Record<string, string | string[] | undefined>[] = [];

beforeAll(async () => {
  upstream = await startMeatspaceHttp({ onRequest: (headers) => upstreamHeaders.push(headers) });
  dataDir = makeDataDir(
    {
      mcpServers: {
        meatspace: { url: upstream.url, headers: { authorization: 'Bearer upstream-secret' } },
        'meatspace-stdio': fixtureCommand('meatspace-server.ts', 'stdio'),
      },
    },
    { meatspace: seedPolicy, 'meatspace-stdio': seedPolicy },
  );
  alice = addGrant(dataDir, 'alice');
  bob = addGrant(dataDir, 'bob');
  runtime = await startAirlock(dataDir);
});

afterAll(async () => {
  await runtime?.close();
  await upstream?.close();
  removeDataDir(dataDir);
});

let emails = 0;
function provision(client: Client) {
  return client.callTool({
    name: 'provision_api_key',
    arguments: { name: 'agent key', email: `user${++emails}@example.com` },
  });
}

describe.each(['meatspace', 'meatspace-stdio'])('the seed policy on %s', (serverId) => {
  it('lists only the tools the policy allows', async () => {
    const client = await connectClient(runtime, serverId, alice);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['provision_api_key']);
    await client.close();
  });

  it('refuses tools the policy does not list, with the rule that refused them', async () => {
    const client = await connectClient(runtime, serverId, alice);
    const result = await client.callTool({
      name: 'ask_human',
      arguments: {
        agent_name: 'a',
        title: 'q',
        choices: [
          { id: '1', label: 'x' },
          { id: '2', label: 'y' },
        ],
      },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/ask_human/);
    expect(textOf(result)).toMatch(/\/default/);
    const status = await client.callTool({ name: 'get_service_status', arguments: {} });
    expect(status.isError).toBe(true);
    await client.close();
  });

  it('answers an unknown tool with JSON-RPC error -32602', async () => {
    const client = await connectClient(runtime, serverId, alice);
    await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toMatchObject({
      code: -32602,
    });
    await client.close();
  });
});

describe('provision_api_key under the seed limit (30 per minute per grant)', () => {
  it('lets 30 calls through, refuses the 31st with a retry time, and gives each grant its own 30', async () => {
    const client = await connectClient(runtime, 'meatspace', alice);
    for (let call = 1; call <= 30; call++) {
      const result = await provision(client);
      expect(result.isError, `call ${call}: ${textOf(result)}`).toBeFalsy();
      expect((result.structuredContent as { api_key: string }).api_key).toMatch(
        /^hitl_[A-Za-z0-9_-]{40}$/,
      );
    }
    const refused = await provision(client);
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/provision_api_key_rate/);
    expect(textOf(refused)).toMatch(/retry in \d+ (s|min)/);
    const retryAfterMs = (refused._meta?.['airlock/decision'] as { retryAfterMs: number })
      .retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);

    const other = await connectClient(runtime, 'meatspace', bob);
    for (let call = 1; call <= 30; call++) expect((await provision(other)).isError).toBeFalsy();
    expect((await provision(other)).isError).toBe(true);
    await Promise.all([client.close(), other.close()]);
  });

  it('keeps counting across a restart of Airlock, up to the calls made just before it stopped', async () => {
    // bob's 30 calls ended moments ago, inside the counters' 100 ms write batch: stopping
    // Airlock must write them, or bob would get a fresh budget.
    await runtime.close();
    runtime = await startAirlock(dataDir);
    for (const grant of [alice, bob]) {
      const client = await connectClient(runtime, 'meatspace', grant);
      const refused = await provision(client);
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/retry in/);
      await client.close();
    }
  });

  it('keeps a separate budget per upstream server', async () => {
    // bob used up his 30 on "meatspace"; the same counter name in another server's policy is
    // that server's own counter.
    const client = await connectClient(runtime, 'meatspace-stdio', bob);
    const result = await provision(client);
    expect(result.isError, textOf(result)).toBeFalsy();
    await client.close();
  });
});

describe('credentials', () => {
  it('never sends the agent’s token upstream, only the configured upstream headers', async () => {
    const secret = alice;
    expect(upstreamHeaders.length).toBeGreaterThan(0);
    for (const headers of upstreamHeaders) {
      expect(JSON.stringify(headers)).not.toContain(secret);
      expect(headers.authorization).toBe('Bearer upstream-secret');
    }
  });
});
