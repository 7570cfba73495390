// The running servers as config.json's references resolve: a server whose value goes missing
// stops being served (its sessions close) but stays listed with why; once the value is back it is
// served again; an entry taken out of the file is removed either way. Real files, real store.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configPath, upstreamSecretsPath } from '../../../../src/main/adapters/files/data-dir';
import { createServerRegistry } from '../../../../src/main/adapters/files/server-registry';
import { UpstreamSecrets } from '../../../../src/main/adapters/files/upstream-secrets';
import { FileSecretStore } from '../../../../src/main/adapters/secrets/file-secret-store';
import { parseConfig } from '../../../../src/main/core/config/parse-config';
import type { ServerConfig } from '../../../../src/main/core/config/types';
import { silentLogger } from '../../../../src/main/core/ports';
import type { ServerInfo } from '../../../../src/shared/contract';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-registry-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function setup() {
  const store = new FileSecretStore(upstreamSecretsPath(dataDir));
  const servers = new Map<string, ServerConfig>();
  const log: string[] = [];
  const registry = createServerRegistry({
    dataDir,
    servers,
    secrets: new UpstreamSecrets({ dataDir, store, logger: silentLogger }),
    info: (server): ServerInfo => ({
      id: server.id,
      transport: server.transport,
      target: server.transport === 'stdio' ? server.command : server.url,
      endpoint: `http://127.0.0.1:1/mcp/${server.id}`,
      state: 'idle',
      sessions: 0,
      policy: { server: server.id, file: `/p/${server.id}.json`, errors: [] },
    }),
    disconnect: (id) => log.push(`disconnect ${id}`),
    changed: (server, cause) => log.push(`changed ${server.id} (${cause})`),
    removed: (id, cause) => log.push(`removed ${id} (${cause})`),
    failed: (server) => log.push(`failed ${server.id} (${server.state})`),
  });
  /** Writes config.json and hands it to the registry, as the watcher does. */
  const edit = (config: unknown) => {
    const text = JSON.stringify(config, null, 2);
    fs.writeFileSync(configPath(dataDir), text);
    const parsed = parseConfig(text);
    if (!parsed.ok) throw new Error('invalid config');
    registry.reload(parsed.value.servers, text);
  };
  return { registry, servers, store, log, edit };
}

const withKey = (key: string) => ({
  mcpServers: { tool: { command: 'node', env: { TOKEN: { secret: key } } } },
});

describe('a server whose value goes missing and comes back', () => {
  it('stops being served with why, is served again once the value is there, and is removed with its entry', () => {
    const { registry, servers, store, log, edit } = setup();
    store.set('tool/env/TOKEN', 't');
    edit(withKey('tool/env/TOKEN'));
    expect(servers.get('tool')).toMatchObject({ env: { TOKEN: 't' } });
    expect(log.splice(0)).toEqual(['changed tool (file)']);

    // A typo in the reference: sessions close, the server stays listed as failed, not removed.
    edit(withKey('tool/env/TOKEM'));
    expect(servers.has('tool')).toBe(false);
    expect(log.splice(0)).toEqual(['disconnect tool', 'failed tool (failed)']);
    expect(registry.list()).toMatchObject([
      { id: 'tool', state: 'failed', lastError: expect.stringContaining('"tool/env/TOKEM"') },
    ]);
    // Read again unchanged: nothing new to say.
    edit(withKey('tool/env/TOKEM'));
    expect(log.splice(0)).toEqual([]);

    edit(withKey('tool/env/TOKEN'));
    expect(servers.get('tool')).toMatchObject({ env: { TOKEN: 't' } });
    expect(registry.unavailable?.('tool')).toBeUndefined();
    expect(log.splice(0)).toEqual(['changed tool (file)']);

    edit(withKey('tool/env/TOKEM'));
    log.splice(0);
    edit({ mcpServers: {} });
    expect(registry.list()).toEqual([]);
    expect(log).toEqual(['disconnect tool', 'removed tool (file)']);
  });

  it('moves a value pasted into the file to the store before serving it', () => {
    const { servers, store, edit } = setup();
    edit({ mcpServers: { tool: { command: 'node', env: { TOKEN: 'pasted' } } } });
    expect(store.get('tool/env/TOKEN')).toBe('pasted');
    expect(JSON.parse(fs.readFileSync(configPath(dataDir), 'utf8'))).toEqual(
      withKey('tool/env/TOKEN'),
    );
    expect(servers.get('tool')).toMatchObject({ env: { TOKEN: 'pasted' } });
  });
});

describe('saves from the app', () => {
  it('leave the store as it was when config.json cannot be written', () => {
    const { registry, store, edit } = setup();
    store.set('tool/env/TOKEN', 'old');
    edit(withKey('tool/env/TOKEN'));
    fs.writeFileSync(configPath(dataDir), '{"mcpServers": {');
    expect(() =>
      registry.update({
        id: 'tool',
        transport: 'stdio',
        command: 'node',
        args: [],
        env: { TOKEN: 'new' },
      }),
    ).toThrow(/syntax error/);
    expect(store.get('tool/env/TOKEN')).toBe('old');
  });

  it('delete the values of names an edit dropped', () => {
    const { registry, store, edit } = setup();
    edit({ mcpServers: { tool: { command: 'node', env: { A: 'a', B: 'b' } } } });
    registry.update({
      id: 'tool',
      transport: 'stdio',
      command: 'node',
      args: [],
      env: { A: 'a2' },
    });
    expect(store.get('tool/env/A')).toBe('a2');
    expect(store.get('tool/env/B')).toBeUndefined();
  });
});
