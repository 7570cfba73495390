// Held calls announced by a browser tab (with `airlock serve`; the desktop app notifies by itself):
// the tab's title counts the calls waiting ("(2) Airlock"), and once the person has opted in,
// notifications tell of newly held calls exactly as the desktop app's do (src/shared/
// held-call-notices.ts: one per call held apart, one for calls held together, gone once answered
// anywhere); a click brings the tab up on Pending.
import type { StoreApi } from 'zustand/vanilla';
import { heldCallNotices, type NoticeTimers } from '../../../../shared/held-call-notices';
import type { PendingState } from '../pending/pending-store';
import {
  notifying,
  type BrowserAlertsState,
  type BrowserNotification,
  type BrowserNotificationClass,
} from './browser-alerts-store';

const APP_TITLE = 'Airlock';

export interface BrowserAlertsDeps {
  pending: StoreApi<PendingState>;
  alerts: StoreApi<BrowserAlertsState>;
  /** window.Notification; undefined where the browser has none. */
  Notification?: BrowserNotificationClass;
  /** Whose title counts the calls: the page's document. */
  document: { title: string };
  /** When a group of held calls is shown; tests move time by hand. */
  timers: NoticeTimers;
  /** Brings this tab forward, on Pending. */
  openPending(): void;
}

/** Starts announcing; returns the function that stops, closes what is shown and resets the title. */
export function startBrowserAlerts(deps: BrowserAlertsDeps): () => void {
  const notices = heldCallNotices<BrowserNotification>({
    after: (ms, fn) => deps.timers.after(ms, fn),
    show: (calls, text) => {
      const Notification = deps.Notification;
      // The permission is read again: the person may have changed it in the site's settings.
      deps.alerts.getState().refresh();
      if (!Notification || !notifying(deps.alerts.getState())) return undefined;
      const notification = new Notification(text.title, {
        body: text.body,
        // Two Airlock tabs make the same notification for the same calls: one replaces the other.
        tag: `airlock-held-${calls[0]!.id}`,
      });
      notification.onclick = () => {
        notification.close();
        deps.openPending();
      };
      return notification;
    },
    close: (notification) => notification.close(),
  });

  /** The calls waiting as last seen; undefined until the first list has arrived. */
  let known: Set<string> | undefined;
  const follow = (state: PendingState) => {
    const waiting = state.approvals.length;
    deps.document.title = waiting > 0 ? `(${waiting}) ${APP_TITLE}` : APP_TITLE;
    // The calls waiting when the tab opened are on screen already; only later ones are told of.
    if (!state.loaded) return;
    const before = known;
    known = new Set(state.approvals.map((a) => a.id));
    if (before === undefined) return;
    // Answered here, in another tab, in the desktop app or by a script.
    for (const id of before) if (!known.has(id)) notices.answered(id);
    // The store lists the newest first; they are told of in the order they were held.
    for (const approval of [...state.approvals].reverse()) {
      if (!before.has(approval.id)) notices.held(approval);
    }
  };

  const stopFollowing = deps.pending.subscribe(follow);
  // Turned off in Settings: what is on screen goes too.
  const stopWatchingChoice = deps.alerts.subscribe((state) => {
    if (!notifying(state)) notices.closeAll();
  });
  follow(deps.pending.getState());
  // The title counts the calls waiting on every screen, not only once Pending has been opened.
  if (!deps.pending.getState().loaded) void deps.pending.getState().load();

  return () => {
    stopFollowing();
    stopWatchingChoice();
    notices.stop();
    deps.document.title = APP_TITLE;
  };
}
