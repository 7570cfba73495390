import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/renderer/src/api/api-client';
import { createClientsStore } from '../../../../src/renderer/src/features/clients/clients-store';
import type {
  Api,
  AppEvent,
  CommandName,
  GrantInfo,
  ServerInfo,
  TemporaryGrant,
} from '../../../../src/shared/contract';
import { FakeApi as HoldingApi } from '../../helpers/fake-api';

const SERVER: ServerInfo = {
  id: 'meatspace',
  transport: 'stdio',
  target: 'node meatspace.js',
  endpoint: 'http://127.0.0.1:7820/mcp/meatspace',
  state: 'connected',
  sessions: 0,
  policy: { server: 'meatspace', file: 'policies/meatspace.json', errors: [] },
};

function temporary(id: string, grant: string): TemporaryGrant {
  return {
    id,
    grant,
    server: 'meatspace',
    tool: 'provision_api_key',
    createdAt: 0,
    expiresAt: 900_000,
  };
}

/** An Api that answers from a table and lets the test push events. */
class FakeApi implements Api {
  calls: { command: CommandName; input: unknown }[] = [];
  listeners = new Set<(event: AppEvent) => void>();
  grants: GrantInfo[] = [];
  temporary: TemporaryGrant[] = [];
  errors: Partial<Record<CommandName, ApiError>> = {};

  async call(command: CommandName, input: unknown): Promise<never> {
    this.calls.push({ command, input });
    const error = this.errors[command];
    if (error) throw error;
    if (command === 'grants.list')
      return { grants: this.grants, temporary: this.temporary } as never;
    if (command === 'servers.list') return { servers: [SERVER] } as never;
    if (command === 'grants.add') {
      const { name } = input as { name: string };
      this.grants = [...this.grants, { name, created: '2025-01-01T00:00:00.000Z' }];
      return { name, token: `alk_token_for_${name}` } as never;
    }
    if (command === 'grants.revoke') {
      const { name } = input as { name: string };
      this.grants = this.grants.filter((g) => g.name !== name);
      return { revoked: true } as never;
    }
    if (command === 'grants.revokeTemporary') {
      const { id } = input as { id: string };
      this.temporary = this.temporary.filter((t) => t.id !== id);
      return { revoked: true } as never;
    }
    if (command === 'grants.rename') {
      const { name, newName } = input as { name: string; newName: string };
      this.grants = this.grants.map((g) => (g.name === name ? { ...g, name: newName } : g));
      return { name: newName } as never;
    }
    throw new Error(`unexpected ${command}`);
  }
  on(listener: (event: AppEvent) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  push(event: AppEvent) {
    for (const listener of this.listeners) listener(event);
  }
  count(command: CommandName) {
    return this.calls.filter((c) => c.command === command).length;
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the clients store', () => {
  it('loads grants, temporary grants and servers', async () => {
    const api = new FakeApi();
    api.grants = [{ name: 'alice', created: '2025-01-01T00:00:00.000Z' }];
    api.temporary = [temporary('t1', 'alice')];
    const store = createClientsStore(api);
    await store.getState().load();
    const state = store.getState();
    expect(state.loaded).toBe(true);
    expect(state.grants.map((g) => g.name)).toEqual(['alice']);
    expect(state.temporary.map((t) => t.id)).toEqual(['t1']);
    expect(state.servers.map((s) => s.endpoint)).toEqual([SERVER.endpoint]);
  });

  it('keeps a new token until it is dismissed', async () => {
    const api = new FakeApi();
    const store = createClientsStore(api);
    await store.getState().load();
    expect(await store.getState().add('laptop-agent')).toBe(true);
    expect(store.getState().created).toEqual({
      name: 'laptop-agent',
      token: 'alk_token_for_laptop-agent',
    });
    await settle();
    expect(store.getState().grants.map((g) => g.name)).toEqual(['laptop-agent']);
    // A reload does not lose it: only the person dismisses it.
    await store.getState().load();
    expect(store.getState().created?.token).toBe('alk_token_for_laptop-agent');
    store.getState().dismissCreated();
    expect(store.getState().created).toBeUndefined();
    expect(JSON.stringify(store.getState())).not.toContain('alk_token_for_laptop-agent');
  });

  it('says why a name was refused and keeps no token', async () => {
    const api = new FakeApi();
    api.errors['grants.add'] = new ApiError('conflict', 'A client named "alice" already exists.');
    const store = createClientsStore(api);
    expect(await store.getState().add('alice')).toBe(false);
    expect(store.getState().created).toBeUndefined();
    expect(store.getState().error).toBe('A client named "alice" already exists.');
    expect(store.getState().adding).toBe(false);
    store.getState().dismissError();
    expect(store.getState().error).toBeUndefined();
  });

  it('revokes a grant once, with its temporary grants and its shown token', async () => {
    const api = new FakeApi();
    const store = createClientsStore(api);
    await store.getState().add('alice');
    api.temporary = [temporary('t1', 'alice')];
    await store.getState().load();
    await Promise.all([store.getState().revoke('alice'), store.getState().revoke('alice')]);
    expect(api.count('grants.revoke')).toBe(1);
    expect(api.calls.find((c) => c.command === 'grants.revoke')?.input).toEqual({ name: 'alice' });
    const state = store.getState();
    expect(state.grants).toEqual([]);
    expect(state.temporary).toEqual([]);
    expect(state.created).toBeUndefined();
    expect(state.busy.size).toBe(0);
  });

  it('revokes a temporary grant', async () => {
    const api = new FakeApi();
    api.temporary = [temporary('t1', 'alice'), temporary('t2', 'bob')];
    const store = createClientsStore(api);
    await store.getState().load();
    await store.getState().revokeTemporary('t1');
    expect(api.calls.at(-1)).toEqual({ command: 'grants.revokeTemporary', input: { id: 't1' } });
    expect(store.getState().temporary.map((t) => t.id)).toEqual(['t2']);
  });

  it('shows a failed revoke and reloads the list', async () => {
    const api = new FakeApi();
    api.grants = [{ name: 'alice', created: '2025-01-01T00:00:00.000Z' }];
    const store = createClientsStore(api);
    await store.getState().load();
    api.errors['grants.revoke'] = new ApiError('not_found', 'There is no client named "alice".');
    api.grants = [];
    await store.getState().revoke('alice');
    expect(store.getState().error).toBe('There is no client named "alice".');
    await settle();
    expect(store.getState().grants).toEqual([]);
  });

  it('reloads on grants.changed, and stops listening when stopped', async () => {
    const api = new FakeApi();
    const store = createClientsStore(api);
    await store.getState().load();
    api.grants = [{ name: 'from-elsewhere', created: '2025-01-01T00:00:00.000Z' }];
    api.temporary = [temporary('t9', 'from-elsewhere')];
    api.push({ name: 'grants.changed', data: {} });
    await settle();
    expect(store.getState().grants.map((g) => g.name)).toEqual(['from-elsewhere']);
    expect(store.getState().temporary.map((t) => t.id)).toEqual(['t9']);
    store.stop();
    expect(api.listeners.size).toBe(0);
  });

  it('shows a failed load', async () => {
    const api = new FakeApi();
    api.errors['grants.list'] = new ApiError(
      'unavailable',
      'Airlock cannot be reached. Is airlock serve running?',
    );
    const store = createClientsStore(api);
    await store.getState().load();
    expect(store.getState().loaded).toBe(true);
    expect(store.getState().error).toBe('Airlock cannot be reached. Is airlock serve running?');
  });

  it('renames a grant in place, with its temporary grants and the token still shown', async () => {
    const api = new FakeApi();
    api.grants = [{ name: 'laptop', created: '2025-01-01T00:00:00.000Z' }];
    api.temporary = [temporary('t1', 'laptop')];
    const store = createClientsStore(api);
    await store.getState().load();
    await store.getState().add('desk');
    expect(await store.getState().rename('laptop', 'old-laptop')).toBe(true);
    expect(store.getState().grants.map((g) => g.name)).toEqual(['old-laptop', 'desk']);
    expect(store.getState().temporary.map((t) => t.grant)).toEqual(['old-laptop']);
    expect(await store.getState().rename('desk', 'desk-2')).toBe(true);
    expect(store.getState().created).toEqual({ name: 'desk-2', token: 'alk_token_for_desk' });
  });

  it('keeps the old name and says why when a rename is refused', async () => {
    const api = new FakeApi();
    api.grants = [{ name: 'laptop', created: '2025-01-01T00:00:00.000Z' }];
    api.errors['grants.rename'] = new ApiError('conflict', 'a grant named "desk" already exists');
    const store = createClientsStore(api);
    await store.getState().load();
    expect(await store.getState().rename('laptop', 'desk')).toBe(false);
    expect(store.getState().grants.map((g) => g.name)).toEqual(['laptop']);
    expect(store.getState().error).toBe('a grant named "desk" already exists');
  });

  it('adds a server that appears while open, and drops one that is removed', async () => {
    const api = new FakeApi();
    const store = createClientsStore(api);
    await store.getState().load();
    const added = { ...SERVER, id: 'another', endpoint: 'http://127.0.0.1:7820/mcp/another' };
    api.push({ name: 'server.status', data: { server: added } });
    expect(store.getState().servers.map((s) => s.id)).toEqual(['another', 'meatspace']);
    api.push({ name: 'server.removed', data: { id: 'meatspace' } });
    expect(store.getState().servers.map((s) => s.id)).toEqual(['another']);
  });
});

describe('the clients store while a list is on its way', () => {
  const alice: GrantInfo = { name: 'alice', created: '2025-01-01T00:00:00.000Z' };
  /** A core with `grants` and the meatspace server, answering lists from its state when asked. */
  function core(grants: GrantInfo[]) {
    const state = { grants, servers: [SERVER] };
    const api = new HoldingApi()
      .handle('grants.list', () => ({ grants: state.grants, temporary: [] }))
      .handle('servers.list', () => ({ servers: state.servers }))
      .handle('grants.revoke', ({ name }) => {
        state.grants = state.grants.filter((g) => g.name !== name);
        return { revoked: true };
      });
    return { api, state };
  }

  it('keeps a server announced after the list was answered', async () => {
    const { api } = core([alice]);
    const store = createClientsStore(api);
    const servers = api.hold('servers.list');
    const loading = store.getState().load();
    const github = { ...SERVER, id: 'github', endpoint: 'http://127.0.0.1:7820/mcp/github' };
    api.push({ name: 'server.status', data: { server: github } });
    servers.release();
    await loading;
    expect(store.getState().servers.map((s) => s.id)).toEqual(['github', 'meatspace']);
  });

  it('does not bring back a client revoked after the list was answered', async () => {
    const { api } = core([alice]);
    const store = createClientsStore(api);
    const grants = api.hold('grants.list');
    const loading = store.getState().load();
    await store.getState().revoke('alice');
    grants.release();
    await loading;
    expect(store.getState().grants).toEqual([]);
    expect(store.getState().loaded).toBe(true);
  });
});
