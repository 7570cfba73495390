// Which notifications tell a person of held calls, and what they say: the same for the desktop
// app's native notifications and a browser tab's. A call held apart gets its own; calls held within
// GROUP_MS of the first share one ("3 calls wait"), so a looping agent cannot flood the screen.
// Each names tool, client and server, never the arguments (a notification can show on a locked
// screen), and goes away once all its calls are answered, wherever that happened.
import type { Approval } from './contract';
import { escapeBidiControls } from './bidi-controls';
import { cutText } from './cut-text';

/** Calls held within this long of the first of them share one notification. */
export const GROUP_MS = 1000;
/** Calls named in a shared notification's text; the rest are counted. */
const NAMED_IN_GROUP = 3;

export type HeldCall = Pick<Approval, 'id' | 'tool' | 'grant' | 'server' | 'reason'> &
  Partial<Pick<Approval, 'definitionChange'>>;

export interface NoticeText {
  title: string;
  body: string;
}

/**
 * A name or reason from an agent, a server or a policy as a notification shows it: the operating
 * system draws it, not React, so bidirectional controls are shown as escapes, control characters
 * dropped and the length cut, as on the screens.
 */
export function noticeText(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return escapeBidiControls(cutText(text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' '), max));
}

/** What the notification for `calls` (held together, oldest first) says. */
export function heldCallsText(calls: readonly HeldCall[]): NoticeText {
  if (calls.length === 1) {
    const call = calls[0]!;
    return {
      // A changed definition is the news: the tool may no longer be the one that was trusted.
      title:
        call.definitionChange === undefined
          ? `${noticeText(call.tool, 60)} needs your approval`
          : `${noticeText(call.tool, 60)} changed its definition: approve the call?`,
      body: `${noticeText(call.grant, 40)} on ${noticeText(call.server, 40)}: ${noticeText(call.reason, 160)}`,
    };
  }
  const named = calls
    .slice(0, NAMED_IN_GROUP)
    .map(
      (call) =>
        `${noticeText(call.tool, 40)}${call.definitionChange === undefined ? '' : ' (definition changed)'} from ${noticeText(call.grant, 30)}`,
    );
  const more = calls.length - named.length;
  return {
    title: `${calls.length} calls wait for your approval`,
    body: named.join(', ') + (more > 0 ? `, and ${more} more` : ''),
  };
}

/** Runs a function later; the core's Timers fit, a tab passes setTimeout's, tests move time. */
export interface NoticeTimers {
  /** Calls `fn` after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export interface HeldCallNoticesDeps<N> extends NoticeTimers {
  /** Shows one notification for `calls`; undefined when none was shown (turned off, say). */
  show(calls: readonly HeldCall[], text: NoticeText): N | undefined;
  close(notification: N): void;
}

export interface HeldCallNotices {
  /** A call was held. */
  held(call: HeldCall): void;
  /** A call was answered (allowed, denied, timed out or withdrawn), wherever. */
  answered(id: string): void;
  /** Closes what is shown; calls held from now on are still told of. */
  closeAll(): void;
  /** Closes what is shown and tells of nothing more. */
  stop(): void;
}

/** Follows held and answered calls, and shows and closes their notifications through `deps`. */
export function heldCallNotices<N>(deps: HeldCallNoticesDeps<N>): HeldCallNotices {
  /** Held calls not yet shown: they wait for their group's time to pass. */
  let arriving: HeldCall[] = [];
  let cancelGroup: (() => void) | undefined;
  /** Each notification shown, with the calls it tells of that still wait. */
  const shown = new Map<N, Set<string>>();
  let stopped = false;

  const showGroup = () => {
    cancelGroup = undefined;
    const calls = arriving;
    arriving = [];
    if (calls.length === 0) return;
    const notification = deps.show(calls, heldCallsText(calls));
    if (notification !== undefined) shown.set(notification, new Set(calls.map((c) => c.id)));
  };

  const closeAll = () => {
    for (const notification of shown.keys()) deps.close(notification);
    shown.clear();
  };

  return {
    held(call) {
      if (stopped) return;
      arriving.push(call);
      cancelGroup ??= deps.after(GROUP_MS, showGroup);
    },
    answered(id) {
      arriving = arriving.filter((call) => call.id !== id);
      for (const [notification, calls] of shown) {
        if (!calls.delete(id) || calls.size > 0) continue;
        deps.close(notification);
        shown.delete(notification);
      }
    },
    closeAll,
    stop() {
      stopped = true;
      cancelGroup?.();
      cancelGroup = undefined;
      arriving = [];
      closeAll();
    },
  };
}
