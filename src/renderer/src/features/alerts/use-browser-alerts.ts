// Wires a browser tab's alerts into the app: only over HTTP (`airlock serve` in a browser), since
// in the desktop app the main process notifies and the window stays quiet.
import { useEffect, useMemo, useRef } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import type { ApiTransport } from '../../api/api-client';
import type { PendingState } from '../pending/pending-store';
import {
  createBrowserAlertsStore,
  type BrowserAlertsState,
  type BrowserNotificationClass,
} from './browser-alerts-store';
import type { NoticeTimers } from '../../../../shared/held-call-notices';
import { startBrowserAlerts } from './browser-alerts';

/** The page's own timers. */
export const pageTimers: NoticeTimers = {
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

/** The browser's Notification, where it has one. */
function browserNotification(): BrowserNotificationClass | undefined {
  return 'Notification' in window ? window.Notification : undefined;
}

/** localStorage, where the browser lets the page have it (reading it can throw). */
function browserStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/**
 * In a browser (HTTP transport), the tab announces held calls; in the desktop app the main
 * process notifies, so the window does not. Returns the opt-in's store, or undefined there.
 */
export function useBrowserAlerts({
  transport,
  pending,
  timers,
  openPending,
}: {
  transport: ApiTransport;
  pending: StoreApi<PendingState>;
  timers: NoticeTimers;
  openPending(): void;
}): StoreApi<BrowserAlertsState> | undefined {
  const alerts = useMemo(
    () =>
      transport === 'http'
        ? createBrowserAlertsStore({
            Notification: browserNotification(),
            storage: browserStorage(),
          })
        : undefined,
    [transport],
  );
  // The latest screen switcher, without restarting the alerts each render.
  const open = useRef(openPending);
  useEffect(() => {
    open.current = openPending;
  });
  useEffect(() => {
    if (!alerts) return;
    return startBrowserAlerts({
      pending,
      alerts,
      Notification: browserNotification(),
      document,
      timers,
      openPending: () => {
        window.focus();
        open.current();
      },
    });
  }, [alerts, pending, timers]);
  return alerts;
}
