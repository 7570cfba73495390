// The argument-hash key in secrets.json: made once, kept, and never made again over a file that
// cannot be read (which would lose the grants in it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secretsPath } from '../../../../src/main/adapters/files/data-dir';
import { createGrant, GrantAuthenticator } from '../../../../src/main/adapters/files/grants';
import { loadArgsHashKey, SecretsProblem } from '../../../../src/main/adapters/files/secrets-file';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-secrets-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('loadArgsHashKey', () => {
  it('makes a 32-byte key once and returns the same one after, keeping the grants', () => {
    const { token } = createGrant(dir, 'agent');
    const key = loadArgsHashKey(dir);
    expect(key).toHaveLength(32);
    expect(JSON.parse(fs.readFileSync(secretsPath(dir), 'utf8')).argsHashKey).toBe(
      key.toString('hex'),
    );
    expect(loadArgsHashKey(dir).equals(key)).toBe(true);
    expect(new GrantAuthenticator(dir).authenticate(token)).toBe('agent');
    if (process.platform !== 'win32') {
      expect(fs.statSync(secretsPath(dir)).mode & 0o777).toBe(0o600);
    }
    // Each install has its own.
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-secrets-'));
    try {
      expect(loadArgsHashKey(other).equals(key)).toBe(false);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses a secrets.json it cannot read, or a malformed key, and leaves the file alone', () => {
    for (const text of ['{broken', JSON.stringify({ argsHashKey: 'abc' })]) {
      fs.writeFileSync(secretsPath(dir), text);
      expect(() => loadArgsHashKey(dir)).toThrow(SecretsProblem);
      expect(fs.readFileSync(secretsPath(dir), 'utf8')).toBe(text);
    }
  });
});
