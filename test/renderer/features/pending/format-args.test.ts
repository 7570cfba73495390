import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../../../src/main/core/redaction/redactor';
import {
  FOLD_AT,
  formatArgs,
  formatCountdown,
  type FormattedArgs,
} from '../../../../src/renderer/src/features/pending/format-args';

/** The text as shown, each mask as its label in brackets. */
function shown({ parts }: FormattedArgs): string {
  return parts
    .map((part) => (part.kind === 'text' || part.revealed ? (part.text ?? '') : `[${part.label}]`))
    .join('');
}

const redactor = createRedactor();

describe('formatArgs', () => {
  it('lays out arguments as JSON.stringify(args, null, 2) does', () => {
    for (const args of [
      {},
      { email: 'a@example.com', n: 1.5, ok: true, none: null },
      { list: [], map: {}, nested: [{ a: [1, [2, 'x']] }, 'y'], 'a/b~c': { '': 0 } },
    ]) {
      expect(shown(formatArgs(args, { fold: false }))).toBe(JSON.stringify(args, null, 2));
    }
  });

  it('writes bidirectional controls in keys and values as JSON escapes: the same JSON, nothing reordered', () => {
    const args = { 'file\u202e': 'read \u202egnp.exe\u202c now', list: ['\u2067x\u2069'] };
    const text = shown(formatArgs(args, { fold: false }));
    expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(text).toContain('"read \\u202egnp.exe\\u202c now"');
    expect(JSON.parse(text)).toEqual(args);
  });

  it('folds long keys as it folds long values', () => {
    const key = 'k'.repeat(FOLD_AT + 50);
    const result = formatArgs({ [key]: 1 }, { fold: true });
    expect(result.folded).toBe(true);
    expect(shown(result)).toContain(`${'k'.repeat(FOLD_AT)}… (50 more characters)": 1`);
  });

  it('folds long strings, saying how much is hidden', () => {
    const long = 'x'.repeat(FOLD_AT + 60);
    const formatted = formatArgs({ email: 'a@example.com', note: long }, { fold: true });
    expect(formatted.folded).toBe(true);
    expect(shown(formatted)).toContain('"email": "a@example.com"');
    expect(shown(formatted)).toContain('… (60 more characters)');
    expect(shown(formatted)).not.toContain(long);
    expect(formatArgs({ note: long }, { fold: false })).toEqual({
      parts: [{ kind: 'text', text: JSON.stringify({ note: long }, null, 2) }],
      folded: false,
    });
  });

  it('keeps markup as characters of a string', () => {
    const formatted = formatArgs({ html: '<img src=x onerror=alert(1)>' }, { fold: true });
    expect(shown(formatted)).toContain('"<img src=x onerror=alert(1)>"');
  });

  it('masks every value the core flags, wherever it sits, and shows it exactly when revealed', () => {
    // Keys with "/" and "~" and nesting: the UI must find each flagged value where the core
    // named it, or it would show a secret unmasked.
    const args = {
      name: 'x',
      authorization: 'rm -rf ~ && curl evil',
      'a/b': { '~token': 'under an escaped key' },
      list: [{ password: 'p4ss' }, 'Authorization: Bearer sk_live_abcDEF123456789xyz then go'],
    };
    const secrets = redactor.secrets(args);
    expect(secrets.map((s) => s.pointer)).toEqual([
      '/authorization',
      '/a~1b/~0token',
      '/list/0/password',
      '/list/1',
    ]);
    const masked = formatArgs(args, { fold: false, secrets });
    const masks = masked.parts.filter((p) => p.kind === 'secret');
    expect(masks.map((m) => [m.pointer, m.name, m.revealed, m.text])).toEqual([
      ['/authorization', 'authorization', false, undefined],
      ['/a~1b/~0token', 'a/b › ~token', false, undefined],
      ['/list/0/password', 'list › 0 › password', false, undefined],
      // More than a placeholder: the history's text, which shows the words around the secret.
      ['/list/1', 'list › 1', false, '"Authorization: Bearer [redacted:bearer] then go"'],
    ]);
    expect(masks[0]!.label).toBe('hidden: looks like a secret (authorization)');
    for (const secret of ['rm -rf', 'under an escaped key', 'p4ss', 'sk_live']) {
      expect(shown(masked)).not.toContain(secret);
    }

    const all = new Set(secrets.map((s) => s.pointer));
    const revealed = formatArgs(args, { fold: false, secrets, revealed: all });
    expect(shown(revealed)).toBe(JSON.stringify(args, null, 2));
    const one = formatArgs(args, { fold: false, secrets, revealed: new Set(['/list/0/password']) });
    expect(shown(one)).toContain('"password": "p4ss"');
    expect(shown(one)).not.toContain('rm -rf');
  });

  it('masks a container too deep to check, and shows it laid out when revealed', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 70; i++) deep = [deep];
    const args = { deep };
    const secrets = redactor.secrets(args);
    expect(secrets).toHaveLength(1);
    const masked = formatArgs(args, { fold: false, secrets });
    expect(masked.parts.find((p) => p.kind === 'secret')?.label).toBe(
      'hidden: nested too deep to check for secrets (deep › … › 0 › 0 › 0)',
    );
    expect(shown(masked)).not.toContain('bottom');
    const revealed = formatArgs(args, {
      fold: false,
      secrets,
      revealed: new Set([secrets[0]!.pointer]),
    });
    expect(shown(revealed)).toBe(JSON.stringify(args, null, 2));
  });
});

describe('formatArgs on arguments deeper than the stack', () => {
  it('says it cannot show them rather than show a part', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const formatted = formatArgs({ deep }, { fold: true });
    expect(formatted.parts).toEqual([
      {
        kind: 'text',
        text: 'These arguments are nested too deeply to show. Deny the call unless you expected this.',
      },
    ]);
  });
});

describe('formatCountdown', () => {
  it.each([
    [65_000, '1:05'],
    [59_001, '1:00'],
    [1, '0:01'],
    [0, 'expired'],
    [-5, 'expired'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatCountdown(ms)).toBe(text);
  });
});
