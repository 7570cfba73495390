// The Settings screen's state: the core's settings, kept in step by the settings.changed event,
// config.json's status (its problems, what waits for the next start) kept in step by
// config.changed, and the change being saved. A cache of the core's state; the core checks every change.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  Api,
  ApiErrorBody,
  ConfigStatus,
  EditableSettings,
  Settings,
} from '../../../../shared/contract';
import { EDITABLE_SETTING_KEYS } from '../../../../shared/model/settings';
import { ApiError } from '../../api/api-client';

export type SettingsChange = Partial<EditableSettings>;

export interface SettingsState {
  settings?: Settings;
  /** The port Airlock listens on now; settings.port may name another for the next start. */
  listeningPort?: number;
  /** config.json as the core last read it: problems that keep it out of force, settings for the next start. */
  config?: ConfigStatus;
  loaded: boolean;
  saving: boolean;
  /** The last thing that went wrong, for the screen to show, with the core's problems if any. */
  error?: { message: string; problems?: ApiErrorBody['error']['problems'] };
  /**
   * When the last save succeeded (ms since the epoch); cleared by the next save or error, and by
   * settings changed from elsewhere.
   */
  savedAt?: number;
  load(): Promise<void>;
  /** Sends only the fields that differ from the settings held; nothing when none do. */
  save(change: SettingsChange): Promise<void>;
  dismissError(): void;
}

export function createSettingsStore(
  api: Api,
  now: () => number = Date.now,
): StoreApi<SettingsState> & { stop(): void } {
  const store = createStore<SettingsState>()((set, get) => ({
    loaded: false,
    saving: false,
    async load() {
      try {
        const [{ settings, listeningPort }, { config }] = await Promise.all([
          api.call('settings.get', {}),
          api.call('config.status', {}),
        ]);
        set({ settings, listeningPort, config, loaded: true });
      } catch (error) {
        set({ error: errorOf(error), loaded: true });
      }
    },
    async save(change) {
      if (get().saving) return;
      const changed = changedFields(get().settings, change);
      if (Object.keys(changed).length === 0) return;
      set({ saving: true, error: undefined, savedAt: undefined });
      try {
        const { settings } = await api.call('settings.update', changed);
        set({ settings, savedAt: now() });
      } catch (error) {
        set({ error: errorOf(error) });
      } finally {
        set({ saving: false });
      }
    },
    dismissError: () => set({ error: undefined }),
  }));

  const stop = api.on((event) => {
    if (event.name === 'settings.changed') {
      // Settings changed from elsewhere (config.json edited, another window) are not what this
      // screen saved: its "Saved" no longer describes them.
      const { settings } = event.data;
      const same = JSON.stringify(settings) === JSON.stringify(store.getState().settings);
      store.setState(same ? { settings } : { settings, savedAt: undefined });
    } else if (event.name === 'config.changed') store.setState({ config: event.data.config });
  });
  return Object.assign(store, { stop });
}

/** The fields of `change` that differ from `settings` (all of them when nothing is loaded). */
export function changedFields(
  settings: Settings | undefined,
  change: SettingsChange,
): SettingsChange {
  const changed: SettingsChange = {};
  for (const key of EDITABLE_SETTING_KEYS) {
    const value = change[key];
    if (value !== undefined && value !== settings?.[key]) {
      (changed as Record<string, unknown>)[key] = value;
    }
  }
  return changed;
}

function errorOf(error: unknown): NonNullable<SettingsState['error']> {
  if (error instanceof ApiError) {
    return error.problems?.length
      ? { message: error.message, problems: error.problems }
      : { message: error.message };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}
