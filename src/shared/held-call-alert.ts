// What a notification about held calls says, on the desktop and in a browser tab alike: one call
// names its tool, client and server; several waiting at once make one "N calls wait" notice. Never
// the arguments: a notification can be read on a lock screen.
import type { Approval } from './contract';
import { escapeBidiControls } from './bidi-controls';

export type HeldCallSummary = Pick<Approval, 'tool' | 'grant' | 'server' | 'reason'>;

export interface HeldCallAlert {
  title: string;
  body: string;
}

/** A name from a server or a policy longer than this is cut: a notification has a line or two. */
const NAME_MAX = 80;
const REASON_MAX = 200;

/** The one notification for the calls waiting, the newest last; undefined when none wait. */
export function heldCallAlert(waiting: readonly HeldCallSummary[]): HeldCallAlert | undefined {
  const newest = waiting.at(-1);
  if (newest === undefined) return undefined;
  const tool = inert(newest.tool, NAME_MAX);
  const grant = inert(newest.grant, NAME_MAX);
  const server = inert(newest.server, NAME_MAX);
  return waiting.length === 1
    ? {
        title: `${tool} needs your approval`,
        body: `${grant} on ${server}: ${inert(newest.reason, REASON_MAX)}`,
      }
    : {
        title: `${waiting.length} calls wait for your approval`,
        body: `Newest: ${tool} from ${grant} on ${server}`,
      };
}

/**
 * A tool name comes from the upstream server: a bidirectional control in it would reorder the
 * sentence around it (as on every screen, it is shown as its escape), and a huge one is cut.
 */
function inert(text: string, max: number): string {
  let cut = text;
  if (text.length > max) {
    let end = max - 1;
    // Never half of a surrogate pair.
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    cut = `${text.slice(0, end)}…`;
  }
  return escapeBidiControls(cut);
}
