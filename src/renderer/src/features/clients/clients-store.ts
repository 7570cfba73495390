// The Clients screen's state: the grants (one per agent), the temporary grants given from Pending,
// the servers with the endpoint each agent connects to, and the MCP clients on this machine with
// Protect and Unprotect. A cache of the core's grants, reloaded on `grants.changed`. A new grant's
// token is kept here only until the person dismisses it: the core keeps just its hash, so this is
// the one moment it can be shown.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  Api,
  BridgeInfo,
  ClientOnMachine,
  GrantInfo,
  ProtectPlan,
  ProtectResult,
  ServerInfo,
  TemporaryGrant,
  UnprotectResult,
} from '../../../../shared/contract';
import type { ClientId } from '../../../../shared/mcp-clients';
import { errorMessage } from '../../../../shared/error-message';
import { createCacheSync, loadFailed, upsert, without } from '../../stores/cache-store';

/** A grant just created, with the token the core will never show again. */
export interface CreatedGrant {
  name: string;
  token: string;
}

/** Protect's preview of one client: what will change, for the servers chosen. */
export interface ProtectPreview {
  client: ClientId;
  /** Keys of the servers to protect; undefined means every one Airlock can. */
  chosen?: string[];
  plan?: ProtectPlan;
  loading: boolean;
  error?: string;
}

/** What the last Protect or Unprotect did, for the screen to tell. */
export type MachineOutcome =
  | { kind: 'protected'; client: ClientId; result: ProtectResult }
  | { kind: 'unprotected'; client: ClientId; result: UnprotectResult };

/** The MCP clients on this machine ("On this machine" on Clients). */
export interface MachineState {
  clients: ClientOnMachine[];
  /** How this install starts the stdio bridge, for the snippets. */
  bridge?: BridgeInfo;
  loaded: boolean;
  error?: string;
  preview?: ProtectPreview;
  /** The client a Protect or Unprotect is running for. */
  working?: ClientId;
  /** Why the last Protect or Unprotect was refused, by client. */
  refusal?: { client: ClientId; message: string };
  outcome?: MachineOutcome;
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
  machine: MachineState;
  load(): Promise<void>;
  /** Looks for the clients on this machine again. */
  loadMachine(): Promise<void>;
  /** Opens Protect's preview for a client (every server it can protect chosen). */
  preview(client: ClientId): Promise<void>;
  /** Chooses or unchooses one server in the open preview, and shows the plan for the choice. */
  choose(key: string, chosen: boolean): Promise<void>;
  closePreview(): void;
  /** Protects the client of the open preview, as previewed; true when it is protected. */
  protect(): Promise<boolean>;
  /** Unprotects a client; true when it is. */
  unprotect(client: ClientId): Promise<boolean>;
  dismissOutcome(): void;
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
const byId = (server: ServerInfo) => server.id;
const byIdOrder = (a: ServerInfo, b: ServerInfo) => a.id.localeCompare(b.id);

export function createClientsStore(api: Api): StoreApi<ClientsState> & { stop(): void } {
  let plans = 0;
  const setMachine = (change: Partial<MachineState>): void =>
    store.setState({ machine: { ...store.getState().machine, ...change } });
  /**
   * Protect or Unprotect one client: says what was done, or why not, and reads the lists again
   * (grants and servers change with it; a refusal may mean the files changed on disk).
   */
  const changeProtection = async (
    client: ClientId,
    change: () => Promise<MachineOutcome>,
  ): Promise<boolean> => {
    setMachine({ working: client, refusal: undefined });
    try {
      const outcome = await change();
      setMachine({
        ...(outcome.kind === 'protected' ? { preview: undefined } : {}),
        outcome,
        clients: replaceClient(store.getState().machine.clients, outcome.result.client),
      });
      void store.getState().load();
      return true;
    } catch (error) {
      setMachine({ refusal: { client, message: errorMessage(error) } });
      void store.getState().loadMachine();
      return false;
    } finally {
      setMachine({ working: undefined });
    }
  };
  /** Asks for the plan of `client` with `chosen` servers; only the newest answer is shown. */
  const showPlan = async (client: ClientId, chosen: string[] | undefined): Promise<void> => {
    const asked = ++plans;
    try {
      const plan = await api.call('clients.preview', {
        client,
        ...(chosen === undefined ? {} : { servers: chosen }),
      });
      if (asked !== plans || store.getState().machine.preview?.client !== client) return;
      setMachine({ preview: { client, chosen, plan, loading: false } });
    } catch (error) {
      if (asked !== plans || store.getState().machine.preview?.client !== client) return;
      setMachine({ preview: { client, chosen, loading: false, error: errorMessage(error) } });
    }
  };
  const store = createStore<ClientsState>()((set, get) => ({
    grants: [],
    temporary: [],
    servers: [],
    loaded: false,
    busy: new Set(),
    adding: false,
    machine: { clients: [], loaded: false },
    async loadMachine() {
      await onMachine.load(async () => {
        const { clients, bridge } = await api.call('clients.detect', {});
        return ({ machine }) => ({
          machine: { ...machine, clients, bridge, loaded: true, error: undefined },
        });
      });
    },
    async preview(client) {
      setMachine({ preview: { client, loading: true }, refusal: undefined, outcome: undefined });
      await showPlan(client, undefined);
    },
    async choose(key, chosen) {
      const preview = get().machine.preview;
      if (!preview) return;
      const client = get().machine.clients.find((c) => c.id === preview.client);
      const all = choosable(client);
      const current = new Set(preview.chosen ?? all);
      if (chosen) current.add(key);
      else current.delete(key);
      const next = all.filter((k) => current.has(k));
      setMachine({ preview: { ...preview, chosen: next, loading: true } });
      await showPlan(preview.client, next);
    },
    closePreview: () => setMachine({ preview: undefined }),
    async protect() {
      const preview = get().machine.preview;
      if (!preview?.plan || get().machine.working) return false;
      const { client, chosen, plan } = preview;
      return changeProtection(client, async () => ({
        kind: 'protected',
        client,
        result: await api.call('clients.protect', {
          client,
          ...(chosen === undefined ? {} : { servers: chosen }),
          basis: plan.basis,
        }),
      }));
    },
    async unprotect(client) {
      if (get().machine.working) return false;
      setMachine({ outcome: undefined });
      return changeProtection(client, async () => ({
        kind: 'unprotected',
        client,
        result: await api.call('clients.unprotect', { client }),
      }));
    },
    dismissOutcome: () => setMachine({ outcome: undefined, refusal: undefined }),
    async load() {
      await lists.load(async () => {
        const [{ grants, temporary }, { servers }] = await Promise.all([
          api.call('grants.list', {}),
          api.call('servers.list', {}),
        ]);
        return () => ({
          grants: grants.slice(0, MAX_SHOWN),
          temporary: temporary.slice(0, MAX_SHOWN),
          servers: servers.slice(0, MAX_SHOWN),
          loaded: true,
        });
      });
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
        lists.apply(({ grants, temporary, created }) => ({
          grants: grants.filter((g) => g.name !== name),
          temporary: temporary.filter((t) => t.grant !== name),
          // A revoked grant's token is worth nothing; do not keep offering it.
          ...(created?.name === name ? { created: undefined } : {}),
        }));
      });
    },
    async rename(name, newName) {
      let renamed = false;
      await busyWith(name, async () => {
        await api.call('grants.rename', { name, newName });
        renamed = true;
        lists.apply(({ grants, temporary, created }) => ({
          grants: grants.map((g) => (g.name === name ? { ...g, name: newName } : g)),
          temporary: temporary.map((t) => (t.grant === name ? { ...t, grant: newName } : t)),
          ...(created?.name === name ? { created: { ...created, name: newName } } : {}),
        }));
      });
      return renamed;
    },
    async revokeTemporary(id) {
      await busyWith(id, async () => {
        await api.call('grants.revokeTemporary', { id });
        lists.apply(({ temporary }) => ({ temporary: temporary.filter((t) => t.id !== id) }));
      });
    },
    dismissCreated: () => set({ created: undefined }),
    dismissError: () => set({ error: undefined }),
  }));

  // Loads can overlap (an event while the first load is out); only the newest one is applied.
  const lists = createCacheSync(store, loadFailed);
  const onMachine = createCacheSync(store, (error, { machine }) => ({
    machine: { ...machine, loaded: true, error },
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
    // A server Protect added, or removed, changes what the clients' servers are to Airlock.
    if (event.name === 'server.removed' && !store.getState().machine.working) {
      void store.getState().loadMachine();
    }
    if (event.name === 'grants.changed') void store.getState().load();
    else if (event.name === 'server.status') {
      // A server added while the screen is open gets its snippets too.
      const { server } = event.data;
      lists.apply(({ servers }) => ({
        servers: upsert(servers, server, byId, byIdOrder, MAX_SHOWN),
      }));
    } else if (event.name === 'server.removed') {
      const { id } = event.data;
      lists.apply(({ servers }) => ({ servers: without(servers, id, byId) }));
    }
  });
  return Object.assign(store, { stop });
}

/** The keys of the servers Protect can put Airlock in front of, in the client's order. */
export function choosable(client: ClientOnMachine | undefined): string[] {
  return (client?.files ?? []).flatMap((file) =>
    file.servers.filter((server) => server.status === 'direct').map((server) => server.key),
  );
}

function replaceClient(clients: ClientOnMachine[], client: ClientOnMachine): ClientOnMachine[] {
  return clients.map((c) => (c.id === client.id ? client : c));
}
