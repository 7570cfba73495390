// Whether Airlock is paused (every agent's call refused until a person resumes), as the core says
// and its pause.changed events keep current, and the command that switches it.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Api } from '../../../shared/contract';
import { errorMessage } from '../../../shared/error-message';

export interface PauseStoreState {
  /** Undefined until loaded. */
  paused?: boolean;
  /** Epoch ms the pause began. */
  since?: number;
  /** Set while a switch is on its way, so the button cannot be pressed twice. */
  switching: boolean;
  error?: string;
  load(): Promise<void>;
  set(paused: boolean): Promise<void>;
}

export function createPauseStore(api: Api): StoreApi<PauseStoreState> & { stop(): void } {
  let loads = 0;
  const store = createStore<PauseStoreState>()((set) => ({
    switching: false,
    async load() {
      const load = ++loads;
      try {
        const { pause } = await api.call('pause.get', {});
        if (load === loads) set({ paused: pause.paused, since: pause.since, error: undefined });
      } catch (error) {
        if (load === loads) set({ error: errorMessage(error) });
      }
    },
    async set(paused) {
      set({ switching: true, error: undefined });
      try {
        const { pause } = await api.call('pause.set', { paused });
        // An event may have said the same already; a later load is not overtaken by this answer.
        loads++;
        set({ paused: pause.paused, since: pause.since });
      } catch (error) {
        set({ error: errorMessage(error) });
      } finally {
        set({ switching: false });
      }
    },
  }));
  const stop = api.on((event) => {
    if (event.name !== 'pause.changed') return;
    // Newer than any list answer on its way.
    loads++;
    store.setState({ paused: event.data.pause.paused, since: event.data.pause.since });
  });
  return Object.assign(store, { stop });
}
