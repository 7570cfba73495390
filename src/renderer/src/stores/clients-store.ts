// The Clients screen's state: the grants (one per agent), the temporary grants given from Pending,
// and the servers with the endpoint each agent connects to. A cache of the core's grants, reloaded
// on `grants.changed`. A new grant's token is kept here only until the person dismisses it: the
// core keeps just its hash, so this is the one moment it can be shown.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Api, GrantInfo, ServerInfo, TemporaryGrant } from '../../../shared/contract';
import { errorMessage } from '../../../shared/error-message';

/** A grant just created, with the token the core will never show again. */
export interface CreatedGrant {
  name: string;
  token: string;
}

export interface ClientsState {
  grants: GrantInfo[];
  temporary: TemporaryGrant[];
  servers: ServerInfo[];
  loaded: boolean;
  /** The grant created last, until dismissed. */
  created?: CreatedGrant;
  /** Names or temporary ids with a command on its way, so their buttons cannot send a second. */
  busy: ReadonlySet<string>;
  /** True while a grant is being created. */
  adding: boolean;
  /** The last thing that went wrong, for the screen to show. */
  error?: string;
  load(): Promise<void>;
  /** Creates a grant; true when it was created (its token is then in `created`). */
  add(name: string): Promise<boolean>;
  revoke(name: string): Promise<void>;
  /** Renames a grant; true when it was renamed. */
  rename(name: string, newName: string): Promise<boolean>;
  revokeTemporary(id: string): Promise<void>;
  dismissCreated(): void;
  dismissError(): void;
}

/** Lists shown are capped; a person does not keep thousands of clients. */
const MAX_SHOWN = 500;

export function createClientsStore(api: Api): StoreApi<ClientsState> & { stop(): void } {
  // Loads can overlap (an event while the first load is out); only the newest one is applied.
  let loads = 0;
  const store = createStore<ClientsState>()((set, get) => ({
    grants: [],
    temporary: [],
    servers: [],
    loaded: false,
    busy: new Set(),
    adding: false,
    async load() {
      const load = ++loads;
      try {
        const [{ grants, temporary }, { servers }] = await Promise.all([
          api.call('grants.list', {}),
          api.call('servers.list', {}),
        ]);
        if (load !== loads) return;
        set({
          grants: grants.slice(0, MAX_SHOWN),
          temporary: temporary.slice(0, MAX_SHOWN),
          servers: servers.slice(0, MAX_SHOWN),
          loaded: true,
        });
      } catch (error) {
        if (load !== loads) return;
        set({ error: errorMessage(error), loaded: true });
      }
    },
    async add(name) {
      if (get().adding) return false;
      set({ adding: true });
      try {
        const { name: added, token } = await api.call('grants.add', { name });
        set({ created: { name: added, token }, error: undefined });
        // grants.changed reloads too; loading now keeps the list honest if the stream lags.
        void get().load();
        return true;
      } catch (error) {
        set({ error: errorMessage(error) });
        return false;
      } finally {
        set({ adding: false });
      }
    },
    async revoke(name) {
      await busyWith(name, async () => {
        await api.call('grants.revoke', { name });
        const created = get().created;
        set({
          grants: get().grants.filter((g) => g.name !== name),
          temporary: get().temporary.filter((t) => t.grant !== name),
          // A revoked grant's token is worth nothing; do not keep offering it.
          ...(created?.name === name ? { created: undefined } : {}),
        });
      });
    },
    async rename(name, newName) {
      let renamed = false;
      await busyWith(name, async () => {
        await api.call('grants.rename', { name, newName });
        renamed = true;
        const created = get().created;
        set({
          grants: get().grants.map((g) => (g.name === name ? { ...g, name: newName } : g)),
          temporary: get().temporary.map((t) => (t.grant === name ? { ...t, grant: newName } : t)),
          ...(created?.name === name ? { created: { ...created, name: newName } } : {}),
        });
      });
      return renamed;
    },
    async revokeTemporary(id) {
      await busyWith(id, async () => {
        await api.call('grants.revokeTemporary', { id });
        set({ temporary: get().temporary.filter((t) => t.id !== id) });
      });
    },
    dismissCreated: () => set({ created: undefined }),
    dismissError: () => set({ error: undefined }),
  }));

  async function busyWith(key: string, work: () => Promise<void>): Promise<void> {
    if (store.getState().busy.has(key)) return;
    store.setState({ busy: new Set(store.getState().busy).add(key) });
    try {
      await work();
    } catch (error) {
      store.setState({ error: errorMessage(error) });
      // Gone already (someone else revoked it, or it expired): the list should say so.
      void store.getState().load();
    } finally {
      const busy = new Set(store.getState().busy);
      busy.delete(key);
      store.setState({ busy });
    }
  }

  const stop = api.on((event) => {
    if (event.name === 'grants.changed') void store.getState().load();
    else if (event.name === 'server.status') {
      // A server added while the screen is open gets its snippets too.
      const { server } = event.data;
      const servers = store.getState().servers;
      store.setState({
        servers: servers.some((s) => s.id === server.id)
          ? servers.map((s) => (s.id === server.id ? server : s))
          : [...servers, server].sort((a, b) => a.id.localeCompare(b.id)).slice(0, MAX_SHOWN),
      });
    } else if (event.name === 'server.removed') {
      const { id } = event.data;
      store.setState({ servers: store.getState().servers.filter((s) => s.id !== id) });
    }
  });
  return Object.assign(store, { stop });
}
