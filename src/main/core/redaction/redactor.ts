// Redaction: replaces secrets in text and JSON-like values with "[redacted:<kind>]" before
// anything is stored, logged or shown. Known formats live in token-patterns.ts.
import { escapePointerToken } from '../../../shared/json-pointer';
import { textRules, type TextRule } from './token-patterns';

/** User additions from config.json settings.redaction. */
export interface RedactionRules {
  /** Regular expression sources (JavaScript syntax); every match is replaced. */
  patterns?: string[];
  /** Field names (case-insensitive, exact) whose values are replaced wherever they appear. */
  fields?: string[];
}

/** A value that Redactor.value replaces, and what it puts there instead. */
export interface SecretValue {
  /** Where the value is, as a JSON Pointer (RFC 6901); "" is the whole value. */
  pointer: string;
  /** A placeholder, or the text with its secrets replaced. */
  redacted: string;
}

export interface Redactor {
  /** A deep copy of `value` with secrets replaced; never changes `value`. */
  value(value: unknown): unknown;
  /** `text` with every secret replaced. */
  text(text: string): string;
  /**
   * Where value() would change `value`, in document order: each string it rewrites, and each
   * container it replaces whole (nested too deep). Object keys, which it redacts too, are not
   * listed. Lets a screen show the exact value with these parts masked until asked.
   */
  secrets(value: unknown): SecretValue[];
  /** True when values under this field name are hidden (`api_key`, a name from the user's rules). */
  isSecretName(name: string): boolean;
}

/** Every placeholder starts with this, e.g. `[redacted:jwt]`. */
export const REDACTED_PREFIX = '[redacted';

/** The placeholder for a secret of this kind. */
export function redacted(kind: string): string {
  return `${REDACTED_PREFIX}:${kind}]`;
}

/** Deeper containers are replaced whole: history has no use for them and recursion must end. */
export const MAX_REDACTION_DEPTH = 64;

/** Property names (lowercased, without "-", "_" and spaces) whose values are secrets. */
const SECRET_NAME =
  /apikey|token|secret|passw(?:or)?d|passphrase|authorization|privatekey|credential|cookie|sessionkey|accesskey/;

/** Strings on which a pattern must not find an empty match. */
const EMPTY_MATCH_PROBES = ['', ' ', 'a', 'Z9', '\n', 'user token: abc-123_XYZ.', '{"k": "v"}'];

/**
 * Why `source` cannot be a redaction pattern, or undefined if it can. Patterns are compiled
 * with the flags "gu". One that matches the empty string is refused: it would redact nothing.
 */
export function redactionPatternProblem(source: string): string | undefined {
  let regex: RegExp;
  try {
    regex = new RegExp(source, 'gu');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 says "Invalid regular expression: /<source>/gu: <reason>"; the reason is what helps.
    const reason = /^Invalid regular expression: \/.*\/[a-z]*: (.*)$/s.exec(message)?.[1];
    return `is not a valid regular expression (${reason ?? message})`;
  }
  for (const probe of EMPTY_MATCH_PROBES) {
    for (const match of probe.matchAll(regex)) {
      if (match[0] === '') return 'matches the empty string; a pattern must match some text';
    }
  }
  return undefined;
}

interface KeyView {
  shown: string;
  secret: boolean;
}

/** Bounds on the keys a redactor keeps the view of (see keyOf). */
const MAX_KEPT_KEY_LENGTH = 64;
const MAX_KEPT_KEYS = 1024;

/** Sets `out[key]`, defining "__proto__" as an own property instead of setting the prototype. */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else out[key] = value;
}

/** Shorter skipped values are not rescanned: every unlabelled format is longer (Slack's: 15). */
const MIN_KNOWN_FORMAT = 8;

/**
 * Built once per redactor: one expression for every rule, so clean text costs one scan. Rule
 * i owns capturing groups 2i+1 (kept text, maybe empty) and 2i+2 (the secret).
 */
class KnownFormats {
  private readonly regex: RegExp;

  constructor(private readonly rules: readonly TextRule[]) {
    const alternatives = rules.map((rule) => `(${rule.keep ?? ''})(${rule.secret})`);
    this.regex = new RegExp(alternatives.join('|'), 'gu');
  }

  replace(text: string): string {
    const rules = this.rules;
    return text.replace(this.regex, (...args: unknown[]) => {
      for (let i = 0; i < rules.length; i++) {
        const secret = args[2 * i + 2] as string | undefined;
        if (secret === undefined) continue;
        const rule = rules[i] as TextRule;
        const kept = args[2 * i + 1] as string;
        if (rule.skip !== undefined) {
          const match = args[0] as string;
          const offset = args[2 * rules.length + 1] as number;
          const next = text.charAt(offset + match.length);
          // Not a secret by this rule, but it may hold a known format ("token = env.ghp_...").
          if (rule.skip(secret, kept, next)) {
            return kept + (secret.length < MIN_KNOWN_FORMAT ? secret : this.replace(secret));
          }
        }
        return kept + redacted(typeof rule.kind === 'string' ? rule.kind : rule.kind(kept));
      }
      return args[0] as string;
    });
  }
}

/**
 * A redactor for the built-in formats plus the user's `rules`. Throws if a user pattern is
 * not usable (see redactionPatternProblem); the config parser reports those first.
 */
export function createRedactor(rules: RedactionRules = {}): Redactor {
  const patterns = rules.patterns ?? [];
  const fields = (rules.fields ?? []).filter((f) => f.length > 0);
  const custom = patterns.map((source, i) => {
    const problem = redactionPatternProblem(source);
    if (problem !== undefined) {
      throw new Error(`redaction pattern ${i} (${JSON.stringify(source)}) ${problem}`);
    }
    return new RegExp(source, 'gu');
  });
  const known = new KnownFormats(textRules(fields));
  const userFields = new Set(fields.map((f) => f.toLowerCase()));
  const CUSTOM = redacted('custom');
  const FIELD = redacted('field');

  function text(input: string): string {
    let out = known.replace(input);
    // A global regex is safe to share: replace() starts from lastIndex 0 and resets it.
    for (const regex of custom) out = out.replace(regex, (m) => (m === '' ? m : CUSTOM));
    return out;
  }

  function isSecretName(name: string): boolean {
    const lower = name.toLowerCase();
    return SECRET_NAME.test(lower.replace(/[-_ ]/g, '')) || userFields.has(lower);
  }

  // Object keys repeat from value to value (content, type, text), so what copy() makes of a short
  // key is kept once known, but only for a key with no secret in it: no secret stays in memory.
  const keyViews = new Map<string, KeyView>();

  /** What copy() makes of an object key: the key as shown, and whether values under it are hidden. */
  function keyOf(key: string): KeyView {
    const known = keyViews.get(key);
    if (known !== undefined) return known;
    const view: KeyView = { shown: text(key), secret: isSecretName(key) };
    if (key.length <= MAX_KEPT_KEY_LENGTH && view.shown === key) {
      // Bounded: a stream of distinct keys starts the set over instead of growing it.
      if (keyViews.size >= MAX_KEPT_KEYS) keyViews.clear();
      keyViews.set(key, view);
    }
    return view;
  }

  /** `hidden`: under a secret-looking name, where every string is replaced whole. */
  function leaf(value: string, hidden: boolean): string {
    // An empty secret reveals nothing and shows that none was given.
    return hidden && value !== '' ? FIELD : text(value);
  }

  function copy(value: unknown, depth: number, hidden: boolean, path: Set<object>): unknown {
    if (typeof value === 'string') return leaf(value, hidden);
    if (value === null || typeof value !== 'object') return value;
    if (path.has(value)) return redacted('cycle');
    if (depth >= MAX_REDACTION_DEPTH) return redacted('too-deep');
    path.add(value);
    try {
      if (Array.isArray(value)) return value.map((v) => copy(v, depth + 1, hidden, path));
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const name = keyOf(key);
        const item = copy(
          (value as Record<string, unknown>)[key],
          depth + 1,
          hidden || name.secret,
          path,
        );
        setOwn(out, name.shown, item);
      }
      return out;
    } finally {
      path.delete(value);
    }
  }

  /** Walks `value` as copy() does and notes each place where copy() puts something else. */
  function secrets(value: unknown): SecretValue[] {
    const found: SecretValue[] = [];
    const path = new Set<object>();
    const walk = (v: unknown, pointer: string, depth: number, hidden: boolean): void => {
      if (typeof v === 'string') {
        const shown = leaf(v, hidden);
        if (shown !== v) found.push({ pointer, redacted: shown });
        return;
      }
      if (v === null || typeof v !== 'object') return;
      if (path.has(v)) return void found.push({ pointer, redacted: redacted('cycle') });
      if (depth >= MAX_REDACTION_DEPTH) {
        return void found.push({ pointer, redacted: redacted('too-deep') });
      }
      path.add(v);
      try {
        if (Array.isArray(v)) {
          v.forEach((item, i) => walk(item, `${pointer}/${i}`, depth + 1, hidden));
        } else {
          for (const [key, item] of Object.entries(v)) {
            const at = `${pointer}/${escapePointerToken(key)}`;
            walk(item, at, depth + 1, hidden || isSecretName(key));
          }
        }
      } finally {
        path.delete(v);
      }
    };
    walk(value, '', 0, false);
    return found;
  }

  return { text, value: (value) => copy(value, 0, false, new Set()), secrets, isSecretName };
}
