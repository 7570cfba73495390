// The running upstream servers as the app edits them: each change is written into config.json's
// mcpServers (only that entry; the rest of the file stays as the user wrote it) and then applied to
// the map the endpoint reads, so /mcp/<id> serves, changes or disappears at once.
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { ServerInfo } from '../../../shared/contract';
import { ApiError } from '../../../shared/api-error';
import type { ServerRegistry } from '../../core/api/server-handlers';
import { configEntry } from '../../core/config/server-entry';
import type { ServerConfig } from '../../core/config/types';
import { ConfigEditError, readConfigText, updateConfigJson } from './config-file';

export interface ServerRegistryOptions {
  dataDir: string;
  /** The servers in force, by id; the endpoint and the upstream channels read this map. */
  servers: Map<string, ServerConfig>;
  info(server: ServerConfig): ServerInfo;
  /** Ends what is open with the server (sessions, connection pools) so nothing uses the old entry. */
  disconnect(id: string): void;
  /** After add or update. */
  changed(server: ServerInfo): void;
  removed(id: string): void;
}

export function createServerRegistry(options: ServerRegistryOptions): ServerRegistry {
  const { dataDir, servers } = options;
  const write = (id: string, value: unknown) => {
    try {
      updateConfigJson(dataDir, ['mcpServers', id], value);
    } catch (error) {
      if (error instanceof ConfigEditError) throw new ApiError('conflict', error.message);
      throw error;
    }
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
          `config.json already lists a server "${server.id}" (added outside the app); restart Airlock to use it, or pick another id.`,
        );
      }
      write(server.id, configEntry(server));
      servers.set(server.id, server);
      const info = options.info(server);
      options.changed(info);
      return info;
    },
    update(server) {
      write(server.id, configEntry(server));
      servers.set(server.id, server);
      options.disconnect(server.id);
      const info = options.info(server);
      options.changed(info);
      return info;
    },
    remove(id) {
      write(id, undefined);
      servers.delete(id);
      options.disconnect(id);
      options.removed(id);
    },
  };
}

function listedInFile(dataDir: string, id: string): boolean {
  const text = readConfigText(dataDir);
  if (typeof text !== 'string') return false;
  const root = parseTree(text, [], { allowTrailingComma: true });
  return root !== undefined && findNodeAtLocation(root, ['mcpServers', id]) !== undefined;
}
