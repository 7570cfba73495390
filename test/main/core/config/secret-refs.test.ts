// Upstream secrets as config.json holds them: which values move to the store, the entry the app
// writes, and resolving references, where a missing value keeps the server from being served.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/main/core/config/parse-config';
import {
  plainSecrets,
  referencedKeys,
  referToStore,
  resolveSecrets,
  type SecretLookup,
} from '../../../../src/main/core/config/secret-refs';
import { parseServerEntry } from '../../../../src/main/core/config/server-entry';
import type { ServerEntry } from '../../../../src/main/core/config/types';
import type { SecretStoreInfo } from '../../../../src/main/core/ports';

const FILE_STORE: SecretStoreInfo = { kind: 'file', file: '/data/upstream-secrets.json' };
const KEYCHAIN: SecretStoreInfo = { kind: 'keychain', name: 'macOS Keychain' };

function entries(config: unknown): ServerEntry[] {
  const parsed = parseConfig(JSON.stringify(config));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value.servers;
}

const lookupIn =
  (values: Record<string, string>): SecretLookup =>
  (key) => ({ ok: true, value: Object.hasOwn(values, key) ? values[key] : undefined });

describe('config.json with references', () => {
  it('reads a {"secret": key} value as a reference and a string as the value itself', () => {
    const [remote, local] = entries({
      mcpServers: {
        remote: {
          url: 'https://x.example/mcp',
          headers: { Authorization: { secret: 'remote/headers/Authorization' }, 'X-Team': 'a' },
        },
        local: { command: 'node', env: { API_KEY: { secret: 'shared/key' } } },
      },
    });
    expect(remote).toMatchObject({
      headers: { Authorization: { secret: 'remote/headers/Authorization' }, 'X-Team': 'a' },
    });
    expect(local).toMatchObject({ env: { API_KEY: { secret: 'shared/key' } } });
  });

  it.each([
    ['a number', { A: 1 }, /must be (a )?string/],
    ['a reference without a key', { A: {} }, /"secret"/],
    ['a reference with an empty key', { A: { secret: '' } }, /empty/],
    ['a reference with another key', { A: { secret: 'k', store: 'x' } }, /unknown key "store"/],
  ])('refuses %s as an env value, with its path', (_name, env, message) => {
    const parsed = parseConfig(JSON.stringify({ mcpServers: { s: { command: 'x', env } } }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.some((e) => e.path.startsWith('/mcpServers/s/env/A'))).toBe(true);
    expect(parsed.errors.map((e) => e.message).join('\n')).toMatch(message);
  });

  it('takes only values, never references, from the app: a reference could send another server’s secret anywhere', () => {
    const parsed = parseServerEntry('probe', {
      url: 'https://attacker.example/mcp',
      headers: { Authorization: { secret: 'github/headers/Authorization' } },
    });
    expect(parsed).toEqual({
      ok: false,
      errors: [
        {
          path: '/mcpServers/probe/headers/Authorization',
          message: expect.stringMatching(/must be the value itself/),
        },
      ],
    });
  });
});

describe('plainSecrets', () => {
  it('moves every non-empty env and header value, whatever its name, and leaves references and empty values', () => {
    const [local, remote] = entries({
      mcpServers: {
        local: {
          command: 'node',
          env: {
            DATABASE_URL: 'postgres://u:pw@h/db',
            LOG_LEVEL: 'debug',
            EMPTY: '',
            KEPT: { secret: 'k' },
          },
        },
        remote: { url: 'https://x.example/mcp', headers: { 'X-Tenant': 't-1' } },
      },
    });
    expect(plainSecrets(local!)).toEqual([
      {
        field: 'env',
        name: 'DATABASE_URL',
        value: 'postgres://u:pw@h/db',
        key: 'local/env/DATABASE_URL',
      },
      { field: 'env', name: 'LOG_LEVEL', value: 'debug', key: 'local/env/LOG_LEVEL' },
    ]);
    expect(plainSecrets(remote!)).toEqual([
      { field: 'headers', name: 'X-Tenant', value: 't-1', key: 'remote/headers/X-Tenant' },
    ]);
  });
});

describe('referToStore', () => {
  it('gives the entry config.json lists, with a reference at each value’s own key, and the values to store', () => {
    const { entry, values } = referToStore({
      id: 'remote',
      transport: 'sse',
      url: 'https://x.example/sse',
      headers: { Authorization: 'Bearer abc', Empty: '' },
    });
    expect(entry).toEqual({
      id: 'remote',
      transport: 'sse',
      url: 'https://x.example/sse',
      headers: { Authorization: { secret: 'remote/headers/Authorization' }, Empty: '' },
    });
    expect(values).toEqual([
      {
        field: 'headers',
        name: 'Authorization',
        value: 'Bearer abc',
        key: 'remote/headers/Authorization',
      },
    ]);
  });

  it('keeps a "__proto__" name as data', () => {
    const { entry } = referToStore({
      id: 's',
      transport: 'stdio',
      command: 'x',
      args: [],
      env: JSON.parse('{"__proto__":"v"}') as Record<string, string>,
    });
    expect(entry.transport === 'stdio' && Object.keys(entry.env)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(entry.transport === 'stdio' ? entry.env : null)).toBe(
      Object.prototype,
    );
  });
});

describe('resolveSecrets', () => {
  const [remote] = entries({
    mcpServers: {
      remote: {
        url: 'https://x.example/mcp',
        headers: {
          Authorization: { secret: 'remote/headers/Authorization' },
          'X-Api-Key': { secret: 'remote/headers/X-Api-Key' },
          'X-Team': 'a',
        },
      },
    },
  });

  it('fills in each reference from the store', () => {
    const resolved = resolveSecrets(
      remote!,
      lookupIn({ 'remote/headers/Authorization': 'Bearer t', 'remote/headers/X-Api-Key': 'k' }),
      KEYCHAIN,
    );
    expect(resolved).toEqual({
      ok: true,
      server: {
        id: 'remote',
        transport: 'http',
        url: 'https://x.example/mcp',
        headers: { Authorization: 'Bearer t', 'X-Api-Key': 'k', 'X-Team': 'a' },
      },
    });
  });

  it('does not serve a server with a value missing, and says which value and where it was looked for', () => {
    const resolved = resolveSecrets(
      remote!,
      lookupIn({ 'remote/headers/X-Api-Key': 'k' }),
      FILE_STORE,
    );
    expect(resolved.ok).toBe(false);
    if (resolved.ok) return;
    expect(resolved.reason).toMatch(
      /^not served: the value of header "Authorization" is not in \/data\/upstream-secrets\.json \(config\.json refers to it as "remote\/headers\/Authorization"\)/,
    );
    expect(resolved.reason).toMatch(/OS keychain/);
    expect(resolved.reason).toMatch(/Enter the value again/);
    // What was found can be kept by an edit; the missing value is left out, never made up.
    expect(resolved.partial).toMatchObject({ headers: { 'X-Api-Key': 'k', 'X-Team': 'a' } });
    expect(resolved.partial.transport !== 'stdio' && resolved.partial.headers).not.toHaveProperty(
      'Authorization',
    );
  });

  it('does not serve a server whose store cannot be read, and gives the store’s reason', () => {
    const resolved = resolveSecrets(
      remote!,
      () => ({ ok: false, reason: 'the keychain is locked' }),
      KEYCHAIN,
    );
    expect(resolved.ok).toBe(false);
    if (!resolved.ok) {
      expect(resolved.reason).toMatch(
        /cannot read the value of header "Authorization" from the macOS Keychain: the keychain is locked/,
      );
    }
  });
});

describe('referencedKeys', () => {
  it('lists every key config.json refers to', () => {
    expect(
      referencedKeys(
        entries({
          mcpServers: {
            a: { command: 'x', env: { A: { secret: 'a/env/A' }, B: 'plain' } },
            b: {
              url: 'http://h',
              headers: { H: { secret: 'a/env/A' }, I: { secret: 'b/headers/I' } },
            },
          },
        }),
      ),
    ).toEqual(new Set(['a/env/A', 'b/headers/I']));
  });
});
