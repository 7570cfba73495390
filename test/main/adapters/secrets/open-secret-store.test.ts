// Which store upstream secrets go to: the OS keychain when the probe at start finds it working,
// else the file readable by the user alone, and the log says which. Values a keychain-less start
// left in the file move into the keychain once there is one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keychainAccount } from '../../../../src/main/adapters/secrets/keychain-secret-store';
import { openSecretStore } from '../../../../src/main/adapters/secrets/open-secret-store';
import { FakeKeychain } from '../../../helpers/fake-keychain';
import { recordingLogger } from '../../../helpers/recording-logger';

let dataDir: string;
let file: string;
beforeEach(() => {
  dataDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-store-')));
  file = path.join(dataDir, 'upstream-secrets.json');
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const account = (key: string) => keychainAccount(dataDir, key);

describe('openSecretStore', () => {
  it('uses the keychain when it works, and writes nothing to disk', () => {
    const keychain = new FakeKeychain();
    const logger = recordingLogger();
    const store = openSecretStore({ dataDir, logger, keychain });
    expect(store.info).toEqual({ kind: 'keychain', name: 'Fake Keychain' });
    store.set('remote/headers/Authorization', 'Bearer t');
    expect(keychain.get(account('remote/headers/Authorization'))).toBe('Bearer t');
    expect(fs.existsSync(file)).toBe(false);
    expect(logger.lines.map((l) => l.message)).toContain(
      'upstream secrets (server env and header values) are kept in the Fake Keychain',
    );
  });

  it('falls back to the file when the keychain fails the probe, and says why', () => {
    const keychain = new FakeKeychain();
    keychain.failing.add('set');
    const logger = recordingLogger();
    const store = openSecretStore({ dataDir, logger, keychain });
    expect(store.info).toEqual({ kind: 'file', file });
    store.set('k', 'v');
    expect(keychain.items.size).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ k: 'v' });
    expect(logger.lines).toContainEqual({
      level: 'info',
      message: `upstream secrets (server env and header values) are kept in ${file}, readable by you alone: no OS keychain could be used (Couldn't access platform storage: AccessDenied)`,
      fields: undefined,
    });
  });

  it('uses the file alone when the keychain is turned off, without touching the keychain', () => {
    const store = openSecretStore({ dataDir, logger: recordingLogger(), keychain: false });
    expect(store.info).toEqual({ kind: 'file', file });
  });

  it('names the data folder by its real path, so one folder reached by a link is one folder', () => {
    const link = path.join(os.tmpdir(), `airlock-link-${process.pid}-${Date.now()}`);
    fs.symlinkSync(dataDir, link);
    try {
      const keychain = new FakeKeychain();
      openSecretStore({ dataDir: link, logger: recordingLogger(), keychain }).set('k', 'v');
      expect(keychain.get(account('k'))).toBe('v');
    } finally {
      fs.rmSync(link);
    }
  });

  it('moves the values a keychain-less start left in the file into the keychain', () => {
    fs.writeFileSync(file, JSON.stringify({ 'a/env/KEY': 'v1', 'b/headers/X': 'v2' }), {
      mode: 0o600,
    });
    const keychain = new FakeKeychain();
    const logger = recordingLogger();
    const store = openSecretStore({ dataDir, logger, keychain });
    expect(keychain.get(account('a/env/KEY'))).toBe('v1');
    expect(keychain.get(account('b/headers/X'))).toBe('v2');
    expect(fs.existsSync(file)).toBe(false);
    expect(store.get('a/env/KEY')).toBe('v1');
    expect(logger.lines.map((l) => l.message)).toContain(
      `moved 2 upstream secrets from ${file} into the keychain`,
    );
  });

  it('leaves a value the keychain refuses in the file, still readable, until it is saved again', () => {
    fs.writeFileSync(file, JSON.stringify({ small: 's', huge: 'x'.repeat(3000) }), {
      mode: 0o600,
    });
    const keychain = new FakeKeychain();
    keychain.rejectValue = (value) => value.length > 2560;
    const logger = recordingLogger();
    const store = openSecretStore({ dataDir, logger, keychain });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ huge: 'x'.repeat(3000) });
    expect(store.get('huge')).toBe('x'.repeat(3000));
    expect(store.get('small')).toBe('s');
    expect(logger.lines.some((l) => l.level === 'error' && l.message.includes('"huge"'))).toBe(
      true,
    );
    store.set('huge', 'shorter now');
    expect(keychain.get(account('huge'))).toBe('shorter now');
    expect(fs.existsSync(file)).toBe(false);
  });

  it.runIf(process.platform !== 'win32')(
    'makes a file others could read readable by its owner alone, and says so',
    () => {
      fs.writeFileSync(file, '{"k": "v"}');
      fs.chmodSync(file, 0o644);
      const logger = recordingLogger();
      openSecretStore({ dataDir, logger, keychain: false });
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes(file))).toBe(true);
    },
  );
});
