// Bidirectional controls: the embeddings, overrides and isolates (U+202A to U+202E, U+2066 to
// U+2069) that reorder the text after them, so that "gnp.exe" can read "exe.png". Text from agents
// and servers shows them as escapes, never as what they do.

const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/** `text` with each bidirectional control written as its JSON escape (`\u202e`). */
export function escapeBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
