// The head of a value as the history keeps it: redacted JSON text (or text) of at most `limit`
// characters.
// Only the part that can fit is copied and redacted, so a 16 MB result costs what its first 16 KB
// cost; and the redactor sees decoded strings, never JSON text, so a key written with JSON escapes
// (`hitl\u005f...`) is caught like any other.
import { MAX_REDACTION_DEPTH, type Redactor } from './redactor';

/**
 * Characters kept past the budget in each string (value or key) before redacting, so that a
 * secret which starts inside the excerpt is seen whole (PEM private keys run to about 3.3 KB) and
 * replaced, not cut into a fragment the patterns no longer recognise.
 */
const SECRET_MARGIN = 8192;

export interface Excerpt {
  text: string;
  /** True when the text does not hold the whole value. */
  truncated: boolean;
}

export function redactedExcerpt(redactor: Redactor, value: unknown, limit: number): Excerpt {
  // Most values fit: measured first, they are redacted as they are instead of copied twice.
  const pruned = new Pruner(limit);
  const head = new Pruner(limit).fits(value, 0) ? value : pruned.copy(value, 0);
  const text = JSON.stringify(redactor.value(head)) ?? 'null';
  if (text.length > limit) return { text: text.slice(0, limit), truncated: true };
  return { text, truncated: pruned.cut };
}

/** The head of a text (an error message, say) as the history keeps it, redacted, in `limit` characters. */
export function redactedTextExcerpt(redactor: Redactor, text: string, limit: number): Excerpt {
  const head = text.length > limit + SECRET_MARGIN ? text.slice(0, limit + SECRET_MARGIN) : text;
  const redacted = redactor.text(head);
  if (redacted.length > limit) return { text: redacted.slice(0, limit), truncated: true };
  return { text: redacted, truncated: head.length < text.length };
}

/**
 * Copies a value until about `left` characters of JSON have been copied. Object keys count and
 * are cut like string values, so one key of megabytes is not carried whole into the excerpt.
 */
class Pruner {
  cut = false;

  constructor(private left: number) {}

  /** True when copy() would keep all of `value`: the same count, without copying. */
  fits(value: unknown, depth: number): boolean {
    if (typeof value === 'string') return this.take(value, 2) === value.length;
    if (value === null || typeof value !== 'object') {
      this.left -= String(value).length;
      return true;
    }
    if (depth >= MAX_REDACTION_DEPTH) return true;
    const source = Array.isArray(value) ? value.entries() : Object.entries(value);
    for (const [key, item] of source) {
      if (this.left <= 0) return false;
      const name = String(key);
      if (this.take(name, 4) < name.length) return false;
      if (!this.fits(item, depth + 1)) return false;
    }
    return true;
  }

  copy(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.head(value, 2);
    if (value === null || typeof value !== 'object') {
      this.left -= String(value).length;
      return value;
    }
    // The redactor replaces what lies deeper; nothing below it needs copying.
    if (depth >= MAX_REDACTION_DEPTH) return value;
    const items: [string, unknown][] = [];
    const source = Array.isArray(value) ? value.entries() : Object.entries(value);
    for (const [key, item] of source) {
      if (this.left <= 0) {
        this.cut = true;
        break;
      }
      // A cut key spends more than the budget left, so it is the last entry: no sibling can be
      // cut to the same name and overwrite it.
      const name = this.head(String(key), 4);
      items.push([name, this.copy(item, depth + 1)]);
    }
    // fromEntries defines "__proto__" as an own property instead of setting the prototype.
    return Array.isArray(value) ? items.map(([, item]) => item) : Object.fromEntries(items);
  }

  /** `text` (a string value or a key) as copy() keeps it: whole, or its head if it is too long. */
  private head(text: string, punctuation: number): string {
    const kept = this.take(text, punctuation);
    if (kept === text.length) return text;
    this.cut = true;
    return text.slice(0, kept);
  }

  /**
   * Spends `text` and its `punctuation` from the budget; how many of its characters fit, with the
   * margin. Never negative: a budget overspent by a long key keeps nothing of the value under it.
   */
  private take(text: string, punctuation: number): number {
    const keep = Math.max(0, this.left + SECRET_MARGIN);
    this.left -= text.length + punctuation;
    return Math.min(text.length, keep);
  }
}
