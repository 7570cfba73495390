// The env and header values of config.json's servers, kept out of the file: plain values found in
// it move to the secret store and the file is rewritten with `{"secret": "<key>"}` references (only
// those values change); the app's saves put values in the store and references in the file; a
// server's references are resolved through the store before it is served.
import { ApiError } from '../../../shared/api-error';
import { errorMessage } from '../../../shared/error-message';
import type { UnavailableServer } from '../../core/api/server-handlers';
import { parseConfig } from '../../core/config/parse-config';
import {
  describeSlot,
  describeStore,
  plainSecrets,
  referencedKeys,
  referToStore,
  resolveSecrets,
  type Resolved,
  type SecretLookup,
} from '../../core/config/secret-refs';
import type { ServerConfig, ServerEntry } from '../../core/config/types';
import type { Logger, SecretStore, SecretStoreInfo } from '../../core/ports';
import { readConfigText, replaceConfigValues } from './config-file';

export interface UpstreamSecretsOptions {
  dataDir: string;
  store: SecretStore;
  logger: Logger;
}

export class UpstreamSecrets {
  /**
   * Values read or written in this run, by key: a config.json edit then resolves without asking
   * the keychain again (a locked keychain would prompt, or fail, on every edit).
   */
  private readonly known = new Map<string, string>();
  private readonly storeName: string;

  constructor(private readonly options: UpstreamSecretsOptions) {
    this.storeName = describeStore(options.store.info);
  }

  get info(): SecretStoreInfo {
    return this.options.store.info;
  }

  /** The entry with its references filled in from the store, or why it cannot be served. */
  resolve(entry: ServerEntry): Resolved {
    return resolveSecrets(entry, this.lookup, this.options.store.info);
  }

  /** The entries that can be served, resolved, and those that cannot, with why. */
  resolveAll(entries: readonly ServerEntry[]): {
    served: ServerConfig[];
    unavailable: UnavailableServer[];
  } {
    const served: ServerConfig[] = [];
    const unavailable: UnavailableServer[] = [];
    for (const entry of entries) {
      const resolved = this.resolve(entry);
      if (resolved.ok) served.push(resolved.server);
      else unavailable.push({ entry, partial: resolved.partial, reason: resolved.reason });
    }
    return { served, unavailable };
  }

  /**
   * Moves the plain env and header values in config.json's text (the file as it is now, when not
   * given) into the store, then rewrites just those values in the file as references, unless the
   * file changed meanwhile. A value the store refuses stays in the file, and the log says so.
   * Returns how many values moved.
   */
  moveFromConfig(text?: string): number {
    const { dataDir, logger } = this.options;
    const current = text ?? readConfigText(dataDir);
    if (typeof current !== 'string') return 0;
    const parsed = parseConfig(current);
    if (!parsed.ok) return 0;
    const replacements: { path: string[]; json: string }[] = [];
    for (const entry of parsed.value.servers) {
      for (const { field, name, value, key } of plainSecrets(entry)) {
        try {
          this.put(key, value);
          replacements.push({
            path: ['mcpServers', entry.id, field, name],
            json: `{ "secret": ${JSON.stringify(key)} }`,
          });
        } catch (error) {
          logger.error(
            `could not move the value of ${describeSlot(field, name)} of server ${entry.id} from config.json to ${this.storeName}; it stays in config.json: ${errorMessage(error)}`,
          );
        }
      }
    }
    if (replacements.length === 0) return 0;
    let written: boolean;
    try {
      written = replaceConfigValues(dataDir, current, replacements);
    } catch (error) {
      logger.error(
        `could not rewrite config.json without its env and header values (they are in ${this.storeName} too): ${errorMessage(error)}`,
      );
      return 0;
    }
    if (!written) return 0;
    const count = replacements.length;
    logger.info(
      // Not written as {"secret": ...}: the log's redaction would take that for a secret's value.
      `moved ${count === 1 ? '1 env or header value' : `${count} env and header values`} from config.json to ${this.storeName}; config.json now holds a reference to each`,
    );
    return count;
  }

  /**
   * Puts the server's env or header values in the store and returns the entry config.json should
   * list, with references, and how to put the store back as it was (when the file cannot be
   * written). If the store refuses a value, it is put back at once and an ApiError says why.
   */
  save(server: ServerConfig): { entry: ServerEntry; undo(): void } {
    const { entry, values } = referToStore(server);
    const steps: (() => void)[] = [];
    const undo = () => {
      for (const step of steps.splice(0).reverse()) {
        try {
          step();
        } catch (error) {
          this.options.logger.warn(
            `could not put a secret back in ${this.storeName} as it was: ${errorMessage(error)}`,
          );
        }
      }
    };
    for (const { field, name, key, value } of values) {
      try {
        const before = this.lookup(key);
        this.put(key, value);
        steps.push(() => {
          if (before.ok && before.value !== undefined) this.put(key, before.value);
          else this.remove(key);
        });
      } catch (error) {
        undo();
        throw new ApiError(
          'unavailable',
          `Could not save the value of ${describeSlot(field, name)} of "${server.id}" in ${this.storeName}, so nothing was saved: ${errorMessage(error)}`,
        );
      }
    }
    return { entry, undo };
  }

  /**
   * Deletes from the store those of `keys` that config.json (as it is now) no longer refers to:
   * the values of a removed server, or of env and header names an edit dropped. Another entry
   * that refers to the same key (a copy made by hand) keeps it.
   */
  dropUnreferenced(keys: Iterable<string>): void {
    const text = readConfigText(this.options.dataDir);
    if (typeof text !== 'string') return;
    const parsed = parseConfig(text);
    // Unsure what the file refers to: keep everything rather than delete a value still in use.
    if (!parsed.ok) return;
    const inUse = referencedKeys(parsed.value.servers);
    for (const key of keys) {
      if (inUse.has(key)) continue;
      try {
        this.remove(key);
      } catch (error) {
        this.options.logger.warn(
          `could not delete the secret ${JSON.stringify(key)} from ${this.storeName}: ${errorMessage(error)}`,
        );
      }
    }
  }

  private readonly lookup: SecretLookup = (key) => {
    const known = this.known.get(key);
    if (known !== undefined) return { ok: true, value: known };
    try {
      const value = this.options.store.get(key);
      if (value !== undefined) this.known.set(key, value);
      return { ok: true, value };
    } catch (error) {
      return { ok: false, reason: errorMessage(error) };
    }
  };

  private put(key: string, value: string): void {
    if (this.known.get(key) === value) return;
    this.options.store.set(key, value);
    this.known.set(key, value);
  }

  private remove(key: string): void {
    this.known.delete(key);
    this.options.store.delete(key);
  }
}
