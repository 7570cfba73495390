// Arguments as the Pending screen shows them: the exact arguments as pretty JSON text (the layout
// of JSON.stringify(args, null, 2)) with long strings and keys folded, so one huge value cannot
// push the buttons off screen, and each value the core flagged as looking like a secret cut out as
// a part of its own, for the card to mask until the person asks to see it. Every part is plain
// text.
import type { Approval } from '../../../../shared/contract';
import { escapePointerToken, pointerTokens } from '../../../../shared/json-pointer';
import { escapeBidiControls } from '../../../../shared/bidi-controls';

export const FOLD_AT = 240;

/** A mask's name is a label, not the value: longer keys and paths are cut. */
const NAME_PART_MAX = 40;
const NAME_TOKENS_MAX = 5;

export type ArgsPart =
  | { kind: 'text'; text: string }
  | {
      kind: 'secret';
      pointer: string;
      /** The field for people, e.g. "metadata › token"; names the Show and Hide buttons. */
      name: string;
      /** What the mask says it is, e.g. "hidden: looks like a secret (token)". */
      label: string;
      revealed: boolean;
      /**
       * Revealed: the exact value's JSON text. Masked: the history's redacted text when it says
       * more than a placeholder ("Bearer [redacted:bearer] then ..."), else undefined.
       */
      text?: string;
    };

export interface FormatOptions {
  /** Fold strings longer than FOLD_AT. */
  fold: boolean;
  /** The values the core flagged as looking like secrets. */
  secrets?: Approval['secrets'];
  /** Pointers of flagged values the person chose to see. */
  revealed?: ReadonlySet<string>;
}

export interface FormattedArgs {
  parts: ArgsPart[];
  /** True when a string shown was folded. */
  folded: boolean;
}

const PLACEHOLDER = /^\[redacted:[^\]]*\]$/;

export function formatArgs(args: unknown, options: FormatOptions): FormattedArgs {
  const masks = new Map((options.secrets ?? []).map((s) => [s.pointer, s.redacted]));
  const revealed = options.revealed ?? new Set<string>();
  const parts: ArgsPart[] = [];
  let buffer = '';
  let folded = false;

  const flush = () => {
    if (buffer !== '') parts.push({ kind: 'text', text: buffer });
    buffer = '';
  };
  // Keys too: an agent chooses them as freely as values. Bidirectional controls are written as
  // JSON escapes, so the text is the same JSON and none can reorder what is shown around it.
  const string = (value: string): string => {
    if (options.fold && value.length > FOLD_AT) {
      folded = true;
      value = `${value.slice(0, FOLD_AT)}… (${value.length - FOLD_AT} more characters)`;
    }
    return escapeBidiControls(JSON.stringify(value));
  };
  const secret = (value: unknown, pointer: string, redacted: string, indent: string) => {
    flush();
    const name = fieldName(pointer);
    const label =
      typeof value === 'string'
        ? `hidden: looks like a secret (${name})`
        : `hidden: nested too deep to check for secrets (${name})`;
    if (!revealed.has(pointer)) {
      const text = PLACEHOLDER.test(redacted) ? undefined : string(redacted);
      parts.push({
        kind: 'secret',
        pointer,
        name,
        label,
        revealed: false,
        ...(text === undefined ? {} : { text }),
      });
      return;
    }
    // Nothing inside a flagged value is flagged again: the core stops at it.
    print(value, undefined, indent);
    parts.push({ kind: 'secret', pointer, name, label, revealed: true, text: buffer });
    buffer = '';
  };
  /** `pointer` is undefined inside a flagged value. */
  const print = (value: unknown, pointer: string | undefined, indent: string): void => {
    const redacted = pointer === undefined ? undefined : masks.get(pointer);
    if (redacted !== undefined) return secret(value, pointer!, redacted, indent);
    if (typeof value === 'string') {
      buffer += string(value);
      return;
    }
    if (value === null || typeof value !== 'object') {
      buffer += JSON.stringify(value) ?? 'null';
      return;
    }
    const inner = indent + '  ';
    const child = (key: string | number) =>
      pointer === undefined ? undefined : `${pointer}/${escapePointerToken(key)}`;
    if (Array.isArray(value)) {
      if (value.length === 0) {
        buffer += '[]';
        return;
      }
      buffer += '[\n';
      value.forEach((item, i) => {
        buffer += inner;
        print(item, child(i), inner);
        buffer += i < value.length - 1 ? ',\n' : '\n';
      });
      buffer += `${indent}]`;
      return;
    }
    // As JSON.stringify: entries whose value JSON cannot hold are left out.
    const entries = Object.entries(value).filter(
      ([, item]) => item !== undefined && typeof item !== 'function' && typeof item !== 'symbol',
    );
    if (entries.length === 0) {
      buffer += '{}';
      return;
    }
    buffer += '{\n';
    entries.forEach(([key, item], i) => {
      buffer += `${inner}${string(key)}: `;
      print(item, child(key), inner);
      buffer += i < entries.length - 1 ? ',\n' : '\n';
    });
    buffer += `${indent}}`;
  };

  try {
    print(args ?? {}, '', '');
    flush();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // Deeper than the stack: say so rather than show part of what would run.
    return {
      parts: [
        {
          kind: 'text',
          text: 'These arguments are nested too deeply to show. Deny the call unless you expected this.',
        },
      ],
      folded: false,
    };
  }
  return { parts, folded };
}

/** "metadata › token" for "/metadata/token"; long keys and long paths cut short. */
function fieldName(pointer: string): string {
  let tokens = pointerTokens(pointer).map((token) =>
    token.length > NAME_PART_MAX ? `${token.slice(0, NAME_PART_MAX)}…` : token,
  );
  if (tokens.length > NAME_TOKENS_MAX) tokens = [tokens[0]!, '…', ...tokens.slice(-3)];
  return tokens.length === 0 ? 'arguments' : escapeBidiControls(tokens.join(' › '));
}

/**
 * The time left to answer a held call, never more than it is held for: `now` ticks once a second,
 * so a call that arrived since the last tick would otherwise show a second more than its hold
 * (a 2-minute hold showing 2:01).
 */
export function timeLeft(held: { receivedAt: number; expiresAt: number }, now: number): number {
  return Math.min(held.expiresAt - now, held.expiresAt - held.receivedAt);
}

/** "expires in 1:05" for 65 s left; "expired" once the time has passed. */
export function expiryLabel(ms: number): string {
  return ms > 0 ? `expires in ${formatCountdown(ms)}` : 'expired';
}

/** "1:05" for 65 s; "expired" once the time has passed. */
export function formatCountdown(ms: number): string {
  if (ms <= 0) return 'expired';
  const seconds = Math.ceil(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
}
