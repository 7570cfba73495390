// Upstream secrets in config.json: every env and header value either is written there as pasted or
// is a reference, `{"secret": "<key>"}`, to the secret store (the OS keychain, else a file readable
// by the user alone). This module finds the values to move, writes entries with references, and
// resolves references through a lookup; the store itself is a port (see ports.ts, SecretStore).
import type { SecretStoreInfo } from '../ports';
import type { SecretRef, ServerConfig, ServerEntry, StoredValue } from './types';

/** Where in an entry a secret is: its environment (stdio) or its HTTP headers. */
export type SecretField = 'env' | 'headers';

/** One env or header value of a server, with where it is. */
export interface SecretSlot<V> {
  field: SecretField;
  name: string;
  value: V;
}

/** What the store holds for a key: the value, nothing, or why it could not be read. */
export type SecretLookup = (
  key: string,
) => { ok: true; value: string | undefined } | { ok: false; reason: string };

export type Resolved =
  | { ok: true; server: ServerConfig }
  | {
      ok: false;
      /** The entry with the values that could be resolved; the others are left out. */
      partial: ServerConfig;
      /** Why the server cannot be served, naming each value that is missing and where it was looked for. */
      reason: string;
    };

function isSecretRef(value: unknown): value is SecretRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { secret?: unknown }).secret === 'string'
  );
}

/**
 * The key Airlock stores a value under: "<server id>/<env|headers>/<name>". A server id cannot hold
 * "/", so keys of two servers never meet; references written by hand may name any key.
 */
export function secretKey(serverId: string, field: SecretField, name: string): string {
  return `${serverId}/${field}/${name}`;
}

/** The server's env values (stdio) or header values (http, sse), in the entry's order. */
export function secretSlots<V>(server: ServerConfig<V>): SecretSlot<V>[] {
  const [field, values]: [SecretField, Record<string, V>] =
    server.transport === 'stdio' ? ['env', server.env] : ['headers', server.headers];
  return Object.entries(values).map(([name, value]) => ({ field, name, value }));
}

/** The same server with each env or header value passed through `map`. */
function mapSecretValues<A, B>(
  server: ServerConfig<A>,
  map: (slot: SecretSlot<A>) => B | undefined,
): ServerConfig<B> {
  const convert = (field: SecretField, values: Record<string, A>): Record<string, B> =>
    // Object.fromEntries keeps a "__proto__" name as data.
    Object.fromEntries(
      Object.entries(values).flatMap(([name, value]): [string, B][] => {
        const mapped = map({ field, name, value });
        return mapped === undefined ? [] : [[name, mapped]];
      }),
    );
  return server.transport === 'stdio'
    ? { ...server, env: convert('env', server.env) }
    : { ...server, headers: convert('headers', server.headers) };
}

/**
 * Values a config.json entry holds in plain text that belong in the store: all of them but empty
 * ones. Every value counts, not only secret-looking names: `DATABASE_URL` or `X-Tenant` carry
 * credentials as often as `API_KEY` does, and the app already treats every value as secret (it
 * never shows one).
 */
export function plainSecrets(entry: ServerEntry): (SecretSlot<string> & { key: string })[] {
  return secretSlots(entry).flatMap((slot) =>
    typeof slot.value === 'string' && slot.value !== ''
      ? [{ ...slot, value: slot.value, key: secretKey(entry.id, slot.field, slot.name) }]
      : [],
  );
}

/**
 * The server as config.json should list it, each non-empty value replaced by a reference at its
 * own key, and the values to put in the store under those keys.
 */
export function referToStore(server: ServerConfig): {
  entry: ServerEntry;
  values: (SecretSlot<string> & { key: string })[];
} {
  const values: (SecretSlot<string> & { key: string })[] = [];
  const entry = mapSecretValues<string, StoredValue>(server, (slot) => {
    if (slot.value === '') return slot.value;
    const key = secretKey(server.id, slot.field, slot.name);
    values.push({ ...slot, key });
    return { secret: key };
  });
  return { entry, values };
}

/** Every key the entries refer to. */
export function referencedKeys(entries: readonly ServerEntry[]): Set<string> {
  const keys = new Set<string>();
  for (const entry of entries) {
    for (const { value } of secretSlots(entry)) if (isSecretRef(value)) keys.add(value.secret);
  }
  return keys;
}

/**
 * The entry with its references replaced by the store's values. A value the store does not have,
 * or cannot give, keeps the whole server from being served: it would otherwise reach the upstream
 * without its credentials (or with the reference's text).
 */
export function resolveSecrets(
  entry: ServerEntry,
  lookup: SecretLookup,
  store: SecretStoreInfo,
): Resolved {
  const storeName = describeStore(store);
  const problems: string[] = [];
  const partial = mapSecretValues<StoredValue, string>(entry, ({ field, name, value }) => {
    if (!isSecretRef(value)) return value;
    const what = describeSlot(field, name);
    const found = lookup(value.secret);
    if (!found.ok) {
      problems.push(`cannot read the value of ${what} from ${storeName}: ${found.reason}`);
      return undefined;
    }
    if (found.value === undefined) {
      problems.push(
        `the value of ${what} is not in ${storeName} (config.json refers to it as ${JSON.stringify(value.secret)})`,
      );
      return undefined;
    }
    return found.value;
  });
  if (problems.length === 0) return { ok: true, server: partial };
  return {
    ok: false,
    partial,
    reason:
      `not served: ${problems.join('; ')}. ` +
      (store.kind === 'file'
        ? 'A value an earlier start kept in the OS keychain can only be read where that keychain can be reached. '
        : '') +
      'Enter the value again on the Servers screen, or as a plain value in config.json (Airlock moves it to the store).',
  };
}

/** `header "Authorization"`, `environment variable "API_KEY"`. */
export function describeSlot(field: SecretField, name: string): string {
  return `${field === 'env' ? 'environment variable' : 'header'} ${JSON.stringify(name)}`;
}

/** The store as a sentence names it: "the macOS Keychain", "/home/me/.config/airlock/upstream-secrets.json". */
export function describeStore(store: SecretStoreInfo): string {
  return store.kind === 'keychain' ? `the ${store.name}` : store.file;
}
