// Native notifications for held calls, so a person who is not looking at Airlock learns that an
// agent is waiting. One per held call, naming tool, client and server (never the arguments: a
// notification can show on a locked screen); calls that arrive together share one ("3 calls
// wait"), so a looping agent cannot flood the desktop. Where the platform has notification
// buttons (macOS) a single call's notification answers it with Allow and Deny; elsewhere a click
// opens Pending. A notification goes away once its calls are answered, wherever that happened.
import type { AppEvent, Approval } from '../../../shared/contract';
import { errorMessage } from '../../../shared/error-message';
import type { Logger, Timers } from '../../core/ports';
import { nativeText } from './native-text';

/** The part of Electron's Notification this uses (a fake in tests). */
export interface NotificationLike {
  show(): void;
  close(): void;
  on(event: 'click', listener: () => void): unknown;
  on(event: 'action', listener: (event: unknown, index: number) => void): unknown;
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
  /** The platform shows notification buttons (macOS). */
  actions: boolean;
  /** Answers a held call as the window's buttons would. */
  decide(id: string, decision: 'allow' | 'deny'): Promise<unknown>;
  /** Brings the app's window up on Pending. */
  openPending(): void;
  timers: Timers;
  logger: Logger;
}

/** Calls held within this long of the first of them share one notification. */
export const GROUP_MS = 1000;
/** Calls named in a shared notification's text; the rest are counted. */
const NAMED_IN_GROUP = 3;

export const ACTION_LABELS = ['Allow', 'Deny'] as const;

interface Shown {
  notification: NotificationLike;
  /** The held calls it tells of that are still waiting. */
  calls: Set<string>;
}

/** Starts notifying; returns the function that stops and closes what is shown. */
export function notifyHeldCalls(deps: HeldCallNotifierDeps): () => void {
  /** Held calls not yet shown: they wait for the group's time to pass. */
  let arriving: Approval[] = [];
  let cancelGroup: (() => void) | undefined;
  const shown = new Set<Shown>();

  const show = () => {
    cancelGroup = undefined;
    const calls = arriving;
    arriving = [];
    if (calls.length === 0 || !deps.enabled() || !deps.Notification.isSupported()) return;
    const single = calls.length === 1 ? calls[0] : undefined;
    const notification = new deps.Notification({
      ...(single ? singleText(single) : groupText(calls)),
      silent: !deps.sound(),
      ...(single && deps.actions
        ? { actions: ACTION_LABELS.map((text) => ({ type: 'button' as const, text })) }
        : {}),
    });
    const entry: Shown = { notification, calls: new Set(calls.map((call) => call.id)) };
    notification.on('click', () => deps.openPending());
    if (single) {
      notification.on('action', (_event, index) => {
        const decision = index === 0 ? 'allow' : 'deny';
        deps.decide(single.id, decision).catch((error: unknown) =>
          deps.logger.warn('notification: could not answer the call', {
            error: errorMessage(error),
          }),
        );
      });
    }
    notification.show();
    shown.add(entry);
  };

  const answered = (id: string) => {
    arriving = arriving.filter((call) => call.id !== id);
    for (const entry of shown) {
      if (!entry.calls.delete(id) || entry.calls.size > 0) continue;
      entry.notification.close();
      shown.delete(entry);
    }
  };

  const unsubscribe = deps.subscribe((event) => {
    if (event.name === 'approval.added') {
      arriving.push(event.data.approval);
      cancelGroup ??= deps.timers.after(GROUP_MS, show);
    } else if (event.name === 'approval.resolved') {
      answered(event.data.approval.id);
    }
  });
  return () => {
    unsubscribe();
    cancelGroup?.();
    arriving = [];
    for (const entry of shown) entry.notification.close();
    shown.clear();
  };
}

function singleText(call: Approval): { title: string; body: string } {
  return {
    title: `${nativeText(call.tool, 60)} needs your approval`,
    body: `${nativeText(call.grant, 40)} on ${nativeText(call.server, 40)}: ${nativeText(call.reason, 160)}`,
  };
}

function groupText(calls: Approval[]): { title: string; body: string } {
  const named = calls
    .slice(0, NAMED_IN_GROUP)
    .map((call) => `${nativeText(call.tool, 40)} from ${nativeText(call.grant, 30)}`);
  const more = calls.length - named.length;
  return {
    title: `${calls.length} calls wait for your approval`,
    body: named.join(', ') + (more > 0 ? `, and ${more} more` : ''),
  };
}
