// Characters a person does not see but a model reads: format characters (zero-width spaces and
// joiners, the byte-order mark, soft hyphens), the Unicode tag characters that spell ASCII
// invisibly, variation selectors past the two emoji use, fillers drawn as blanks, control
// characters, and the bidirectional controls that reorder what follows them. Found here so a tool
// description can be flagged, and written as escapes wherever a definition is shown.

/** Bidirectional controls: marks, embeddings, overrides and isolates. */
const BIDI = new Set([
  0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]);
const FORMAT = /^\p{Cf}$/u;
const CONTROL = /^\p{Cc}$/u;
const PICTOGRAPH = /^\p{Extended_Pictographic}$/u;
/** Drawn as nothing or as a blank in most fonts, though not format characters. */
const BLANKS = new Set([0x115f, 0x1160, 0x3164, 0xffa0, 0x2800]);
const ZWJ = 0x200d;
const TEXT_STYLE = 0xfe0e;
const EMOJI_STYLE = 0xfe0f;
const TAG_FIRST = 0xe0000;
const TAG_LAST = 0xe007f;

export type HiddenKind = 'bidi' | 'hidden';

/** What a text hides: each character by code point, with how often, and what tag characters spell. */
export interface HiddenScan {
  bidi: Map<number, number>;
  hidden: Map<number, number>;
  /** The ASCII the tag characters (U+E0020 to U+E007E) spell, in order; "" when there are none. */
  tagText: string;
}

/** Whether the code point at `index` of `points` is hidden, and how. */
function kindAt(points: readonly number[], index: number): HiddenKind | undefined {
  const point = points[index]!;
  if (BIDI.has(point)) return 'bidi';
  if (point === 0x09 || point === 0x0a || point === 0x0d) return undefined;
  const char = String.fromCodePoint(point);
  const before = index > 0 ? points[index - 1] : undefined;
  const after = points[index + 1];
  // Emoji use these two legitimately: a style after a pictograph or keycap digit, and a joiner
  // between pictographs (a family, a flag). Anywhere else they hide something.
  if (point === TEXT_STYLE || point === EMOJI_STYLE) {
    return before !== undefined && (isPictograph(before) || isKeycapBase(before))
      ? undefined
      : 'hidden';
  }
  if (point === ZWJ) {
    const joinsEmoji =
      before !== undefined &&
      after !== undefined &&
      (isPictograph(before) || before === EMOJI_STYLE || isSkinTone(before)) &&
      isPictograph(after);
    return joinsEmoji ? undefined : 'hidden';
  }
  if (FORMAT.test(char) || CONTROL.test(char) || BLANKS.has(point)) return 'hidden';
  // Variation selectors 1 to 16 (other than the two above) and 17 to 256: data smuggled on a letter.
  if ((point >= 0xfe00 && point <= 0xfe0f) || (point >= 0xe0100 && point <= 0xe01ef)) {
    return 'hidden';
  }
  return undefined;
}

function isPictograph(point: number): boolean {
  return PICTOGRAPH.test(String.fromCodePoint(point));
}

function isKeycapBase(point: number): boolean {
  return (point >= 0x30 && point <= 0x39) || point === 0x23 || point === 0x2a;
}

function isSkinTone(point: number): boolean {
  return point >= 0x1f3fb && point <= 0x1f3ff;
}

function codePoints(text: string): number[] {
  const points: number[] = [];
  for (const char of text) points.push(char.codePointAt(0)!);
  return points;
}

/** Finds every hidden character in `text`. */
export function scanHidden(text: string): HiddenScan {
  const scan: HiddenScan = { bidi: new Map(), hidden: new Map(), tagText: '' };
  // Most text hides nothing: one pass of a regular expression says so without splitting it.
  if (!MAYBE_HIDDEN.test(text)) return scan;
  const points = codePoints(text);
  for (let index = 0; index < points.length; index++) {
    const kind = kindAt(points, index);
    if (kind === undefined) continue;
    const point = points[index]!;
    const counts = kind === 'bidi' ? scan.bidi : scan.hidden;
    counts.set(point, (counts.get(point) ?? 0) + 1);
    if (point > TAG_FIRST + 0x1f && point < TAG_LAST) {
      scan.tagText += String.fromCharCode(point - TAG_FIRST);
    }
  }
  return scan;
}

/** True when `scan` found anything. */
export function hidesSomething(scan: HiddenScan): boolean {
  return scan.bidi.size > 0 || scan.hidden.size > 0;
}

/**
 * `text` with each hidden character written as an escape (`\u200b`, `\u{e0041}`), so that two
 * texts that differ only there look different on screen, and nothing reorders what a person reads.
 */
export function revealHidden(text: string): string {
  if (!MAYBE_HIDDEN.test(text)) return text;
  const points = codePoints(text);
  let out = '';
  for (let index = 0; index < points.length; index++) {
    const point = points[index]!;
    out += kindAt(points, index) === undefined ? String.fromCodePoint(point) : escapeOf(point);
  }
  return out;
}

/** `text` without its hidden characters, for reading what it says ("ig\u200bnore" is "ignore"). */
export function withoutHidden(text: string): string {
  if (!MAYBE_HIDDEN.test(text)) return text;
  const points = codePoints(text);
  let out = '';
  for (let index = 0; index < points.length; index++) {
    if (kindAt(points, index) === undefined) out += String.fromCodePoint(points[index]!);
  }
  return out;
}

/** U+200B */
export function codePointName(point: number): string {
  return `U+${point.toString(16).toUpperCase().padStart(4, '0')}`;
}

function escapeOf(point: number): string {
  const hex = point.toString(16);
  return point > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
}

// A quick first look: anything kindAt could call hidden matches this (and some that it lets be).
// Variation selectors and Hangul fillers stand apart: in one character class with other
// characters, the linter reads each as combining with the one before it.
const MAYBE_HIDDEN =
  /[\p{Cf}\p{Cc}\u2800\u3164\uffa0]|[\ufe00-\ufe0f]|[\u{e0100}-\u{e01ef}]|\u115f|\u1160/u;
