// What a new user still has to set up before an agent can get through: a server, a policy for it
// and a client. Read from the core and kept current by its events, so the checklist ticks itself
// off as the person works through the other screens.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Api } from '../../../shared/contract';

export interface SetupState {
  loaded: boolean;
  hasServer: boolean;
  /** Some server has a valid policy in force. */
  hasPolicy: boolean;
  hasClient: boolean;
  load(): Promise<void>;
}

export function createSetupStore(api: Api): StoreApi<SetupState> & { stop(): void } {
  let loads = 0;
  const store = createStore<SetupState>()((set) => ({
    loaded: false,
    hasServer: false,
    hasPolicy: false,
    hasClient: false,
    async load() {
      const load = ++loads;
      try {
        const [{ servers }, { grants }] = await Promise.all([
          api.call('servers.list', {}),
          api.call('grants.list', {}),
        ]);
        if (load !== loads) return;
        set({
          loaded: true,
          hasServer: servers.length > 0,
          hasPolicy: servers.some((s) => s.policy.hash !== undefined),
          hasClient: grants.length > 0,
        });
      } catch {
        // The checklist is a guide, not a gate: a failed load just leaves it as it was; the
        // screens show the error.
      }
    },
  }));
  const stop = api.on((event) => {
    if (
      event.name === 'server.status' ||
      event.name === 'server.removed' ||
      event.name === 'policy.changed' ||
      event.name === 'grants.changed'
    ) {
      void store.getState().load();
    }
  });
  return Object.assign(store, { stop });
}
