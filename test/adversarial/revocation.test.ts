// Finding 6: revoking a grant ends it at once. Real SDK clients hold provision_api_key calls
// against a running Airlock whose MeatSpace fixture runs over stdio, one process per session.
// Revoking one grant, through the app API or with `airlock grants revoke` from another process,
// must refuse its held call with a text naming the revocation, turn a later Allow away with
// nothing run upstream, answer its session's next request with 401 and stop that session's
// upstream process; the other grant's session and held call carry on.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  addGrant,
  apiCall,
  connectClient,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  REPO_ROOT,
  startAirlock,
  textOf,
} from '../helpers/airlock-harness';
import type { Runtime } from '../../src/main/runtime';
import type { Approval } from '../../src/shared/contract';

const BIN = join(REPO_ROOT, 'bin/airlock.js');

const POLICY = {
  version: '1',
  default: 'deny',
  tools: {
    get_service_status: {},
    provision_api_key: {
      action: 'require_approval',
      reason: 'Creates credentials that cannot be recalled',
      approval: { timeout: '5m' },
    },
  },
};

interface Agent {
  grant: string;
  token: string;
  client: Client;
  /** The session's own MeatSpace process. */
  pid: number;
}

interface Setup {
  dataDir: string;
  runtime: Runtime;
  alice: Agent;
  bob: Agent;
  /** Every tools/call the upstream processes received, with the pid that received it. */
  upstreamCalls(): { pid: number; tool: string }[];
}

let current: Setup | undefined;

beforeAll(() => {
  if (!existsSync(join(REPO_ROOT, 'out/main/cli.js')))
    throw new Error('run `npm run build` before these tests');
});

afterEach(async () => {
  if (!current) return;
  for (const agent of [current.alice, current.bob]) await agent.client.close().catch(() => {});
  await current.runtime.close();
  removeDataDir(current.dataDir);
  current = undefined;
});

async function setup(): Promise<Setup> {
  const dataDir = makeDataDir({}, { meatspace: POLICY });
  const traceFile = join(dataDir, 'upstream-trace.jsonl');
  writeFileSync(traceFile, '');
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({
      mcpServers: {
        meatspace: {
          ...fixtureCommand('meatspace-server.ts', 'stdio'),
          env: { MEATSPACE_TRACE_FILE: traceFile },
        },
      },
    }),
  );
  const trace = () =>
    readFileSync(traceFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { pid: number; event: string; tool?: string });
  const tokens = { alice: addGrant(dataDir, 'alice'), bob: addGrant(dataDir, 'bob') };
  const runtime = await startAirlock(dataDir);
  const connect = async (grant: 'alice' | 'bob'): Promise<Agent> => {
    const before = new Set(trace().map((entry) => entry.pid));
    const client = await connectClient(runtime, 'meatspace', tokens[grant]);
    const started = trace().filter((entry) => entry.event === 'start' && !before.has(entry.pid));
    expect(started).toHaveLength(1);
    return { grant, token: tokens[grant], client, pid: started[0]!.pid };
  };
  const alice = await connect('alice');
  const bob = await connect('bob');
  current = {
    dataDir,
    runtime,
    alice,
    bob,
    upstreamCalls: () =>
      trace()
        .filter((entry) => entry.event === 'call')
        .map(({ pid, tool }) => ({ pid, tool: tool ?? '' })),
  };
  return current;
}

function provision(agent: Agent) {
  return agent.client.callTool(
    { name: 'provision_api_key', arguments: { name: 'key', email: `${agent.grant}@example.com` } },
    undefined,
    { timeout: 120_000 },
  );
}

/** Waits until the pending queue shows the grant's held call. */
async function heldCallOf(runtime: Runtime, grant: string): Promise<Approval> {
  let found: Approval | undefined;
  await vi.waitFor(
    async () => {
      const { approvals } = await apiCall(runtime, 'approvals.list', {});
      found = approvals.find((a) => a.grant === grant);
      expect(found).toBeDefined();
    },
    { timeout: 15_000, interval: 20 },
  );
  return found!;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sessionIdOf(client: Client): string {
  return (client.transport as StreamableHTTPClientTransport).sessionId!;
}

/** Runs the built CLI as its own process, as a person would while `airlock serve` runs. */
function airlockCli(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args]);
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** What every way of revoking alice must leave behind. */
async function expectAliceEnded(
  { runtime, alice, upstreamCalls }: Setup,
  held: ReturnType<typeof provision>,
  approval: Approval,
): Promise<void> {
  // The agent hears at once why its call will never run.
  const result = await held;
  expect(result.isError).toBe(true);
  expect(textOf(result)).toBe(
    'Airlock refused "provision_api_key": grant "alice" was revoked while the call was held, so it will not run.',
  );

  // A person's Allow after that is turned away, and nothing reaches the server.
  await expect(
    apiCall(runtime, 'approvals.decide', { id: approval.id, decision: 'allow' }),
  ).rejects.toThrow(/HTTP 409: That call is no longer waiting: its grant was revoked/);
  const { call } = await apiCall(runtime, 'history.get', { id: approval.callId });
  expect(call).toMatchObject({
    grant: 'alice',
    tool: 'provision_api_key',
    decision: 'deny',
    decidedBy: 'revoke',
    reason: 'grant "alice" was revoked while the call was held',
    status: 'not_run',
  });
  expect(upstreamCalls().filter((c) => c.tool === 'provision_api_key')).toEqual([]);

  // The session is over: its next request is unauthorized, and its server process has stopped.
  const raw = await fetch(runtime.endpointFor('meatspace'), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${alice.token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionIdOf(alice.client),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/list' }),
  });
  expect(raw.status).toBe(401);
  await expect(
    alice.client.callTool({ name: 'get_service_status', arguments: {} }),
  ).rejects.toThrow(/401|Unauthorized/);
  await vi.waitFor(() => expect(isRunning(alice.pid)).toBe(false), { timeout: 10_000 });
}

/** bob, whose grant nobody touched, carries on as if nothing happened. */
async function expectBobUntouched(
  { runtime, bob, upstreamCalls }: Setup,
  held: ReturnType<typeof provision>,
  approval: Approval,
): Promise<void> {
  expect((await apiCall(runtime, 'approvals.list', {})).approvals.map((a) => a.id)).toEqual([
    approval.id,
  ]);
  expect(isRunning(bob.pid)).toBe(true);
  const status = await bob.client.callTool({ name: 'get_service_status', arguments: {} });
  expect(status.isError).toBeFalsy();
  await apiCall(runtime, 'approvals.decide', { id: approval.id, decision: 'allow' });
  const result = await held;
  expect(result.isError).toBeFalsy();
  expect(textOf(result)).toMatch(/"api_key":\s*"hitl_/);
  expect(upstreamCalls().filter((c) => c.tool === 'provision_api_key')).toEqual([
    { pid: bob.pid, tool: 'provision_api_key' },
  ]);
}

describe('revoking a grant', () => {
  it('through the app API refuses its held call, runs nothing on a later Allow, and ends its session and process', async () => {
    const setupDone = await setup();
    const { runtime, alice, bob } = setupDone;
    const aliceHeld = provision(alice);
    const bobHeld = provision(bob);
    const aliceApproval = await heldCallOf(runtime, 'alice');
    const bobApproval = await heldCallOf(runtime, 'bob');

    expect(await apiCall(runtime, 'grants.revoke', { name: 'alice' })).toEqual({ revoked: true });

    await expectAliceEnded(setupDone, aliceHeld, aliceApproval);
    await expectBobUntouched(setupDone, bobHeld, bobApproval);
  });

  it('with `airlock grants revoke` from another process does the same, before any Allow can run the call', async () => {
    const setupDone = await setup();
    const { runtime, alice, bob, dataDir } = setupDone;
    const aliceHeld = provision(alice);
    const bobHeld = provision(bob);
    const aliceApproval = await heldCallOf(runtime, 'alice');
    const bobApproval = await heldCallOf(runtime, 'bob');

    const cli = await airlockCli(['grants', 'revoke', 'alice', '--data-dir', dataDir]);
    expect(cli).toEqual({ code: 0, stdout: 'Revoked grant "alice".\n' });
    // Allowed the moment the command returns: still refused, however soon.
    await expect(
      apiCall(runtime, 'approvals.decide', { id: aliceApproval.id, decision: 'allow' }),
    ).rejects.toThrow(/HTTP 409/);

    await expectAliceEnded(setupDone, aliceHeld, aliceApproval);
    await expectBobUntouched(setupDone, bobHeld, bobApproval);
  });

  it('ends its temporary grants too, while a renamed grant keeps working', async () => {
    const { runtime, alice, bob } = await setup();
    // bob is allowed provision_api_key for 15 minutes, then renamed: the token and the
    // temporary grant carry on under the new name.
    const first = provision(bob);
    await apiCall(runtime, 'approvals.decide', {
      id: (await heldCallOf(runtime, 'bob')).id,
      decision: 'allow',
      forMinutes: 15,
    });
    expect((await first).isError).toBeFalsy();
    await apiCall(runtime, 'grants.rename', { name: 'bob', newName: 'robert' });
    const robert = await connectClient(runtime, 'meatspace', bob.token);
    try {
      const again = await robert.callTool({
        name: 'provision_api_key',
        arguments: { name: 'key', email: 'robert@example.com' },
      });
      expect(again.isError).toBeFalsy();
      expect((await apiCall(runtime, 'grants.list', {})).temporary).toMatchObject([
        { grant: 'robert', tool: 'provision_api_key' },
      ]);

      // alice gets one too; revoking alice ends hers, and only hers.
      const aliceFirst = provision(alice);
      await apiCall(runtime, 'approvals.decide', {
        id: (await heldCallOf(runtime, 'alice')).id,
        decision: 'allow',
        forMinutes: 15,
      });
      expect((await aliceFirst).isError).toBeFalsy();
      await apiCall(runtime, 'grants.revoke', { name: 'alice' });
      expect((await apiCall(runtime, 'grants.list', {})).temporary).toMatchObject([
        { grant: 'robert' },
      ]);
      // The rename was not taken for a revocation when the change to secrets.json was read.
      const third = await robert.callTool({
        name: 'provision_api_key',
        arguments: { name: 'key', email: 'robert@example.com' },
      });
      expect(third.isError).toBeFalsy();
    } finally {
      await robert.close();
    }
  });
});
