// The running upstream servers, changed two ways: by the app, which writes each change into
// config.json's mcpServers (only that entry; the rest of the file stays as the user wrote it) and
// then applies it, and by a hand edit of the file, which the config watcher hands to reload(). Either
// way /mcp/<id> serves, changes or disappears at once, and the same events go out.
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { ServerInfo } from '../../../shared/contract';
import { ApiError } from '../../../shared/api-error';
import type { ServerRegistry } from '../../core/api/server-handlers';
import { diffServers, type ServerChanges } from '../../core/config/config-diff';
import { configEntry } from '../../core/config/server-entry';
import type { ServerConfig } from '../../core/config/types';
import { ConfigEditError, readConfigText, updateConfigJson } from './config-file';

/** Who changed a server: the app's API, or a person editing config.json. */
export type ChangeCause = 'app' | 'file';

export interface ServerRegistryOptions {
  dataDir: string;
  /** The servers in force, by id; the endpoint and the upstream channels read this map. */
  servers: Map<string, ServerConfig>;
  info(server: ServerConfig): ServerInfo;
  /** Ends what is open with the server (sessions, connection pools) so nothing uses the old entry. */
  disconnect(id: string): void;
  /** After add or update. */
  changed(server: ServerInfo, cause: ChangeCause): void;
  removed(id: string, cause: ChangeCause): void;
  /** Throws an ApiError when config.json must not be written now (it went missing). */
  assertWritable?(): void;
}

export interface RunningServers extends ServerRegistry {
  /**
   * Puts config.json's mcpServers in force: what differs from the servers in force is added,
   * changed (sessions closed) or removed. An entry already in force (the app wrote it) is left alone.
   */
  reload(servers: readonly ServerConfig[]): ServerChanges;
}

export function createServerRegistry(options: ServerRegistryOptions): RunningServers {
  const { dataDir, servers } = options;
  const write = (id: string, value: unknown) => {
    options.assertWritable?.();
    try {
      updateConfigJson(dataDir, ['mcpServers', id], value);
    } catch (error) {
      if (error instanceof ConfigEditError) throw new ApiError('conflict', error.message);
      throw error;
    }
  };
  const put = (server: ServerConfig, cause: ChangeCause, reconnect: boolean): ServerInfo => {
    servers.set(server.id, server);
    if (reconnect) options.disconnect(server.id);
    const info = options.info(server);
    options.changed(info, cause);
    return info;
  };
  const drop = (id: string, cause: ChangeCause) => {
    servers.delete(id);
    options.disconnect(id);
    options.removed(id, cause);
  };
  return {
    get: (id) => servers.get(id),
    info: (id) => {
      const server = servers.get(id);
      return server && options.info(server);
    },
    add(server) {
      if (listedInFile(dataDir, server.id)) {
        throw new ApiError(
          'conflict',
          `config.json already lists a server "${server.id}" (added outside the app); it is served as soon as the file is valid. Pick another id.`,
        );
      }
      write(server.id, configEntry(server));
      return put(server, 'app', false);
    },
    update(server) {
      write(server.id, configEntry(server));
      return put(server, 'app', true);
    },
    remove(id) {
      write(id, undefined);
      drop(id, 'app');
    },
    reload(next) {
      const changes = diffServers(servers, next);
      for (const id of changes.removed) drop(id, 'file');
      for (const server of changes.changed) put(server, 'file', true);
      for (const server of changes.added) put(server, 'file', false);
      return changes;
    },
  };
}

function listedInFile(dataDir: string, id: string): boolean {
  const text = readConfigText(dataDir);
  if (typeof text !== 'string') return false;
  const root = parseTree(text, [], { allowTrailingComma: true });
  return root !== undefined && findNodeAtLocation(root, ['mcpServers', id]) !== undefined;
}
