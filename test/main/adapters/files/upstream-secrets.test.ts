// config.json's env and header values and the secret store: plain values move out of the file
// (only those bytes change), the app's saves go to the store first and are undone if the file
// cannot be written, and values no entry refers to any more are deleted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configPath } from '../../../../src/main/adapters/files/data-dir';
import { UpstreamSecrets } from '../../../../src/main/adapters/files/upstream-secrets';
import { KeychainSecretStore } from '../../../../src/main/adapters/secrets/keychain-secret-store';
import { FileSecretStore } from '../../../../src/main/adapters/secrets/file-secret-store';
import { parseConfig } from '../../../../src/main/core/config/parse-config';
import type { SecretStore } from '../../../../src/main/core/ports';
import { ApiError } from '../../../../src/shared/api-error';
import { FakeKeychain } from '../../../helpers/fake-keychain';
import { recordingLogger } from '../../../helpers/recording-logger';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-upstream-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const readConfig = () => fs.readFileSync(configPath(dataDir), 'utf8');
const writeConfig = (text: string) => fs.writeFileSync(configPath(dataDir), text);

function setup(store: SecretStore = new KeychainSecretStore(new FakeKeychain(), dataDir)) {
  const logger = recordingLogger();
  return { secrets: new UpstreamSecrets({ dataDir, store, logger }), store, logger };
}

/** A hand-kept file: four-space indents, CRLF line ends, inline objects, keys in the user's order. */
const HAND_KEPT = [
  '{',
  '    "settings": { "retentionDays": 30 },',
  '    "mcpServers": {',
  '        "remote": { "url": "https://x.example/mcp", "headers": { "Authorization": "Bearer t-1", "X-Empty": "" } },',
  '        "local": {',
  '            "command": "node",',
  '            "env": {"API_KEY":"k\\"1", "KEPT": { "secret": "shared/key" }}',
  '        }',
  '    }',
  '}',
  '',
].join('\r\n');

describe('moveFromConfig', () => {
  it('moves every plain value to the store and rewrites only those values as references', () => {
    writeConfig(HAND_KEPT);
    const { secrets, store, logger } = setup();
    store.set('shared/key', 'kept');
    expect(secrets.moveFromConfig()).toBe(2);
    expect(readConfig()).toBe(
      HAND_KEPT.replace(
        '"Authorization": "Bearer t-1"',
        '"Authorization": { "secret": "remote/headers/Authorization" }',
      ).replace('"API_KEY":"k\\"1"', '"API_KEY":{ "secret": "local/env/API_KEY" }'),
    );
    expect(store.get('remote/headers/Authorization')).toBe('Bearer t-1');
    expect(store.get('local/env/API_KEY')).toBe('k"1');
    expect(logger.lines.map((l) => l.message)).toEqual([
      'moved 2 env and header values from config.json to the Fake Keychain; config.json now holds a reference to each',
    ]);
    // The file now resolves to what it said before.
    const parsed = parseConfig(readConfig());
    if (!parsed.ok) throw new Error('config.json should stay valid');
    const resolved = secrets.resolveAll(parsed.value.servers);
    expect(resolved.unavailable).toEqual([]);
    expect(resolved.served).toMatchObject([
      { id: 'remote', headers: { Authorization: 'Bearer t-1', 'X-Empty': '' } },
      { id: 'local', env: { API_KEY: 'k"1', KEPT: 'kept' } },
    ]);
    expect(secrets.moveFromConfig()).toBe(0);
  });

  it('does not write over a file saved since the text it was given', () => {
    writeConfig(HAND_KEPT);
    const { secrets } = setup();
    const newer = HAND_KEPT.replace('Bearer t-1', 'Bearer t-2');
    writeConfig(newer);
    expect(secrets.moveFromConfig(HAND_KEPT)).toBe(0);
    expect(readConfig()).toBe(newer);
  });

  it('leaves a value the store refuses in config.json, and says so', () => {
    writeConfig(HAND_KEPT);
    const keychain = new FakeKeychain();
    keychain.rejectValue = (value) => value === 'Bearer t-1';
    const { secrets, logger } = setup(new KeychainSecretStore(keychain, dataDir));
    expect(secrets.moveFromConfig()).toBe(1);
    expect(readConfig()).toContain('"Authorization": "Bearer t-1"');
    expect(readConfig()).not.toContain('k\\"1');
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: expect.stringMatching(
          /could not move the value of header "Authorization" of server remote from config.json to the Fake Keychain; it stays in config.json/,
        ),
      }),
    );
  });

  it('leaves an invalid config.json alone', () => {
    writeConfig('{"mcpServers": {"s": {"command": "x", "env": {"A": "v"}}},}');
    const { secrets } = setup();
    expect(secrets.moveFromConfig()).toBe(0);
    expect(readConfig()).toContain('"A": "v"');
  });
});

describe('save', () => {
  it('puts the values in the store and gives back the entry with references', () => {
    const { secrets, store } = setup();
    const saved = secrets.save({
      id: 'remote',
      transport: 'http',
      url: 'https://x.example/mcp',
      headers: { Authorization: 'Bearer t' },
    });
    expect(saved.entry).toMatchObject({
      headers: { Authorization: { secret: 'remote/headers/Authorization' } },
    });
    expect(store.get('remote/headers/Authorization')).toBe('Bearer t');
  });

  it('puts back what it stored, and says why, when the store refuses one of the values', () => {
    const keychain = new FakeKeychain();
    const store = new KeychainSecretStore(keychain, dataDir);
    store.set('remote/headers/A', 'old-a');
    keychain.rejectValue = (value) => value === 'too-long';
    const { secrets } = setup(store);
    const attempt = () =>
      secrets.save({
        id: 'remote',
        transport: 'http',
        url: 'https://x.example/mcp',
        headers: { A: 'new-a', B: 'new-b', C: 'too-long' },
      });
    expect(attempt).toThrow(ApiError);
    expect(attempt).toThrow(
      /Could not save the value of header "C" of "remote" in the Fake Keychain, so nothing was saved/,
    );
    expect(store.get('remote/headers/A')).toBe('old-a');
    expect(store.get('remote/headers/B')).toBeUndefined();
  });

  it('can be undone when config.json cannot be written afterwards', () => {
    const store = new FileSecretStore(path.join(dataDir, 'upstream-secrets.json'));
    store.set('s/env/A', 'old');
    const { secrets } = setup(store);
    const saved = secrets.save({
      id: 's',
      transport: 'stdio',
      command: 'x',
      args: [],
      env: { A: 'new', B: 'b' },
    });
    expect(store.get('s/env/A')).toBe('new');
    saved.undo();
    expect(store.get('s/env/A')).toBe('old');
    expect(store.get('s/env/B')).toBeUndefined();
  });
});

describe('dropUnreferenced', () => {
  it('deletes the values config.json no longer refers to, and keeps one another entry still uses', () => {
    const { secrets, store } = setup();
    store.set('gone/env/A', 'a');
    store.set('gone/env/B', 'b');
    writeConfig(
      JSON.stringify({
        mcpServers: { copy: { command: 'x', env: { B: { secret: 'gone/env/B' } } } },
      }),
    );
    secrets.dropUnreferenced(['gone/env/A', 'gone/env/B']);
    expect(store.get('gone/env/A')).toBeUndefined();
    expect(store.get('gone/env/B')).toBe('b');
  });

  it('deletes nothing while config.json is invalid: it cannot tell what is still in use', () => {
    const { secrets, store } = setup();
    store.set('gone/env/A', 'a');
    writeConfig('{"mcpServers": ');
    secrets.dropUnreferenced(['gone/env/A']);
    expect(store.get('gone/env/A')).toBe('a');
  });
});

describe('resolve', () => {
  it('asks the store once per value: a later edit of config.json does not ask a keychain again', () => {
    const keychain = new FakeKeychain();
    const store = new KeychainSecretStore(keychain, dataDir);
    store.set('s/env/A', 'a');
    const { secrets } = setup(store);
    const entry = {
      id: 's',
      transport: 'stdio' as const,
      command: 'x',
      args: [],
      env: { A: { secret: 's/env/A' } },
    };
    expect(secrets.resolve(entry)).toMatchObject({ ok: true, server: { env: { A: 'a' } } });
    keychain.failing.add('get');
    expect(secrets.resolve(entry)).toMatchObject({ ok: true, server: { env: { A: 'a' } } });
    expect(secrets.resolve({ ...entry, env: { A: { secret: 'other' } } })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /cannot read the value of environment variable "A" from the Fake Keychain: .*AccessDenied/,
      ),
    });
  });
});
