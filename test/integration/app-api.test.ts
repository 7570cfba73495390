// The app API against a running Airlock, over HTTP as a browser or a script uses it: grants,
// policies, settings and servers, each checked by what an agent then sees.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import {
  apiCall,
  connectClient,
  makeDataDir,
  removeDataDir,
  startAirlock,
  TEST_UI_TOKEN,
  textOf,
} from '../helpers/airlock-harness';
import { openEventStream, type EventStream } from '../helpers/event-stream';
import type { Runtime } from '../../src/main/runtime';

let upstream: MeatspaceHttp;
let dataDir: string;
let runtime: Runtime;
let events: EventStream;

beforeAll(async () => {
  upstream = await startMeatspaceHttp();
  dataDir = makeDataDir(
    { mcpServers: { meatspace: { url: upstream.url } } },
    { meatspace: { version: '1', default: 'deny', tools: { get_service_status: {} } } },
  );
  runtime = await startAirlock(dataDir);
  events = await openEventStream(runtime.url);
});

afterAll(async () => {
  events?.close();
  await runtime?.close();
  await upstream?.close();
  removeDataDir(dataDir);
});

describe('the app API', () => {
  it('creates a grant whose token an agent can use at once, and revokes it', async () => {
    const { token } = await apiCall(runtime, 'grants.add', { name: 'api-agent' });
    expect(token).toMatch(/^alk_/);
    const client = await connectClient(runtime, 'meatspace', token);
    expect(
      (await client.callTool({ name: 'get_service_status', arguments: {} })).isError,
    ).toBeFalsy();
    expect((await apiCall(runtime, 'grants.list', {})).grants.map((g) => g.name)).toContain(
      'api-agent',
    );
    const { servers } = await apiCall(runtime, 'servers.list', {});
    expect(servers[0]).toMatchObject({
      id: 'meatspace',
      state: 'connected',
      sessions: 1,
      endpoint: runtime.endpointFor('meatspace'),
    });
    await client.close();

    expect(await apiCall(runtime, 'grants.revoke', { name: 'api-agent' })).toEqual({
      revoked: true,
    });
    await expect(connectClient(runtime, 'meatspace', token)).rejects.toThrow(/Unauthorized/);
  });

  it('saves a policy that takes effect on the next call, with the file on disk matching', async () => {
    const { token } = await apiCall(runtime, 'grants.add', { name: 'policy-agent' });
    const client = await connectClient(runtime, 'meatspace', token);
    const before = await apiCall(runtime, 'policies.get', { server: 'meatspace' });
    const text = JSON.stringify(
      {
        version: '1',
        default: 'deny',
        tools: { get_service_status: { action: 'deny', reason: 'Closed for maintenance.' } },
      },
      null,
      2,
    );
    const since = events.events.length;
    await apiCall(runtime, 'policies.save', {
      server: 'meatspace',
      text,
      baseHash: before.textHash,
    });
    expect(readFileSync(join(dataDir, 'policies', 'meatspace.json'), 'utf8')).toBe(text);
    const result = await client.callTool({ name: 'get_service_status', arguments: {} });
    expect(textOf(result)).toMatch(/Closed for maintenance\./);
    const changed = await events.next((e) => e.name === 'policy.changed', since);
    expect(changed.event.data).toMatchObject({ policy: { server: 'meatspace', errors: [] } });
    await client.close();
  });

  it('renames a grant: same token, its rules and counts follow, its old sessions end', async () => {
    const { token } = await apiCall(runtime, 'grants.add', { name: 'rename-me' });
    const limited = {
      limits: [{ counter: 'status', window: 'minute', max: 2, scope: 'grant' }],
    };
    const before = await apiCall(runtime, 'policies.get', { server: 'meatspace' });
    await apiCall(runtime, 'policies.save', {
      server: 'meatspace',
      text: JSON.stringify({
        version: '1',
        default: 'deny',
        tools: {},
        grants: { 'rename-me': { tools: { get_service_status: limited } } },
      }),
      baseHash: before.textHash,
    });
    const oldSession = await connectClient(runtime, 'meatspace', token);
    expect(
      (await oldSession.callTool({ name: 'get_service_status', arguments: {} })).isError,
    ).toBeFalsy();

    expect(
      await apiCall(runtime, 'grants.rename', { name: 'rename-me', newName: 'renamed' }),
    ).toEqual({
      name: 'renamed',
    });

    // A session opened under the old name is gone rather than kept under rules that moved.
    await expect(
      oldSession.callTool({ name: 'get_service_status', arguments: {} }),
    ).rejects.toThrow();
    const newSession = await connectClient(runtime, 'meatspace', token);
    expect(
      (await newSession.callTool({ name: 'get_service_status', arguments: {} })).isError,
    ).toBeFalsy();
    // The call made before the rename still counts: this is the third in the minute.
    const third = await newSession.callTool({ name: 'get_service_status', arguments: {} });
    expect(textOf(third)).toMatch(/retry in/);
    const onDisk = JSON.parse(readFileSync(join(dataDir, 'policies', 'meatspace.json'), 'utf8'));
    expect(Object.keys(onDisk.grants)).toEqual(['renamed']);
    const { grants } = await apiCall(runtime, 'grants.list', {});
    expect(grants.map((g) => g.name)).toContain('renamed');
    expect(grants.map((g) => g.name)).not.toContain('rename-me');
    await newSession.close();
    await oldSession.close().catch(() => {});
  });

  it('refuses an invalid policy with the line and path of each problem, and keeps the file', async () => {
    const onDisk = readFileSync(join(dataDir, 'policies', 'meatspace.json'), 'utf8');
    const response = await fetch(`${runtime.url}/api/policies.save`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_UI_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        server: 'meatspace',
        text: '{\n  "version": "1",\n  "default": "alow"\n}',
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_input', problems: [{ path: '/default', line: 3 }] },
    });
    expect(readFileSync(join(dataDir, 'policies', 'meatspace.json'), 'utf8')).toBe(onDisk);
  });

  it('changes settings in config.json and in force', async () => {
    const { settings } = await apiCall(runtime, 'settings.update', {
      approvalTimeoutMs: 90_000,
      retentionDays: 30,
      notifications: false,
    });
    expect(settings).toMatchObject({
      approvalTimeoutMs: 90_000,
      retentionDays: 30,
      notifications: false,
    });
    const config = JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8')) as {
      settings: unknown;
    };
    expect(config.settings).toMatchObject({
      approvalTimeout: '90s',
      retentionDays: 30,
      notifications: false,
    });
    expect((await apiCall(runtime, 'settings.get', {})).settings.approvalTimeoutMs).toBe(90_000);

    // A new port is for the next start: saved, while the listener stays where agents reach it.
    await apiCall(runtime, 'settings.update', { port: 7999 });
    const after = await apiCall(runtime, 'settings.get', {});
    expect(after).toMatchObject({ settings: { port: 7999 }, listeningPort: runtime.port });
    expect(JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8')).settings.port).toBe(7999);
    const client = await connectClient(
      runtime,
      'meatspace',
      (await apiCall(runtime, 'grants.add', { name: 'port-agent' })).token,
    );
    await client.close();
  });

  it('pages through the history newest first and exports it', async () => {
    const { token } = await apiCall(runtime, 'grants.add', { name: 'history-agent' });
    const client = await connectClient(runtime, 'meatspace', token);
    for (let i = 0; i < 5; i++)
      await client.callTool({ name: 'get_service_status', arguments: { n: i } });
    await client.close();
    const first = await apiCall(runtime, 'history.query', { grant: 'history-agent', limit: 3 });
    expect(first.calls).toHaveLength(3);
    expect(first.nextCursor).toBeDefined();
    const second = await apiCall(runtime, 'history.query', {
      grant: 'history-agent',
      limit: 3,
      cursor: first.nextCursor,
    });
    expect(second.calls).toHaveLength(2);
    const ids = [...first.calls, ...second.calls].map((c) => c.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const exported = await apiCall(runtime, 'history.export', {
      format: 'jsonl',
      filter: { grant: 'history-agent' },
    });
    expect(exported).toMatchObject({ rows: 5, truncated: false, mimeType: 'application/x-ndjson' });
    expect(
      exported.content
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).grant),
    ).toEqual(Array(5).fill('history-agent'));
  });

  it('answers bad input with the problems, not a crash', async () => {
    await expect(apiCall(runtime, 'history.query', { limit: 0 } as never)).rejects.toThrow(
      /HTTP 400/,
    );
    await expect(apiCall(runtime, 'history.query', { cursor: 'not-a-cursor' })).rejects.toThrow(
      /HTTP 400/,
    );
    await expect(
      apiCall(runtime, 'approvals.decide', { id: 'gone', decision: 'allow' }),
    ).rejects.toThrow(/HTTP 404/);
  });
});
