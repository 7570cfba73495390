// Native notifications for held calls, so a person who is not looking at Airlock learns that an
// agent is waiting. One notification at a time: a looping agent updates it ("3 calls wait")
// rather than flooding the desktop. It says which tool and client, never the arguments.
import type { AppEvent } from '../../../shared/contract';

/** The part of Electron's Notification this uses (a fake in tests). */
export interface NotificationLike {
  show(): void;
  close(): void;
  on(event: 'click', listener: () => void): unknown;
}

export interface NotificationClass {
  isSupported(): boolean;
  new (options: { title: string; body: string }): NotificationLike;
}

export interface HeldCallNotifierDeps {
  Notification: NotificationClass;
  subscribe(listener: (event: AppEvent) => void): () => void;
  /** The notifications setting, read at each held call so a change applies at once. */
  enabled(): boolean;
  /** Brings the app's window up, where Pending is. */
  openPending(): void;
}

/** Starts notifying; returns the function that stops and closes what is shown. */
export function notifyHeldCalls(deps: HeldCallNotifierDeps): () => void {
  const waiting = new Map<
    string,
    { tool: string; grant: string; server: string; reason: string }
  >();
  let shown: NotificationLike | undefined;

  const close = () => {
    shown?.close();
    shown = undefined;
  };
  const show = () => {
    close();
    if (waiting.size === 0 || !deps.enabled() || !deps.Notification.isSupported()) return;
    const newest = [...waiting.values()].at(-1)!;
    const notification = new deps.Notification(
      waiting.size === 1
        ? {
            title: `${newest.tool} needs your approval`,
            body: `${newest.grant} on ${newest.server}: ${newest.reason}`,
          }
        : {
            title: `${waiting.size} calls wait for your approval`,
            body: `Newest: ${newest.tool} from ${newest.grant} on ${newest.server}`,
          },
    );
    notification.on('click', () => deps.openPending());
    notification.show();
    shown = notification;
  };

  const unsubscribe = deps.subscribe((event) => {
    if (event.name === 'approval.added') {
      const { id, tool, grant, server, reason } = event.data.approval;
      waiting.set(id, { tool, grant, server, reason });
      show();
    } else if (event.name === 'approval.resolved') {
      if (!waiting.delete(event.data.approval.id)) return;
      // Answered calls leave the count; when none wait, nothing is left on screen.
      if (waiting.size === 0) close();
    }
  });
  return () => {
    unsubscribe();
    close();
    waiting.clear();
  };
}
