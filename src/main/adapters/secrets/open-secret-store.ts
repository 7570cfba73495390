// Picks where upstream secrets live for this run: the OS keychain when a probe at start finds it
// working, else upstream-secrets.json (readable by the user alone), and says which. Values an
// earlier start left in the file move into the keychain once there is one.
import { realpathSync } from 'node:fs';
import type { Logger, SecretStore } from '../../core/ports';
import { errorMessage } from '../../../shared/error-message';
import { upstreamSecretsPath } from '../files/data-dir';
import { FileSecretStore } from './file-secret-store';
import {
  KeychainSecretStore,
  probeKeychain,
  systemKeychain,
  type Keychain,
} from './keychain-secret-store';

export interface OpenSecretStoreOptions {
  dataDir: string;
  logger: Logger;
  /**
   * The OS keychain to try; default the system's (@napi-rs/keyring). `false` keeps secrets in the
   * file whatever the machine has: tests pass it so they never write into a developer's keychain.
   */
  keychain?: Keychain | false;
}

const WHAT = 'upstream secrets (server env and header values)';

export function openSecretStore(options: OpenSecretStoreOptions): SecretStore {
  const { dataDir, logger } = options;
  const file = new FileSecretStore(upstreamSecretsPath(dataDir));
  if (file.restrictMode()) {
    logger.warn(`${file.file} was readable by others; it is now readable by you alone`);
  }
  const chosen = chooseKeychain(options);
  if (!chosen.ok) {
    logger.info(`${WHAT} are kept in ${file.file}, readable by you alone: ${chosen.reason}`);
    return file;
  }
  const keychain = new KeychainSecretStore(chosen.keychain, keychainFolder(dataDir));
  logger.info(`${WHAT} are kept in the ${chosen.keychain.name}`);
  const leftovers = moveIntoKeychain(file, keychain, logger);
  if (leftovers.size === 0) return keychain;
  // A value that could not be moved is still read from the file, until it is saved again.
  const dropLeftover = (key: string) => {
    if (!leftovers.has(key)) return;
    file.delete(key);
    leftovers.delete(key);
  };
  return {
    info: keychain.info,
    get: (key) => keychain.get(key) ?? (leftovers.has(key) ? file.get(key) : undefined),
    set: (key, value) => {
      keychain.set(key, value);
      dropLeftover(key);
    },
    delete: (key) => {
      keychain.delete(key);
      dropLeftover(key);
    },
  };
}

function chooseKeychain(
  options: OpenSecretStoreOptions,
): { ok: true; keychain: Keychain } | { ok: false; reason: string } {
  if (options.keychain === false) return { ok: false, reason: 'the OS keychain is turned off' };
  const loaded =
    options.keychain === undefined
      ? systemKeychain()
      : { ok: true as const, keychain: options.keychain };
  if (!loaded.ok) return loaded;
  const probe = probeKeychain(loaded.keychain, keychainFolder(options.dataDir));
  if (!probe.ok) return { ok: false, reason: `no OS keychain could be used (${probe.reason})` };
  return loaded;
}

/**
 * Moves the values kept in the file while there was no keychain into it: each is written, read
 * back, and only then taken out of the file. Returns the keys that stay in the file.
 */
function moveIntoKeychain(
  file: FileSecretStore,
  keychain: KeychainSecretStore,
  logger: Logger,
): Set<string> {
  const leftovers = new Set<string>();
  let entries: [string, string][];
  try {
    entries = file.entries();
  } catch (error) {
    logger.error(`could not move ${WHAT} into the keychain: ${errorMessage(error)}`);
    return leftovers;
  }
  let moved = 0;
  for (const [key, value] of entries) {
    try {
      keychain.set(key, value);
      if (keychain.get(key) !== value) throw new Error('the keychain did not give it back');
      file.delete(key);
      moved++;
    } catch (error) {
      leftovers.add(key);
      logger.error(
        `could not move the secret ${JSON.stringify(key)} from ${file.file} into the keychain; it stays in the file: ${errorMessage(error)}`,
      );
    }
  }
  if (moved > 0) {
    logger.info(
      `moved ${moved} upstream secret${moved === 1 ? '' : 's'} from ${file.file} into the keychain`,
    );
  }
  return leftovers;
}

/** The data folder as keychain accounts name it: one folder reached by two paths is one folder. */
function keychainFolder(dataDir: string): string {
  try {
    return realpathSync(dataDir);
  } catch {
    return dataDir;
  }
}
