// Upstream env and header values in the OS keychain (macOS Keychain, Windows Credential Manager,
// the Secret Service on Linux) through @napi-rs/keyring, which works in Electron and in plain Node
// alike: service "Airlock", one entry per value, its account naming the data folder and the key.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { SecretStore, SecretStoreInfo } from '../../core/ports';
import { errorMessage } from '../../../shared/error-message';

/** The part of @napi-rs/keyring's `Entry` Airlock uses; tests pass a fake. */
export interface KeychainEntry {
  /** null when there is no such entry; throws when the keychain cannot be read. */
  getPassword(): string | null;
  setPassword(password: string): void;
  /** false when there was no such entry. */
  deletePassword(): boolean;
}

/** An OS keychain: how to reach one entry, and the keychain's name as the UI shows it. */
export interface Keychain {
  entry(service: string, account: string): KeychainEntry;
  name: string;
}

const KEYCHAIN_SERVICE = 'Airlock';

/**
 * The account of a value: the data folder and the key, as a JSON pair, so that two data folders
 * never share an entry and no folder name or key, however odd, can make two pairs read the same.
 */
export function keychainAccount(dataDir: string, key: string): string {
  return JSON.stringify([dataDir, key]);
}

export class KeychainSecretStore implements SecretStore {
  readonly info: SecretStoreInfo;

  constructor(
    private readonly keychain: Keychain,
    private readonly dataDir: string,
  ) {
    this.info = { kind: 'keychain', name: keychain.name };
  }

  get(key: string): string | undefined {
    return this.entry(key).getPassword() ?? undefined;
  }

  set(key: string, value: string): void {
    this.entry(key).setPassword(value);
  }

  delete(key: string): void {
    this.entry(key).deletePassword();
  }

  private entry(key: string): KeychainEntry {
    return this.keychain.entry(KEYCHAIN_SERVICE, keychainAccount(this.dataDir, key));
  }
}

/**
 * Whether the keychain can keep a value for this data folder now: a probe entry written, read back
 * and deleted. Asked once at start; a keychain that fails it is not used at all.
 */
export function probeKeychain(
  keychain: Keychain,
  dataDir: string,
): { ok: true } | { ok: false; reason: string } {
  const value = randomBytes(16).toString('hex');
  try {
    // Not a key config.json can produce: server ids start with a letter or digit. (Making the
    // entry may throw too: on Linux, when there is no session bus to reach the Secret Service.)
    const entry = keychain.entry(KEYCHAIN_SERVICE, keychainAccount(dataDir, '(probe)'));
    entry.setPassword(value);
    let read: string | null;
    try {
      read = entry.getPassword();
    } catch (error) {
      // Best effort: a keychain that cannot read may not delete either.
      try {
        entry.deletePassword();
      } catch {
        // the probe entry stays; it holds nothing of the user's
      }
      throw error;
    }
    entry.deletePassword();
    return read === value
      ? { ok: true }
      : { ok: false, reason: 'it did not give back the value just written' };
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
}

type Keyring = Pick<typeof import('@napi-rs/keyring'), 'Entry'>;

const loadKeyring = (): Keyring =>
  createRequire(import.meta.url)('@napi-rs/keyring') as typeof import('@napi-rs/keyring');

/**
 * The system's keychain through @napi-rs/keyring, or why it cannot be loaded (no build of the
 * native module for this platform). Loaded here rather than imported, so that a missing build
 * leaves Airlock on the file store instead of failing its start.
 */
export function systemKeychain(
  platform: NodeJS.Platform = process.platform,
  load: () => Keyring = loadKeyring,
): { ok: true; keychain: Keychain } | { ok: false; reason: string } {
  let keyring: Keyring;
  try {
    keyring = load();
  } catch (error) {
    return { ok: false, reason: `the keychain library did not load: ${errorMessage(error)}` };
  }
  // On Linux the library falls back to the kernel keyring, which forgets everything at logout or
  // reboot: a server would lose its credentials then. Only the Secret Service keeps them.
  const options =
    platform === 'linux' ? { linux: { store: 'secret-service' as const } } : undefined;
  return {
    ok: true,
    keychain: {
      entry: (service, account) => new keyring.Entry(service, account, options),
      name: keychainName(platform),
    },
  };
}

function keychainName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'macOS Keychain';
  if (platform === 'win32') return 'Windows Credential Manager';
  return 'Secret Service keyring';
}
