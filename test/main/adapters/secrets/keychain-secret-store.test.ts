// The keychain adapter against a stand-in for @napi-rs/keyring's Entry API: one entry per value
// under service "Airlock", accounts that keep two data folders apart, and the probe at start.
import { describe, expect, it } from 'vitest';
import {
  keychainAccount,
  KeychainSecretStore,
  probeKeychain,
  systemKeychain,
} from '../../../../src/main/adapters/secrets/keychain-secret-store';
import { FakeKeychain } from '../../../helpers/fake-keychain';

describe('KeychainSecretStore', () => {
  it('keeps each value in its own entry of service "Airlock", named by data folder and key', () => {
    const keychain = new FakeKeychain();
    const store = new KeychainSecretStore(keychain, '/home/me/.config/airlock');
    expect(store.get('remote/headers/Authorization')).toBeUndefined();
    store.set('remote/headers/Authorization', 'Bearer t');
    expect(store.get('remote/headers/Authorization')).toBe('Bearer t');
    expect([...keychain.items]).toEqual([
      ['Airlock\n["/home/me/.config/airlock","remote/headers/Authorization"]', 'Bearer t'],
    ]);
    store.delete('remote/headers/Authorization');
    store.delete('remote/headers/Authorization');
    expect(keychain.items.size).toBe(0);
    expect(store.info).toEqual({ kind: 'keychain', name: 'Fake Keychain' });
  });

  it('keeps the values of two data folders apart, whatever their names', () => {
    const keychain = new FakeKeychain();
    const work = new KeychainSecretStore(keychain, '/data/work');
    const home = new KeychainSecretStore(keychain, '/data/home');
    work.set('gh/env/TOKEN', 'work-token');
    home.set('gh/env/TOKEN', 'home-token');
    expect(work.get('gh/env/TOKEN')).toBe('work-token');
    expect(home.get('gh/env/TOKEN')).toBe('home-token');
    // A folder name and a key that run together the same way still name different entries.
    expect(keychainAccount('/a/b', 'c/env/X')).not.toBe(keychainAccount('/a', 'b/c/env/X'));
  });

  it('lets a keychain failure through: the caller decides, nothing is guessed', () => {
    const keychain = new FakeKeychain();
    const store = new KeychainSecretStore(keychain, '/d');
    keychain.failing.add('get');
    expect(() => store.get('k')).toThrow(/AccessDenied/);
  });
});

describe('probeKeychain', () => {
  it('passes when a value can be written, read back and deleted, and leaves nothing behind', () => {
    const keychain = new FakeKeychain();
    expect(probeKeychain(keychain, '/d')).toEqual({ ok: true });
    expect(keychain.items.size).toBe(0);
  });

  it.each(['entry', 'set', 'get', 'delete'] as const)(
    'fails, with the library’s reason, when %s throws',
    (operation) => {
      const keychain = new FakeKeychain();
      keychain.failing.add(operation);
      expect(probeKeychain(keychain, '/d')).toEqual({
        ok: false,
        reason: "Couldn't access platform storage: AccessDenied",
      });
    },
  );

  it('fails when the keychain gives back something else than was written', () => {
    const keychain = new FakeKeychain();
    const real = keychain.entry.bind(keychain);
    keychain.entry = (service, account) => ({ ...real(service, account), getPassword: () => 'x' });
    expect(probeKeychain(keychain, '/d')).toEqual({
      ok: false,
      reason: 'it did not give back the value just written',
    });
  });
});

describe('systemKeychain', () => {
  /** Records how entries are made, in place of the native module. */
  function recordingKeyring() {
    const made: unknown[][] = [];
    class Entry {
      constructor(...args: unknown[]) {
        made.push(args);
      }
    }
    return { made, load: () => ({ Entry }) as never };
  }

  it('keeps Linux entries in the Secret Service only: the kernel keyring it would fall back to forgets them at logout', () => {
    const { made, load } = recordingKeyring();
    const loaded = systemKeychain('linux', load);
    if (!loaded.ok) throw new Error(loaded.reason);
    loaded.keychain.entry('Airlock', 'acct');
    expect(made).toEqual([['Airlock', 'acct', { linux: { store: 'secret-service' } }]]);
    expect(loaded.keychain.name).toBe('Secret Service keyring');
  });

  it.each([
    ['darwin', 'macOS Keychain'],
    ['win32', 'Windows Credential Manager'],
  ] as const)('uses the default store on %s, named "%s"', (platform, name) => {
    const { made, load } = recordingKeyring();
    const loaded = systemKeychain(platform, load);
    if (!loaded.ok) throw new Error(loaded.reason);
    loaded.keychain.entry('Airlock', 'acct');
    expect(made).toEqual([['Airlock', 'acct', undefined]]);
    expect(loaded.keychain.name).toBe(name);
  });

  it('says why when the native module does not load, instead of failing the start', () => {
    expect(
      systemKeychain('freebsd', () => {
        throw new Error('Cannot find module @napi-rs/keyring-freebsd-x64');
      }),
    ).toEqual({
      ok: false,
      reason: 'the keychain library did not load: Cannot find module @napi-rs/keyring-freebsd-x64',
    });
  });

  it('loads the installed @napi-rs/keyring', () => {
    expect(systemKeychain().ok).toBe(true);
  });
});
