// Text from agents, upstream servers and policy files as a screen shows it. React already puts it
// on screen as text, never markup; this keeps it honest and small. A bidirectional control (an
// override such as U+202E, an embedding or an isolate) would reorder what follows it, so
// "gnp.exe" could read "exe.png" and a sentence around a name could read backwards: each is shown
// as its JSON escape instead (in JSON text that is the same value, exactly). And a name or a
// reason of a megabyte is cut, so it cannot push the buttons off screen or stall the page.
import { escapeBidiControls } from '../../../shared/bidi-controls';

/** Tool names, rule paths, server targets: a line or two at most. */
export const NAME_MAX = 200;
/** A name inside a button's label. */
export const LABEL_NAME_MAX = 40;
/** Reasons, descriptions, error messages. */
export const TEXT_MAX = 1_000;

/** The first `max` characters of `text`, saying how many more there are. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  // Never half of a surrogate pair, which would show as a replacement character.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}… (${(text.length - end).toLocaleString('en-US')} more characters)`;
}

/** `text` as a screen shows it: cut to `max` characters, bidirectional controls revealed. */
export function shown(text: string, max: number = TEXT_MAX): string {
  return escapeBidiControls(cutText(text, max));
}
