// When the history cannot be written, calls are refused with a clear error rather than run
// unrecorded, and Airlock recovers by itself once writing works again. Another connection holding
// history.sqlite's write lock stands in for a full disk: both make SQLite writes fail.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import {
  addGrant,
  apiCall,
  connectClient,
  makeDataDir,
  removeDataDir,
  startAirlock,
  textOf,
} from '../helpers/airlock-harness';
import type { Runtime } from '../../src/main/runtime';

let upstream: MeatspaceHttp;
let dataDir: string;
let runtime: Runtime;
let client: Client;
let upstreamRequests = 0;
let calls = 0;

beforeAll(async () => {
  upstream = await startMeatspaceHttp({ onRequest: () => upstreamRequests++ });
  dataDir = makeDataDir(
    { mcpServers: { meatspace: { url: upstream.url } } },
    { meatspace: { version: '1', tools: { get_service_status: {} } } },
  );
  const token = addGrant(dataDir, 'alice');
  runtime = await startAirlock(dataDir);
  client = await connectClient(runtime, 'meatspace', token);
});

afterAll(async () => {
  await client?.close();
  await runtime?.close();
  await upstream?.close();
  removeDataDir(dataDir);
});

const status = () => client.callTool({ name: 'get_service_status', arguments: { n: ++calls } });

it('refuses calls while the history is locked, and records them again once it is not', async () => {
  expect((await status()).isError).toBeFalsy();
  const other = new BetterSqlite3(join(dataDir, 'history.sqlite'));
  try {
    other.exec('BEGIN EXCLUSIVE');
    // The first calls may still run: they are kept in memory until the write that fails.
    let refused: Awaited<ReturnType<typeof status>> | undefined;
    for (let i = 0; i < 50 && !refused; i++) {
      const result = await status();
      if (result.isError) refused = result;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refused).toBeDefined();
    expect(textOf(refused)).toMatch(
      /Airlock refused "get_service_status": Airlock could not record the call in its history \(.*locked.*\), and it runs nothing unrecorded/,
    );
    const upstreamBefore = upstreamRequests;
    expect((await status()).isError).toBe(true);
    expect(upstreamRequests).toBe(upstreamBefore);
  } finally {
    other.exec('COMMIT');
    other.close();
  }
  await expect
    .poll(async () => (await status()).isError ?? false, { timeout: 5000, interval: 200 })
    .toBe(false);
  // Nothing that ran was lost: every call that got a result is in the history.
  const history = await apiCall(runtime, 'history.query', { limit: 500 });
  const ran = history.calls.filter((c) => c.decision === 'allow');
  expect(ran.length).toBeGreaterThanOrEqual(2);
  expect(ran.every((c) => c.status === 'ok')).toBe(true);
});
