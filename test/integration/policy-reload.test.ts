// A policy file changed on disk takes effect within a second, without a restart; an invalid edit
// leaves the last good policy in force.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  writePolicy,
} from '../helpers/airlock-harness';
import type { Runtime } from '../../src/main/runtime';

let upstream: MeatspaceHttp;
let dataDir: string;
let runtime: Runtime;
let client: Client;

const statusCall = () => client.callTool({ name: 'get_service_status', arguments: {} });

beforeAll(async () => {
  upstream = await startMeatspaceHttp();
  dataDir = makeDataDir(
    { mcpServers: { meatspace: { url: upstream.url } } },
    { meatspace: { version: '1', default: 'deny' } },
  );
  const token = addGrant(dataDir, 'agent');
  runtime = await startAirlock(dataDir);
  client = await connectClient(runtime, 'meatspace', token);
});

afterAll(async () => {
  await client?.close();
  await runtime?.close();
  await upstream?.close();
  removeDataDir(dataDir);
});

describe('editing policies/<server>.json while Airlock runs', () => {
  it('applies a new policy within a second', async () => {
    expect((await statusCall()).isError).toBe(true);
    writePolicy(dataDir, 'meatspace', {
      version: '1',
      default: 'deny',
      tools: { get_service_status: {} },
    });
    const started = Date.now();
    await expect
      .poll(async () => (await statusCall()).isError ?? false, { timeout: 1000, interval: 50 })
      .toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('keeps the last good policy when the file turns invalid', async () => {
    writePolicy(dataDir, 'meatspace', '{ "version": "1", "default": "alow", "tools": {');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await statusCall()).isError).toBeFalsy();
    expect(runtime.policies.get('meatspace').errors.length).toBeGreaterThan(0);
  });

  it('refuses everything once the policy file is removed', async () => {
    writePolicy(dataDir, 'meatspace', { version: '1', default: 'allow' });
    await expect
      .poll(async () => (await statusCall()).isError ?? false, { timeout: 1000, interval: 50 })
      .toBe(false);
    const { rmSync } = await import('node:fs');
    rmSync(`${dataDir}/policies/meatspace.json`);
    await expect
      .poll(async () => (await statusCall()).isError ?? false, { timeout: 1000, interval: 50 })
      .toBe(true);
    expect(textOf(await statusCall())).toMatch(/no policy/);
  });
});

describe('a tool that needs approval', () => {
  it('is held for a person once the edited policy says so', async () => {
    writePolicy(dataDir, 'meatspace', {
      version: '1',
      tools: {
        get_service_status: { action: 'require_approval', reason: 'A person looks first.' },
      },
    });
    await expect
      .poll(() => runtime.policies.get('meatspace').policy?.tools.get('get_service_status')?.action)
      .toBe('require_approval');
    const pending = statusCall();
    let held: { id: string; reason: string } | undefined;
    await expect
      .poll(async () => {
        held = (await apiCall(runtime, 'approvals.list', {})).approvals[0];
        return held?.reason;
      })
      .toBe('A person looks first.');
    await apiCall(runtime, 'approvals.decide', { id: held!.id, decision: 'deny' });
    const result = await pending;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/a person denied the call/);
  });
});
