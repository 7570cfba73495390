// Text from agents, upstream servers and policy files as a screen shows it. React already puts it
// on screen as text, never markup; this keeps it honest and small. A bidirectional control (an
// override such as U+202E, an embedding or an isolate) would reorder what follows it, so
// "gnp.exe" could read "exe.png" and a sentence around a name could read backwards: each is shown
// as its JSON escape instead (in JSON text that is the same value, exactly). And a name or a
// reason of a megabyte is cut, so it cannot push the buttons off screen or stall the page.
import { escapeBidiControls } from '../../../shared/bidi-controls';
import { cutText } from '../../../shared/cut-text';

export { cutText };

/** Tool names, rule paths, server targets: a line or two at most. */
export const NAME_MAX = 200;
/** A name inside a button's label. */
export const LABEL_NAME_MAX = 40;
/** Reasons, descriptions, error messages. */
export const TEXT_MAX = 1_000;

/** `text` as a screen shows it: cut to `max` characters, bidirectional controls revealed. */
export function shown(text: string, max: number = TEXT_MAX): string {
  return escapeBidiControls(cutText(text, max));
}
