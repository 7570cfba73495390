import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/renderer/src/api/api-client';
import { createServersStore } from '../../../../src/renderer/src/features/servers/servers-store';
import type { ToolInfo } from '../../../../src/shared/contract';
import { FakeApi } from '../../helpers/fake-api';
import { configStatus, serverInfo, toolInfo } from '../../helpers/servers-fixtures';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup() {
  let tools: ToolInfo[] = [toolInfo('get_service_status', 'allowed')];
  const api = new FakeApi()
    .handle('servers.list', () => ({ servers: [serverInfo('meatspace')] }))
    .handle('config.status', () => ({ config: configStatus() }))
    .handle('servers.tools', ({ server }) => ({
      server,
      tools,
      fetchedAt: 1,
      unknownInPolicy: [],
    }));
  const store = createServersStore(api);
  return { api, store, setTools: (next: ToolInfo[]) => (tools = next) };
}

describe('the servers store', () => {
  it('loads the servers and their tools with risks', async () => {
    const { store } = setup();
    await store.getState().load();
    await store.getState().loadTools('meatspace');
    expect(store.getState().servers.map((s) => s.id)).toEqual(['meatspace']);
    expect(store.getState().tools['meatspace']).toMatchObject({
      status: 'loaded',
      tools: [{ name: 'get_service_status', risk: { risk: 'allowed' } }],
    });
  });

  it("loads config.json's status with the servers and follows config.changed events", async () => {
    const { api, store } = setup();
    const problem = { path: '', message: 'config.json is missing; the config read last stays' };
    api.handle('config.status', () => ({ config: configStatus({ problems: [problem] }) }));
    await store.getState().load();
    expect(store.getState().config?.problems).toEqual([problem]);
    api.push({ name: 'config.changed', data: { config: configStatus() } });
    expect(store.getState().config?.problems).toEqual([]);
  });

  it('keeps a failed tool listing as an error for that server only', async () => {
    const { api, store } = setup();
    api.handle('servers.tools', () => {
      throw new ApiError('unavailable', 'Cannot list the tools of "meatspace": no answer');
    });
    await store.getState().loadTools('meatspace');
    expect(store.getState().tools['meatspace']).toMatchObject({
      status: 'failed',
      error: 'Cannot list the tools of "meatspace": no answer',
    });
    expect(store.getState().error).toBeUndefined();
  });

  it('follows server.status and server.removed', async () => {
    const { api, store } = setup();
    await store.getState().load();
    await store.getState().loadTools('meatspace');
    api.push({
      name: 'server.status',
      data: { server: serverInfo('meatspace', { sessions: 2, state: 'connected' }) },
    });
    api.push({ name: 'server.status', data: { server: serverInfo('github') } });
    expect(store.getState().servers.map((s) => [s.id, s.sessions])).toEqual([
      ['meatspace', 2],
      ['github', 0],
    ]);
    api.push({ name: 'server.removed', data: { id: 'meatspace' } });
    expect(store.getState().servers.map((s) => s.id)).toEqual(['github']);
    expect(store.getState().tools['meatspace']).toBeUndefined();
  });

  it('asks the core for the risks again when the policy changes, and shows the new policy state', async () => {
    const { api, store, setTools } = setup();
    await store.getState().load();
    await store.getState().loadTools('meatspace');
    setTools([toolInfo('get_service_status', 'denied')]);
    const policy = {
      server: 'meatspace',
      file: '/data/policies/meatspace.json',
      hash: 'h1',
      errors: [{ path: '/default', message: 'bad', line: 3, column: 5 }],
    };
    api.push({ name: 'policy.changed', data: { policy } });
    expect(store.getState().servers[0]?.policy.errors).toHaveLength(1);
    await tick();
    expect(api.inputsOf('servers.tools')).toEqual([
      { server: 'meatspace' },
      { server: 'meatspace' },
    ]);
    expect(store.getState().tools['meatspace']?.tools[0]?.risk.risk).toBe('denied');
    // A policy for a server not shown (removed earlier) changes nothing here.
    api.push({ name: 'policy.changed', data: { policy: { ...policy, server: 'gone' } } });
    await tick();
    expect(api.inputsOf('servers.tools')).toHaveLength(2);
  });

  it('adds a server, writes a starter policy only where there is none, and lists its tools', async () => {
    const { api, store } = setup();
    const saved: { server: string; text: string }[] = [];
    api
      .handle('servers.add', ({ id }) => ({
        server: serverInfo(id, { policy: { server: id, file: 'f', errors: [] } }),
      }))
      .handle('policies.get', ({ server }) => ({
        server,
        file: 'f',
        errors: [],
        ...(server === 'kept' ? { text: '{}', textHash: 'x' } : {}),
      }))
      .handle('policies.save', (input) => {
        saved.push(input);
        return { hash: 'h', textHash: 't' };
      });
    await store.getState().load();
    const added = await store
      .getState()
      .add('github', { config: { command: 'npx' } }, { starterPolicy: 'STARTER' });
    expect(added.ok).toBe(true);
    expect(api.inputsOf('servers.add')).toEqual([{ id: 'github', config: { command: 'npx' } }]);
    expect(saved).toEqual([{ server: 'github', text: 'STARTER' }]);
    await store.getState().add('kept', { config: { command: 'x' } }, { starterPolicy: 'STARTER' });
    expect(saved).toHaveLength(1);
    await tick();
    expect(api.inputsOf('servers.tools').map((i) => i.server)).toEqual(['github', 'kept']);
    expect(store.getState().servers.map((s) => s.id)).toEqual(['meatspace', 'github', 'kept']);
  });

  it("returns an entry's problems to the form instead of the screen's banner", async () => {
    const { api, store } = setup();
    api.handle('servers.add', () => {
      throw new ApiError(
        'invalid_input',
        'The entry for "x" has a problem: /mcpServers/x/url: must be an http:// or https:// URL',
        [{ path: '/mcpServers/x/url', message: 'must be an http:// or https:// URL' }],
      );
    });
    const result = await store.getState().add('x', { config: { url: 'ftp://x' } });
    expect(result).toEqual({
      ok: false,
      message: expect.stringContaining('must be an http://'),
      problems: [{ path: '/mcpServers/x/url', message: 'must be an http:// or https:// URL' }],
    });
    expect(store.getState().error).toBeUndefined();
    expect(store.getState().busy.size).toBe(0);
  });

  it('sends kept secret names with an update and lists the tools again', async () => {
    const { api, store } = setup();
    api.handle('servers.update', ({ id }) => ({
      server: serverInfo(id, { target: 'node v2.js' }),
    }));
    await store.getState().load();
    await store.getState().update('meatspace', {
      config: { command: 'node', args: ['v2.js'] },
      keep: { env: ['API_KEY'], headers: [] },
    });
    expect(api.inputsOf('servers.update')).toEqual([
      {
        id: 'meatspace',
        config: { command: 'node', args: ['v2.js'] },
        keep: { env: ['API_KEY'], headers: [] },
      },
    ]);
    expect(store.getState().servers[0]?.target).toBe('node v2.js');
    await tick();
    expect(api.inputsOf('servers.tools')).toEqual([{ server: 'meatspace' }]);
  });

  it('removes a server, and reports a failed removal on the banner', async () => {
    const { api, store } = setup();
    api.handle('servers.remove', ({ id }) => ({ removed: id, policyFile: 'f' }));
    await store.getState().load();
    expect(await store.getState().remove('meatspace')).toBe(true);
    expect(store.getState().servers).toEqual([]);
    api.handle('servers.remove', () => {
      throw new ApiError('conflict', 'config.json has a syntax error at line 2');
    });
    await store.getState().load();
    expect(await store.getState().remove('meatspace')).toBe(false);
    expect(store.getState().error).toBe('config.json has a syntax error at line 2');
  });

  it('passes a connection test through, with the saved server when editing', async () => {
    const { api, store } = setup();
    api.handle('servers.test', () => ({ ok: false, error: 'Cannot start "x"', elapsedMs: 4 }));
    const result = await store
      .getState()
      .test({ config: { command: 'x' }, id: 'meatspace', keep: { env: ['K'] } });
    expect(result).toEqual({
      ok: true,
      value: { ok: false, error: 'Cannot start "x"', elapsedMs: 4 },
    });
    expect(api.inputsOf('servers.test')).toEqual([
      { config: { command: 'x' }, id: 'meatspace', keep: { env: ['K'] } },
    ]);
  });

  it('keeps a server announced while the list was on its way, and one removed stays gone', async () => {
    const { api, store } = setup();
    api.handle('servers.list', () => ({
      servers: [serverInfo('meatspace'), serverInfo('old')],
    }));
    const list = api.hold('servers.list');
    const loading = store.getState().load();
    // The core answered before these happened; the answer arrives after their events.
    api.push({ name: 'server.status', data: { server: serverInfo('github') } });
    api.push({ name: 'server.removed', data: { id: 'old' } });
    api.push({
      name: 'server.status',
      data: { server: serverInfo('meatspace', { state: 'connected', sessions: 1 }) },
    });
    list.release();
    await loading;
    expect(store.getState().servers.map((s) => [s.id, s.state])).toEqual([
      ['meatspace', 'connected'],
      ['github', 'idle'],
    ]);
    expect(store.getState().loaded).toBe(true);
  });

  it("keeps a policy change and config.json's status that came while the list was on its way", async () => {
    const { api, store } = setup();
    const list = api.hold('servers.list');
    const loading = store.getState().load();
    const policy = { server: 'meatspace', file: 'f', hash: 'h2', errors: [] };
    api.push({ name: 'policy.changed', data: { policy } });
    const problem = { path: '', message: 'config.json is missing; the config read last stays' };
    api.push({ name: 'config.changed', data: { config: configStatus({ problems: [problem] }) } });
    list.release();
    await loading;
    expect(store.getState().servers[0]?.policy.hash).toBe('h2');
    expect(store.getState().config?.problems).toEqual([problem]);
  });

  it('shows the newest list when an older answer arrives last', async () => {
    const { api, store } = setup();
    let servers = [serverInfo('meatspace')];
    api.handle('servers.list', () => ({ servers }));
    const list = api.hold('servers.list');
    const first = store.getState().load();
    servers = [serverInfo('meatspace'), serverInfo('github')];
    const second = store.getState().load();
    list.release(1);
    await second;
    list.release(0);
    await first;
    expect(store.getState().servers.map((s) => s.id)).toEqual(['meatspace', 'github']);
  });

  it('stops listening when stopped', () => {
    const { api, store } = setup();
    expect(api.listenerCount).toBe(1);
    store.stop();
    expect(api.listenerCount).toBe(0);
  });
});
