// The runtime's clock and timers reach the MCP endpoint too: a call to a server that never
// answers fails when the test's clock passes the upstream timeout, not after a real minute.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Runtime } from '../../src/main/runtime';
import {
  addGrant,
  connectClient,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  startAirlock,
} from '../helpers/airlock-harness';
import { FakeClock } from '../main/core/fakes';

const clock = new FakeClock();
let dataDir: string;
let runtime: Runtime;
let agent: Client;

beforeAll(async () => {
  dataDir = makeDataDir(
    { mcpServers: { faulty: fixtureCommand('faulty-server.ts') }, settings: {} },
    { faulty: { version: '1', default: 'allow' } },
  );
  runtime = await startAirlock(dataDir, undefined, { clock, timers: clock });
  agent = await connectClient(runtime, 'faulty', addGrant(dataDir, 'agent'));
}, 30_000);

afterAll(async () => {
  await agent?.close();
  await runtime?.close();
  if (dataDir) removeDataDir(dataDir);
});

it('times a hung call out on the runtime clock', async () => {
  // The default upstream timeout is a minute; the SDK client's own is longer.
  const hung = agent.callTool({ name: 'hang', arguments: {} }).then(
    () => undefined,
    (error: { code?: number; message: string }) => error,
  );
  // Moved in small steps until the call is waiting upstream and its timer has been set.
  let error: { code?: number; message: string } | undefined;
  for (let i = 0; i < 200 && error === undefined; i++) {
    clock.advance(1_000);
    error = await Promise.race([hung, new Promise<undefined>((r) => setTimeout(r, 20))]);
  }
  expect(error?.code).toBe(-32001);
  expect(error?.message).toMatch(/did not answer tools\/call within 60 s/);
}, 20_000);
