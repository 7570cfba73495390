// The Servers screen's state: the configured upstream servers with their live status and policy
// state, each server's tools with the risk the core computed under the policy in force, and
// config.json's problems. A cache of the core's state, kept current by `server.status`,
// `server.removed`, `policy.changed`, `pin.changed` and `config.changed`. The renderer never decides a risk itself:
// after a policy change it asks the core again.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  Api,
  ConfigStatus,
  ConnectionTest,
  JsonProblem,
  SecretStoreInfo,
  ServerDraft,
  ServerInfo,
  ToolInfo,
} from '../../../../shared/contract';
import { ApiError } from '../../../../shared/api-error';
import { errorMessage } from '../../../../shared/error-message';
import {
  createCacheSync,
  loadFailed,
  upsert as upsertItem,
  without,
} from '../../stores/cache-store';

export interface ServerTools {
  status: 'loading' | 'loaded' | 'failed';
  tools: ToolInfo[];
  /** Tools the policy names that the server does not offer. */
  unknownInPolicy: string[];
  fetchedAt?: number;
  error?: string;
}

/** What servers.test, add and update take. */
export interface ServerRequest {
  config: Record<string, unknown>;
  keep?: { env?: string[]; headers?: string[] };
}

/** A command's answer for the form: done, or why not with the entry's problems by path. */
export type Outcome<T> =
  { ok: true; value: T } | { ok: false; message: string; problems: JsonProblem[] };

export interface ServersState {
  servers: ServerInfo[];
  loaded: boolean;
  tools: Readonly<Record<string, ServerTools>>;
  /** Server ids with a save or removal on its way. */
  busy: ReadonlySet<string>;
  /** config.json as the core last read it; its problems keep a hand edit out of force. */
  config?: ConfigStatus;
  /** Where the core keeps env and header values: the OS keychain, or a file readable by the user alone. */
  secretStore?: SecretStoreInfo;
  error?: string;
  load(): Promise<void>;
  /** Lists the server's tools; the core keeps the list, so this is cheap unless `refresh`. */
  loadTools(id: string, refresh?: boolean): Promise<void>;
  /** The saved entry for editing: env and header names, never their values. */
  draft(id: string): Promise<Outcome<ServerDraft>>;
  test(request: ServerRequest & { id?: string }): Promise<Outcome<ConnectionTest>>;
  /** Adds a server; with `starterPolicy`, also writes a policy that asks before every call if it has none. */
  add(
    id: string,
    request: ServerRequest,
    options?: { starterPolicy?: string },
  ): Promise<Outcome<ServerInfo>>;
  update(id: string, request: ServerRequest): Promise<Outcome<ServerInfo>>;
  remove(id: string): Promise<boolean>;
  /** Accepts a tool's changed definition (its hash as shown), then shows the tools again. */
  acceptDefinition(server: string, tool: string, hash: string): Promise<void>;
  dismissError(): void;
}

const MAX_SHOWN = 500;
const byId = (server: ServerInfo) => server.id;

export function createServersStore(api: Api): StoreApi<ServersState> & { stop(): void } {
  /** The newest tools request per server; older answers are dropped. */
  const toolLoads = new Map<string, number>();

  const store = createStore<ServersState>()((set, get) => ({
    servers: [],
    loaded: false,
    tools: {},
    busy: new Set(),
    async load() {
      await list.load(async () => {
        const [{ servers, secretStore }, { config }] = await Promise.all([
          api.call('servers.list', {}),
          api.call('config.status', {}),
        ]);
        return () => ({ servers: servers.slice(0, MAX_SHOWN), config, secretStore, loaded: true });
      });
    },
    async loadTools(id, refresh = false) {
      const request = (toolLoads.get(id) ?? 0) + 1;
      toolLoads.set(id, request);
      const previous = get().tools[id];
      setTools(id, {
        tools: previous?.tools ?? [],
        unknownInPolicy: previous?.unknownInPolicy ?? [],
        status: 'loading',
      });
      try {
        const answer = await api.call(
          'servers.tools',
          refresh ? { server: id, refresh } : { server: id },
        );
        if (toolLoads.get(id) !== request) return;
        setTools(id, {
          status: 'loaded',
          tools: answer.tools,
          unknownInPolicy: answer.unknownInPolicy,
          fetchedAt: answer.fetchedAt,
        });
      } catch (error) {
        if (toolLoads.get(id) !== request) return;
        setTools(id, {
          status: 'failed',
          tools: [],
          unknownInPolicy: [],
          error: errorMessage(error),
        });
      }
    },
    draft: (id) => outcome(api.call('servers.get', { id }).then((r) => r.server)),
    test: (request) => outcome(api.call('servers.test', request)),
    async add(id, request, options = {}) {
      const result = await busyWith(id, () =>
        outcome(api.call('servers.add', { id, config: request.config }).then((r) => r.server)),
      );
      if (!result.ok) return result;
      upsert(result.value);
      if (options.starterPolicy !== undefined) await writeStarterPolicy(id, options.starterPolicy);
      void get().loadTools(id);
      return result;
    },
    async update(id, request) {
      const result = await busyWith(id, () =>
        outcome(
          api
            .call('servers.update', {
              id,
              config: request.config,
              ...(request.keep ? { keep: request.keep } : {}),
            })
            .then((r) => r.server),
        ),
      );
      if (!result.ok) return result;
      upsert(result.value);
      // The core forgot the old tool list with the old entry.
      void get().loadTools(id);
      return result;
    },
    async remove(id) {
      const result = await busyWith(id, () => outcome(api.call('servers.remove', { id })));
      if (!result.ok) {
        set({ error: result.message });
        void get().load();
        return false;
      }
      drop(id);
      return true;
    },
    async acceptDefinition(server, tool, hash) {
      try {
        await api.call('tools.accept', { server, tool, hash });
      } catch (error) {
        set({ error: errorMessage(error) });
      }
      void get().loadTools(server);
    },
    dismissError: () => set({ error: undefined }),
  }));

  function setTools(id: string, tools: ServerTools): void {
    store.setState({ tools: { ...store.getState().tools, [id]: tools } });
  }

  const list = createCacheSync(store, loadFailed);

  function upsert(server: ServerInfo): void {
    list.apply(({ servers }) => ({
      servers: upsertItem(servers, server, byId, 'last', MAX_SHOWN),
    }));
  }

  function drop(id: string): void {
    toolLoads.delete(id);
    list.apply(({ servers, tools: { [id]: _gone, ...tools } }) => ({
      servers: without(servers, id, byId),
      tools,
    }));
  }

  /** Writes the starter policy only where there is no policy file, so nothing a person wrote is replaced. */
  async function writeStarterPolicy(id: string, text: string): Promise<void> {
    try {
      const current = await api.call('policies.get', { server: id });
      if (current.text !== undefined) return;
      await api.call('policies.save', { server: id, text });
    } catch (error) {
      store.setState({
        error: `The server was added, but its starter policy was not: ${errorMessage(error)}`,
      });
    }
  }

  async function busyWith<T>(id: string, work: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
    if (store.getState().busy.has(id)) {
      return { ok: false, message: `"${id}" is already being saved.`, problems: [] };
    }
    store.setState({ busy: new Set(store.getState().busy).add(id) });
    try {
      return await work();
    } finally {
      const busy = new Set(store.getState().busy);
      busy.delete(id);
      store.setState({ busy });
    }
  }

  const stop = api.on((event) => {
    const state = store.getState();
    if (event.name === 'server.status') {
      upsert(event.data.server);
    } else if (event.name === 'server.removed') {
      drop(event.data.id);
    } else if (event.name === 'config.changed') {
      const { config } = event.data;
      list.apply(() => ({ config }));
    } else if (event.name === 'policy.changed') {
      const { policy } = event.data;
      list.apply(({ servers }) => ({
        servers: servers.map((s) => (s.id === policy.server ? { ...s, policy } : s)),
      }));
      // The risks follow the policy; the core recomputes them from the tool list it keeps.
      if (state.tools[policy.server] !== undefined) void state.loadTools(policy.server);
    } else if (event.name === 'pin.changed') {
      // A definition changed or was accepted: the core compares its kept list with the pins again.
      if (state.tools[event.data.server] !== undefined) void state.loadTools(event.data.server);
    }
  });
  return Object.assign(store, { stop });
}

async function outcome<T>(promise: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return {
      ok: false,
      message: errorMessage(error),
      problems: error instanceof ApiError ? (error.problems ?? []) : [],
    };
  }
}
