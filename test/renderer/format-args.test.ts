import { describe, expect, it } from 'vitest';
import {
  FOLD_AT,
  formatArgs,
  formatCountdown,
} from '../../src/renderer/src/features/pending/format-args';

describe('formatArgs', () => {
  it('pretty-prints arguments and folds long strings, saying how much is hidden', () => {
    const long = 'x'.repeat(FOLD_AT + 60);
    const { text, folded } = formatArgs({ email: 'a@example.com', note: long }, true);
    expect(folded).toBe(true);
    expect(text).toContain('"email": "a@example.com"');
    expect(text).toContain('… (60 more characters)');
    expect(text).not.toContain(long);
    expect(formatArgs({ note: long }, false)).toEqual({
      text: JSON.stringify({ note: long }, null, 2),
      folded: false,
    });
  });

  it('keeps markup as characters of a string', () => {
    const { text } = formatArgs({ html: '<img src=x onerror=alert(1)>' }, true);
    expect(text).toContain('"<img src=x onerror=alert(1)>"');
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
