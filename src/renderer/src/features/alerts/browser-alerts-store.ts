// Whether this browser tab raises a notification when a call is held (only with `airlock serve`;
// the desktop app has its own). The browser asks for permission only when the person opts in,
// never on page load; turning alerts off again is remembered by this browser.
import { createStore, type StoreApi } from 'zustand/vanilla';

/** The part of the browser's Notification this uses (a fake in tests). */
export interface BrowserNotification {
  close(): void;
  onclick: ((event: Event) => unknown) | null;
}

export interface BrowserNotificationClass {
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  new (title: string, options: { body: string; tag: string }): BrowserNotification;
}

export interface BrowserAlertsState {
  /** What the browser allows; 'unsupported' when it has no notifications at all. */
  permission: NotificationPermission | 'unsupported';
  /** The person turned notifications off in this browser. */
  turnedOff: boolean;
  /** The person said "Not now" to the offer on Pending. */
  promptDismissed: boolean;
  /** The browser's permission question is open. */
  asking: boolean;
  /** Opts in: asks the browser for permission if it has not been given. Call from a click. */
  turnOn(): Promise<void>;
  turnOff(): void;
  dismissPrompt(): void;
  /** Reads the permission again (the person may have changed it in the site's settings). */
  refresh(): void;
}

export interface BrowserAlertsEnvironment {
  /** window.Notification; undefined where the browser has none. */
  Notification?: BrowserNotificationClass;
  /** window.localStorage; undefined (or throwing) where storage is off. */
  storage?: Storage;
}

const TURNED_OFF_KEY = 'airlock.browserNotifications.off';
const PROMPT_DISMISSED_KEY = 'airlock.browserNotifications.promptDismissed';

/** A notification is raised for a newly held call. */
export function notifying(state: BrowserAlertsState): boolean {
  return state.permission === 'granted' && !state.turnedOff;
}

/** The offer on Pending: notifications could be turned on and the person has not said no. */
export function offering(state: BrowserAlertsState): boolean {
  return state.permission === 'default' && !state.turnedOff && !state.promptDismissed;
}

export function createBrowserAlertsStore(
  env: BrowserAlertsEnvironment,
): StoreApi<BrowserAlertsState> {
  const permission = (): BrowserAlertsState['permission'] =>
    env.Notification?.permission ?? 'unsupported';
  const remember = (key: string, on: boolean) => {
    try {
      if (on) env.storage?.setItem(key, '1');
      else env.storage?.removeItem(key);
    } catch {
      // Storage turned off: the choice lasts as long as the tab.
    }
  };
  const recall = (key: string) => {
    try {
      return env.storage?.getItem(key) === '1';
    } catch {
      return false;
    }
  };

  return createStore<BrowserAlertsState>()((set, get) => ({
    permission: permission(),
    turnedOff: recall(TURNED_OFF_KEY),
    promptDismissed: recall(PROMPT_DISMISSED_KEY),
    asking: false,
    async turnOn() {
      remember(TURNED_OFF_KEY, false);
      set({ turnedOff: false });
      if (!env.Notification || get().asking) return;
      if (env.Notification.permission !== 'default') return set({ permission: permission() });
      set({ asking: true });
      try {
        set({ permission: await env.Notification.requestPermission() });
      } catch {
        // A browser that refuses to ask (say, outside a click) leaves the permission as it was.
        set({ permission: permission() });
      } finally {
        set({ asking: false });
      }
    },
    turnOff() {
      remember(TURNED_OFF_KEY, true);
      set({ turnedOff: true });
    },
    dismissPrompt() {
      remember(PROMPT_DISMISSED_KEY, true);
      set({ promptDismissed: true });
    },
    refresh: () => set({ permission: permission() }),
  }));
}
