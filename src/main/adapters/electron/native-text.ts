// Text from agents and servers (tool, client and server names) in the tray menu: the operating
// system draws it, not React, so it gets the notifications' treatment (bidirectional controls as
// escapes, control characters dropped, length cut), and "&" is doubled where a menu would take it
// for a keyboard accelerator.
import { noticeText } from '../../../shared/held-call-notices';

/** A menu item's label: Windows and Linux menus read "&x" as an accelerator. */
export function menuLabel(text: string, max: number): string {
  return noticeText(text, max).replace(/&/g, '&&');
}
