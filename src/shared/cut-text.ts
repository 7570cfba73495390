// Text cut to a length for showing, saying how much was left out: used wherever a name or a
// message from an agent or a server is shown (screens, the tray, notifications).

/** The first `max` characters of `text`, saying how many more there are. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  // Never half of a surrogate pair, which would show as a replacement character.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}… (${(text.length - end).toLocaleString('en-US')} more characters)`;
}
