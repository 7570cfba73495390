import { describe, expect, it } from 'vitest';
import { createSetupStore } from '../../../src/renderer/src/stores/setup-store';
import type { GrantInfo, ServerInfo } from '../../../src/shared/contract';
import { FakeApi } from '../helpers/fake-api';

const SERVER: ServerInfo = {
  id: 'meatspace',
  transport: 'stdio',
  target: 'node meatspace.js',
  endpoint: 'http://127.0.0.1:7820/mcp/meatspace',
  state: 'idle',
  sessions: 0,
  policy: { server: 'meatspace', file: 'policies/meatspace.json', errors: [] },
};

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the first-run checklist', () => {
  it('ticks off a server, a policy in force and a client as the core reports them', async () => {
    let servers: ServerInfo[] = [];
    let grants: GrantInfo[] = [];
    const api = new FakeApi()
      .handle('servers.list', () => ({ servers }))
      .handle('grants.list', () => ({ grants, temporary: [] }));
    const store = createSetupStore(api);
    await store.getState().load();
    expect(store.getState()).toMatchObject({
      loaded: true,
      hasServer: false,
      hasPolicy: false,
      hasClient: false,
    });

    servers = [SERVER];
    api.push({ name: 'server.status', data: { server: SERVER } });
    await settle();
    expect(store.getState()).toMatchObject({ hasServer: true, hasPolicy: false });

    servers = [{ ...SERVER, policy: { ...SERVER.policy, hash: 'p1' } }];
    api.push({ name: 'policy.changed', data: { policy: servers[0]!.policy } });
    grants = [{ name: 'laptop', created: '2026-01-01T00:00:00.000Z' }];
    api.push({ name: 'grants.changed', data: {} });
    await settle();
    expect(store.getState()).toMatchObject({ hasServer: true, hasPolicy: true, hasClient: true });

    servers = [];
    api.push({ name: 'server.removed', data: { id: 'meatspace' } });
    await settle();
    expect(store.getState()).toMatchObject({ hasServer: false, hasPolicy: false });
    store.stop();
    expect(api.listenerCount).toBe(0);
  });
});
