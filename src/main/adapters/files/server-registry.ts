// The running servers, changed two ways: by the app, which writes each change into config.json's
// mcpServers (only that entry; the rest of the file stays as the user wrote it) and then applies it,
// and by a hand edit of the file, which the config watcher hands to reload(). Either way /mcp/<id>
// serves, changes or disappears at once, and the same events go out. Env and header values live in
// the secret store, config.json refers to them; a server whose values cannot all be found is listed,
// with why, but not served.
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { ServerInfo } from '../../../shared/contract';
import { ApiError } from '../../../shared/api-error';
import type { ServerRegistry, UnavailableServer } from '../../core/api/server-handlers';
import { diffServers, type ServerChanges } from '../../core/config/config-diff';
import { secretKey, secretSlots } from '../../core/config/secret-refs';
import { configEntry } from '../../core/config/server-entry';
import type { ServerConfig, ServerEntry } from '../../core/config/types';
import { ConfigEditError, readConfigText, updateConfigJson } from './config-file';
import type { UpstreamSecrets } from './upstream-secrets';

/** Who changed a server: the app's API, or a person editing config.json. */
export type ChangeCause = 'app' | 'file';

export interface ServerRegistryOptions {
  dataDir: string;
  /** The servers in force, by id; the endpoint and the upstream channels read this map. */
  servers: Map<string, ServerConfig>;
  /** Servers config.json lists that are not served (a value missing from the secret store), at start. */
  unavailable?: Iterable<UnavailableServer>;
  secrets: UpstreamSecrets;
  info(server: ServerConfig): ServerInfo;
  /** Ends what is open with the server (sessions, connection pools) so nothing uses the old entry. */
  disconnect(id: string): void;
  /** After add or update. */
  changed(server: ServerInfo, cause: ChangeCause): void;
  removed(id: string, cause: ChangeCause): void;
  /** A server config.json lists is not served, or no longer: `server.lastError` says why. */
  failed(server: ServerInfo): void;
  /** Throws an ApiError when config.json must not be written now (it went missing). */
  assertWritable?(): void;
}

export interface RunningServers extends ServerRegistry {
  /**
   * Puts config.json's mcpServers in force: what differs from the servers in force is added,
   * changed (sessions closed) or removed. An entry already in force (the app wrote it) is left
   * alone. With the file's `text`, plain env and header values in it move to the secret store first.
   */
  reload(entries: readonly ServerEntry[], text?: string): ServerChanges;
  /** Every server config.json lists: those served, then those that cannot be. */
  list(): ServerInfo[];
}

export function createServerRegistry(options: ServerRegistryOptions): RunningServers {
  const { dataDir, servers, secrets } = options;
  const unavailable = new Map<string, UnavailableServer>(
    [...(options.unavailable ?? [])].map((server) => [server.entry.id, server]),
  );
  const write = (id: string, value: unknown) => {
    options.assertWritable?.();
    try {
      updateConfigJson(dataDir, ['mcpServers', id], value);
    } catch (error) {
      if (error instanceof ConfigEditError) throw new ApiError('conflict', error.message);
      throw error;
    }
  };
  /**
   * Values first, so that config.json never refers to one the store does not have; if the file
   * cannot be written, the store gets its old values back.
   */
  const save = (server: ServerConfig) => {
    options.assertWritable?.();
    const saved = secrets.save(server);
    try {
      write(server.id, configEntry(saved.entry));
    } catch (error) {
      saved.undo();
      throw error;
    }
  };
  /** The keys Airlock itself stored the server's values under. */
  const ownKeys = (server: ServerConfig | ServerEntry | undefined) =>
    server === undefined
      ? []
      : secretSlots<unknown>(server).map(({ field, name }) => secretKey(server.id, field, name));
  const failedInfo = ({ partial, reason }: UnavailableServer): ServerInfo => ({
    ...options.info(partial),
    state: 'failed',
    lastError: reason,
  });
  const put = (server: ServerConfig, cause: ChangeCause, reconnect: boolean): ServerInfo => {
    unavailable.delete(server.id);
    servers.set(server.id, server);
    if (reconnect) options.disconnect(server.id);
    const info = options.info(server);
    options.changed(info, cause);
    return info;
  };
  const drop = (id: string, cause: ChangeCause) => {
    unavailable.delete(id);
    servers.delete(id);
    options.disconnect(id);
    options.removed(id, cause);
  };
  const fail = (server: UnavailableServer) => {
    const id = server.entry.id;
    if (servers.delete(id)) options.disconnect(id);
    else if (unavailable.get(id)?.reason === server.reason) return;
    unavailable.set(id, server);
    options.failed(failedInfo(server));
  };
  return {
    get: (id) => servers.get(id),
    unavailable: (id) => unavailable.get(id),
    info: (id) => {
      const server = servers.get(id);
      if (server) return options.info(server);
      const failed = unavailable.get(id);
      return failed && failedInfo(failed);
    },
    list: () => [
      ...[...servers.values()].map((server) => options.info(server)),
      ...[...unavailable.values()].map(failedInfo),
    ],
    add(server) {
      if (listedInFile(dataDir, server.id)) {
        throw new ApiError(
          'conflict',
          `config.json already lists a server "${server.id}" (added outside the app); it is served as soon as the file is valid. Pick another id.`,
        );
      }
      save(server);
      return put(server, 'app', false);
    },
    update(server) {
      const before = servers.get(server.id) ?? unavailable.get(server.id)?.entry;
      save(server);
      const info = put(server, 'app', true);
      secrets.dropUnreferenced(ownKeys(before));
      return info;
    },
    remove(id) {
      const before = servers.get(id) ?? unavailable.get(id)?.entry;
      write(id, undefined);
      drop(id, 'app');
      secrets.dropUnreferenced(ownKeys(before));
    },
    reload(entries, text) {
      if (text !== undefined) secrets.moveFromConfig(text);
      const { served, unavailable: failing } = secrets.resolveAll(entries);
      const listed = new Set(entries.map((entry) => entry.id));
      const changes = diffServers(servers, served);
      for (const id of changes.removed) if (!listed.has(id)) drop(id, 'file');
      for (const id of [...unavailable.keys()]) if (!listed.has(id)) drop(id, 'file');
      for (const server of failing) fail(server);
      for (const server of changes.changed) put(server, 'file', true);
      for (const server of changes.added) put(server, 'file', false);
      return {
        ...changes,
        removed: changes.removed.filter((id) => !listed.has(id)),
      };
    },
  };
}

function listedInFile(dataDir: string, id: string): boolean {
  const text = readConfigText(dataDir);
  if (typeof text !== 'string') return false;
  const root = parseTree(text, [], { allowTrailingComma: true });
  return root !== undefined && findNodeAtLocation(root, ['mcpServers', id]) !== undefined;
}
