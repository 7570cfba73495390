// Held calls announced by a browser tab (with `airlock serve`; the desktop app notifies by itself):
// the tab's title counts the calls waiting ("(2) Airlock"), and once the person has opted in a
// notification names a newly held call, in the desktop notifier's words and the same way: one at
// a time ("3 calls wait"), gone when none wait, and a click brings the tab up on Pending.
import type { StoreApi } from 'zustand/vanilla';
import { heldCallAlert } from '../../../../shared/held-call-alert';
import type { PendingState } from '../../stores/pending-store';
import {
  notifying,
  type BrowserAlertsState,
  type BrowserNotification,
  type BrowserNotificationClass,
} from '../../stores/browser-alerts-store';

export const APP_TITLE = 'Airlock';

/** Every Airlock tab uses this tag, so two open tabs replace each other's notification. */
const NOTIFICATION_TAG = 'airlock-held-calls';

export interface BrowserAlertsDeps {
  pending: StoreApi<PendingState>;
  alerts: StoreApi<BrowserAlertsState>;
  /** window.Notification; undefined where the browser has none. */
  Notification?: BrowserNotificationClass;
  /** Whose title counts the calls: the page's document. */
  document: { title: string };
  /** Brings this tab forward, on Pending. */
  openPending(): void;
}

/** Starts announcing; returns the function that stops, closes what is shown and resets the title. */
export function startBrowserAlerts(deps: BrowserAlertsDeps): () => void {
  let shown: BrowserNotification | undefined;
  /** The calls already announced or on screen; undefined until the first list has arrived. */
  let known: Set<string> | undefined;

  const close = () => {
    shown?.close();
    shown = undefined;
  };
  const show = (approvals: PendingState['approvals']) => {
    close();
    const Notification = deps.Notification;
    // The permission is read again: the person may have withdrawn it in the site's settings.
    if (!Notification || Notification.permission !== 'granted') return;
    if (!notifying(deps.alerts.getState())) return;
    // The store lists the newest first; the words name the newest, taken last.
    const alert = heldCallAlert([...approvals].reverse());
    if (!alert) return;
    const notification = new Notification(alert.title, { body: alert.body, tag: NOTIFICATION_TAG });
    notification.onclick = () => {
      notification.close();
      deps.openPending();
    };
    shown = notification;
  };

  const follow = (state: PendingState) => {
    const waiting = state.approvals.length;
    deps.document.title = waiting > 0 ? `(${waiting}) ${APP_TITLE}` : APP_TITLE;
    // Answered here, in another tab, in the desktop app or by a script: nothing is left to say.
    if (waiting === 0) close();
    // The calls waiting when the tab opened are on screen already; only later ones are announced.
    if (!state.loaded) return;
    const before = known;
    known = new Set(state.approvals.map((a) => a.id));
    if (before !== undefined && state.approvals.some((a) => !before.has(a.id))) {
      show(state.approvals);
    }
  };

  const stopFollowing = deps.pending.subscribe(follow);
  // Turned off in Settings: what is on screen goes too.
  const stopWatchingChoice = deps.alerts.subscribe((state) => {
    if (!notifying(state)) close();
  });
  follow(deps.pending.getState());
  // The title counts the calls waiting on every screen, not only once Pending has been opened.
  if (!deps.pending.getState().loaded) void deps.pending.getState().load();

  return () => {
    stopFollowing();
    stopWatchingChoice();
    close();
    deps.document.title = APP_TITLE;
  };
}
