// JSON Pointer (RFC 6901) tokens, for places in arguments that the core names and the UI finds:
// both sides must escape alike, or a value the core flags would not be found where it is shown.

/** A raw key or index as one pointer token: "~" becomes "~0", "/" becomes "~1". */
export function escapePointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The raw tokens of a pointer: "/a~1b/0" → ["a/b", "0"]; "" (the whole value) → []. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}
