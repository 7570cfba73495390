// Native notifications for held calls, so a person who is not looking at Airlock learns that an
// agent is waiting. One per held call, naming tool, client and server (never the arguments: a
// notification can show on a locked screen); calls that arrive together share one ("3 calls
// wait"), so a looping agent cannot flood the desktop. Where the platform has notification
// buttons (macOS) a single call's notification answers it with Allow and Deny; elsewhere a click
// opens Pending. A notification goes away once its calls are answered, wherever that happened.
import type { AppEvent } from '../../../shared/contract';
import { errorMessage } from '../../../shared/error-message';
import { heldCallNotices } from '../../../shared/held-call-notices';
import type { Logger, Timers } from '../../core/ports';

/** The part of Electron's Notification this uses (a fake in tests). */
export interface NotificationLike {
  show(): void;
  close(): void;
  on(event: 'click', listener: () => void): unknown;
  on(
    event: 'action',
    listener: (details: { actionIndex?: number }, deprecatedIndex: number) => void,
  ): unknown;
}

export interface NotificationOptions {
  title: string;
  body: string;
  silent: boolean;
  actions?: { type: 'button'; text: string }[];
}

export interface NotificationClass {
  isSupported(): boolean;
  new (options: NotificationOptions): NotificationLike;
}

export interface HeldCallNotifierDeps {
  Notification: NotificationClass;
  subscribe(listener: (event: AppEvent) => void): () => void;
  /** The notifications setting, read at each held call so a change applies at once. */
  enabled(): boolean;
  /** Whether a notification plays the system's sound. */
  sound(): boolean;
  /** The platform shows notification buttons (macOS; Windows toasts with an AppUserModelID). */
  actions: boolean;
  /** Answers a held call as the window's buttons would. */
  decide(id: string, decision: 'allow' | 'deny'): Promise<unknown>;
  /** Brings the app's window up on Pending. */
  openPending(): void;
  timers: Timers;
  logger: Logger;
}

export { GROUP_MS } from '../../../shared/held-call-notices';

export const ACTION_LABELS = ['Allow', 'Deny'] as const;

/** Starts notifying; returns the function that stops and closes what is shown. */
export function notifyHeldCalls(deps: HeldCallNotifierDeps): () => void {
  // Which calls share a notification, what it says and when it goes: shared with the browser tab.
  const notices = heldCallNotices<NotificationLike>({
    after: (ms, fn) => deps.timers.after(ms, fn),
    show: (calls, text) => {
      if (!deps.enabled() || !deps.Notification.isSupported()) return undefined;
      const single = calls.length === 1 ? calls[0] : undefined;
      const notification = new deps.Notification({
        ...text,
        silent: !deps.sound(),
        ...(single && deps.actions
          ? { actions: ACTION_LABELS.map((label) => ({ type: 'button' as const, text: label })) }
          : {}),
      });
      notification.on('click', () => deps.openPending());
      if (single) {
        notification.on('action', (details, deprecatedIndex) => {
          // Electron 45 names the button in the event; older ones passed it second.
          const index = details?.actionIndex ?? deprecatedIndex;
          const decision = index === 0 ? 'allow' : 'deny';
          deps.decide(single.id, decision).catch((error: unknown) =>
            deps.logger.warn('notification: could not answer the call', {
              error: errorMessage(error),
            }),
          );
        });
      }
      notification.show();
      return notification;
    },
    close: (notification) => notification.close(),
  });
  const unsubscribe = deps.subscribe((event) => {
    if (event.name === 'approval.added') notices.held(event.data.approval);
    else if (event.name === 'approval.resolved') notices.answered(event.data.approval.id);
  });
  return () => {
    unsubscribe();
    notices.stop();
  };
}
