// The UI token: the user's choice when it is long enough, else the one kept in secrets.json (made
// on first use, the same at every start, replaced on request), which a running Airlock follows.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadUiToken,
  regenerateUiToken,
  StoredUiToken,
  uiTokenFromEnv,
} from '../../../../src/main/adapters/http/ui-token';
import { createGrant, listGrants } from '../../../../src/main/adapters/files/grants';
import { loadArgsHashKey } from '../../../../src/main/adapters/files/secrets-file';
import { recordingLogger } from '../../../helpers/recording-logger';

describe('uiTokenFromEnv', () => {
  it('leaves the choice to the kept token when AIRLOCK_UI_TOKEN is unset or empty', () => {
    expect(uiTokenFromEnv({})).toBeUndefined();
    expect(uiTokenFromEnv({ AIRLOCK_UI_TOKEN: '' })).toBeUndefined();
  });

  it('uses AIRLOCK_UI_TOKEN when it is long enough', () => {
    expect(uiTokenFromEnv({ AIRLOCK_UI_TOKEN: 'correct-horse-battery' })).toBe(
      'correct-horse-battery',
    );
    expect(uiTokenFromEnv({ AIRLOCK_UI_TOKEN: 'x'.repeat(16) })).toBe('x'.repeat(16));
  });

  it('refuses a token shorter than 16 characters, without echoing it', () => {
    expect(() => uiTokenFromEnv({ AIRLOCK_UI_TOKEN: 'hunter2-hunter2' })).toThrow(
      /AIRLOCK_UI_TOKEN is 15 characters long.*at least 16/,
    );
    try {
      uiTokenFromEnv({ AIRLOCK_UI_TOKEN: 'hunter2-hunter2' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it.each([
    ['a space', 'correct horse battery'],
    ['a newline', 'correct-horse-battery\n'],
    ['a non-ASCII letter', 'correct-horse-bättery'],
  ])('refuses a token with %s, which no Bearer header could carry', (_label, token) => {
    expect(() => uiTokenFromEnv({ AIRLOCK_UI_TOKEN: token })).toThrow(/visible ASCII/);
  });
});

describe('the kept UI token', () => {
  let dataDir: string;
  const secretsFile = () => join(dataDir, 'secrets.json');
  const stored = () => JSON.parse(readFileSync(secretsFile(), 'utf8')) as Record<string, unknown>;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'airlock-ui-token-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is made on first use as 32 random bytes, kept in secrets.json (0600), and the same afterwards', () => {
    const first = loadUiToken(dataDir);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(first, 'base64url')).toHaveLength(32);
    expect(stored().uiToken).toBe(first);
    if (process.platform !== 'win32') expect(statSync(secretsFile()).mode & 0o777).toBe(0o600);
    expect(loadUiToken(dataDir)).toBe(first);
  });

  it('is replaced by regenerateUiToken, next to the grants and the hash key, which stay', () => {
    const key = loadArgsHashKey(dataDir);
    createGrant(dataDir, 'alice');
    const first = loadUiToken(dataDir);
    const second = regenerateUiToken(dataDir);
    expect(second).not.toBe(first);
    expect(loadUiToken(dataDir)).toBe(second);
    expect(loadArgsHashKey(dataDir).equals(key)).toBe(true);
    expect(listGrants(dataDir).map((g) => g.name)).toEqual(['alice']);
    // And a grant made later keeps the token.
    createGrant(dataDir, 'bob');
    expect(loadUiToken(dataDir)).toBe(second);
  });

  it.each([
    ['too short', 'short'],
    ['not a string', 42],
    ['with a space', 'a token with spaces in it'],
  ])('is an error naming the file and the fix when it is %s', (_label, value) => {
    writeFileSync(secretsFile(), JSON.stringify({ uiToken: value }));
    expect(() => loadUiToken(dataDir)).toThrow(
      /secrets\.json: "uiToken" .*airlock ui-token --regenerate/,
    );
  });

  it('is followed by a running Airlock: a regenerated token is in force at the next look', () => {
    const source = new StoredUiToken(dataDir);
    const first = source.current();
    let changes = 0;
    source.onChange(() => changes++);
    expect(source.current()).toBe(first);
    expect(changes).toBe(0);

    const second = regenerateUiToken(dataDir);
    expect(source.current()).toBe(second);
    expect(changes).toBe(1);
    // A rewrite that keeps the token (a grant added) is no change.
    createGrant(dataDir, 'carol');
    expect(source.current()).toBe(second);
    expect(changes).toBe(1);
  });

  it('keeps the token in force when secrets.json turns unreadable or loses it, and says so', () => {
    const logger = recordingLogger();
    const source = new StoredUiToken(dataDir, { logger });
    const token = source.current();
    writeFileSync(secretsFile(), '{ not json');
    expect(source.current()).toBe(token);
    writeFileSync(secretsFile(), JSON.stringify({ grants: {} }));
    expect(source.current()).toBe(token);
    expect(logger.lines.map((l) => l.message).join('\n')).toMatch(
      /UI token not reloaded[\s\S]*"uiToken" is missing/,
    );
    expect(JSON.stringify(logger.lines)).not.toContain(token);
  });
});
