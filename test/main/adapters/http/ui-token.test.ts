// The UI token: the user's choice when it is long enough, a fresh random one otherwise.
import { describe, expect, it } from 'vitest';
import { uiTokenFrom } from '../../../../src/main/adapters/http/ui-token';

describe('uiTokenFrom', () => {
  it('makes a random 32-byte base64url token when AIRLOCK_UI_TOKEN is unset or empty', () => {
    for (const env of [{}, { AIRLOCK_UI_TOKEN: '' }]) {
      const token = uiTokenFrom(env);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
    expect(uiTokenFrom({})).not.toBe(uiTokenFrom({}));
  });

  it('uses AIRLOCK_UI_TOKEN when it is long enough', () => {
    expect(uiTokenFrom({ AIRLOCK_UI_TOKEN: 'correct-horse-battery' })).toBe(
      'correct-horse-battery',
    );
    expect(uiTokenFrom({ AIRLOCK_UI_TOKEN: 'x'.repeat(16) })).toBe('x'.repeat(16));
  });

  it('refuses a token shorter than 16 characters, without echoing it', () => {
    expect(() => uiTokenFrom({ AIRLOCK_UI_TOKEN: 'hunter2-hunter2' })).toThrow(
      /AIRLOCK_UI_TOKEN is 15 characters long.*at least 16/,
    );
    try {
      uiTokenFrom({ AIRLOCK_UI_TOKEN: 'hunter2-hunter2' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it.each([
    ['a space', 'correct horse battery'],
    ['a newline', 'correct-horse-battery\n'],
    ['a non-ASCII letter', 'correct-horse-bättery'],
  ])('refuses a token with %s, which no Bearer header could carry', (_label, token) => {
    expect(() => uiTokenFrom({ AIRLOCK_UI_TOKEN: token })).toThrow(/visible ASCII/);
  });
});
