// Text from agents and servers (tool, client and server names, reasons) as the tray menu and
// notifications show it: the operating system draws these, not React, so they get the screens'
// treatment here: bidirectional controls shown as escapes, control characters dropped, length
// cut, and "&" doubled where a menu would take it for a keyboard accelerator.
import { escapeBidiControls } from '../../../shared/bidi-controls';
import { cutText } from '../../../shared/cut-text';

export function nativeText(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return escapeBidiControls(cutText(text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' '), max));
}

/** A menu item's label: Windows and Linux menus read "&x" as an accelerator. */
export function menuLabel(text: string, max: number): string {
  return nativeText(text, max).replace(/&/g, '&&');
}
