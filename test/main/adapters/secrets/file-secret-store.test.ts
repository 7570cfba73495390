// upstream-secrets.json, the store where no OS keychain can be used: readable by the user alone,
// replaced atomically, and never overwritten when it cannot be read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../../../src/main/adapters/secrets/file-secret-store';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-secrets-'));
  file = path.join(dir, 'upstream-secrets.json');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const mode = () => fs.statSync(file).mode & 0o777;
const posix = process.platform !== 'win32';

describe('FileSecretStore', () => {
  it('keeps values in a file only its owner can read, and gives them back', () => {
    const store = new FileSecretStore(file);
    expect(store.get('a/env/KEY')).toBeUndefined();
    store.set('a/env/KEY', 'v1');
    store.set('b/headers/Authorization', 'Bearer t');
    if (posix) expect(mode()).toBe(0o600);
    expect(new FileSecretStore(file).get('a/env/KEY')).toBe('v1');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      'a/env/KEY': 'v1',
      'b/headers/Authorization': 'Bearer t',
    });
    expect(store.info).toEqual({ kind: 'file', file });
  });

  it('removes the file with its last value', () => {
    const store = new FileSecretStore(file);
    store.set('k', 'v');
    store.delete('missing');
    store.delete('k');
    expect(fs.existsSync(file)).toBe(false);
  });

  it('keeps a "__proto__" key as data', () => {
    const store = new FileSecretStore(file);
    store.set('__proto__', 'v');
    expect(new FileSecretStore(file).get('__proto__')).toBe('v');
    expect(new FileSecretStore(file).get('toString')).toBeUndefined();
  });

  it('will not replace a file it cannot read, so no value in it is lost', () => {
    fs.writeFileSync(file, '{"a/env/KEY": "v1",', { mode: 0o600 });
    const store = new FileSecretStore(file);
    expect(() => store.get('a/env/KEY')).toThrow(/is not valid JSON/);
    expect(() => store.set('b', 'v')).toThrow(/is not valid JSON/);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a/env/KEY": "v1",');
    fs.writeFileSync(file, '{"a": 1}');
    expect(() => store.get('a')).toThrow(/the value of "a" must be a string/);
  });

  it.runIf(posix)('takes away the access of others to a file that has it', () => {
    fs.writeFileSync(file, '{"k": "v"}', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const store = new FileSecretStore(file);
    expect(store.restrictMode()).toBe(true);
    expect(mode()).toBe(0o600);
    expect(store.restrictMode()).toBe(false);
  });
});
